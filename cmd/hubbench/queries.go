package main

import (
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// queryFiles are the hub's queries and the bare-PostgreSQL statements; the
// PostGraphile queries are read from -peer-queries (bench/postgraphile/queries),
// where the peer's own README documents them.
//
//go:embed queries/*.graphql queries/*.sql
var queryFiles embed.FS

func hubDoc(name string) string {
	b, err := queryFiles.ReadFile("queries/" + name)
	if err != nil {
		panic(err) // embedded: present at build time
	}
	return string(b)
}

// sqlText is an embedded statement without its leading comment lines.
func sqlText(name string) string {
	var keep []string
	for line := range strings.SplitSeq(hubDoc(name), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			keep = append(keep, line)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// Peer kinds.
const (
	peerPostGraphile = "PostGraphile"
	peerPostgres     = "PostgreSQL"
)

// Query is one question of the mix, asked of the hub and of its peer.
type Query struct {
	Name  string
	About string
	// HubDoc is the hub's GraphQL, from the embedded HubFile; HubAdmin:
	// sent with the admin key, else with the dashboard key (or none).
	HubFile  string
	HubDoc   string
	HubAdmin bool
	// Peer is peerPostGraphile (PeerDoc, from PeerFile) or peerPostgres (SQL).
	Peer     string
	PeerFile string
	PeerDoc  string
	SQL      string
	SQLFile  string // the embedded file of SQL, its comments included
	// Variants are the variables of successive requests (ids differ).
	Variants []Variant
	// prepare fills Variants from the database and the servers.
	prepare func(ctx context.Context, q *Query) error
	// check compares hub and peer once, before the load.
	check func(ctx context.Context, q *Query) (Check, error)
}

// Variant is the variables of one request: the hub's, PostGraphile's, and
// the arguments of the SQL statement.
type Variant struct {
	Hub  map[string]any
	Peer map[string]any
	SQL  []any
}

// Check is the outcome of comparing hub and peer on one query.
type Check struct {
	Status string `json:"status"` // statusEqual, statusNotCompared or statusFailed
	Detail string `json:"detail"`
}

const (
	statusEqual       = "equal"
	statusNotCompared = "not compared"
	statusFailed      = "FAILED"
)

// diffLines bounds each diff in the report.
const diffLines = 40

// queries defines the mix. Names sort in the order the report lists them.
func (b *Bench) queries() []*Query {
	qs := []*Query{
		{Name: "a-projects", About: "100 projects with organization, region and directions",
			HubFile: "a-projects.graphql", Peer: peerPostGraphile, PeerFile: "a-projects.graphql",
			check: compareWith(b, hubA{}, peerA{})},
		{Name: "b-organizations", About: "50 organizations with their first 10 projects each",
			HubFile: "b-organizations.graphql", Peer: peerPostGraphile, PeerFile: "b-organizations.graphql",
			check: compareWith(b, hubB{}, peerB{})},
		{Name: "c-volunteers", About: "50 volunteers with totalHours and 5 participations → project → organization (admin key)",
			HubFile: "c-volunteers.graphql", HubAdmin: true, Peer: peerPostGraphile, PeerFile: "c-volunteers.graphql",
			check: compareWith(b, hubC{}, peerC{})},
		{Name: "d-page", About: "20 projects after a cursor deep in the list (keyset)",
			HubFile: "d-page.graphql", Peer: peerPostGraphile, PeerFile: "d-page.graphql",
			prepare: b.prepareDeepPage, check: b.checkDeepPage},
		{Name: "e-node", About: "node(id:) of one project (200 ids in turn)",
			HubFile: "e-node.graphql", Peer: peerPostGraphile, PeerFile: "e-project.graphql",
			prepare: b.prepareNode, check: compareWith(b, hubNode{}, peerNode{})},
		{Name: "e-nodes", About: "nodes(ids:) of 50 projects (20 sets in turn)",
			HubFile: "e-nodes.graphql", Peer: peerPostGraphile, PeerFile: "e-projects-by-ids.graphql",
			prepare: b.prepareNodes, check: compareWith(b, hubNodes{}, peerNodes{})},
		b.statsQuery("f-stats-region-direction", "statistics of volunteers and hours by REGION × DIRECTION", false),
		b.statsQuery("f-stats-region-month", "statistics of volunteers and hours by REGION × MONTH of one year", true),
		b.statsQuery("f-stats-region-direction-year", "statistics of volunteers and hours by REGION × DIRECTION × YEAR", false),
		b.searchQuery("g-search-two-words", "search, two words, REGION and DIRECTION facets", b.Search.TwoWords),
		b.searchQuery("g-search-common", "search, one common word, facets", b.Search.Common),
		b.searchQuery("g-search-typo", "search, a word with a typo, facets", b.Search.Typo),
		b.searchQuery("g-search-kk-latin", "search, Kazakh in Latin script, facets", b.Search.KKLatin),
	}
	for _, q := range qs {
		q.HubDoc = hubDoc(q.HubFile)
	}
	return qs
}

// loadPeerDocs reads PostGraphile's queries of the selected queries.
func (b *Bench) loadPeerDocs(qs []*Query) error {
	files := []string{}
	for _, q := range qs {
		if q.PeerFile != "" {
			files = append(files, q.PeerFile)
		}
	}
	if slices.ContainsFunc(qs, func(q *Query) bool { return q.Name == "d-page" }) {
		files = append(files, "d-cursor.graphql")
	}
	b.peerDocs = map[string]string{}
	for _, f := range files {
		text, err := os.ReadFile(filepath.Join(b.PeerQueries, f))
		if err != nil {
			return fmt.Errorf("PostGraphile's queries: %w (run from the repository's root, or set -peer-queries)", err)
		}
		b.peerDocs[f] = string(text)
	}
	for _, q := range qs {
		if q.PeerFile != "" {
			q.PeerDoc = b.peerDocs[q.PeerFile]
		}
	}
	return nil
}

// normaliser is an answer's decoded form that normalises to T.
type normaliser[T any] interface {
	normalise() (T, error)
}

// compareWith is the check of a PostGraphile query: every variant (at most
// 25) asked of both, decoded into H and P, normalised and compared.
func compareWith[T any, H normaliser[T], P normaliser[T]](b *Bench, _ H, _ P) func(ctx context.Context, q *Query) (Check, error) {
	return func(ctx context.Context, q *Query) (Check, error) {
		if b.peer == nil {
			return Check{Status: statusNotCompared, Detail: "no PostGraphile (-peer)"}, nil
		}
		variants := q.Variants
		if len(variants) == 0 {
			variants = []Variant{{}}
		}
		variants = variants[:min(len(variants), 25)]
		var summary string
		for i, v := range variants {
			var h H
			var p P
			if _, err := b.hubFor(q).do(ctx, q.HubDoc, v.Hub, &h); err != nil {
				return Check{}, fmt.Errorf("hub: %w", err)
			}
			if _, err := b.peer.do(ctx, q.PeerDoc, v.Peer, &p); err != nil {
				return Check{}, fmt.Errorf("PostGraphile: %w", err)
			}
			hn, err := h.normalise()
			if err != nil {
				return Check{}, fmt.Errorf("hub's answer: %w", err)
			}
			pn, err := p.normalise()
			if err != nil {
				return Check{}, fmt.Errorf("PostGraphile's answer: %w", err)
			}
			if d := diff(hn, pn, diffLines); d != "" {
				return Check{Status: statusFailed, Detail: fmt.Sprintf("variant %d of %d: %s", i+1, len(variants), d)}, nil
			}
			if i == 0 {
				summary = describe(hn)
			}
		}
		if len(variants) > 1 {
			summary = fmt.Sprintf("%d variants; the first: %s", len(variants), summary)
		}
		return Check{Status: statusEqual, Detail: summary}, nil
	}
}

// describe summarises an answer both sides gave, for the report.
func describe(v any) string {
	switch v := v.(type) {
	case []ProjectA:
		withOrg := 0
		for _, p := range v {
			if p.Organization != nil {
				withOrg++
			}
		}
		return fmt.Sprintf("%d projects%s, %d with an organization", len(v), idRange(v, func(p ProjectA) int64 { return p.ID }), withOrg)
	case []OrgB:
		n := 0
		for _, o := range v {
			n += len(o.Projects)
		}
		return fmt.Sprintf("%d organizations%s, %d projects under them", len(v), idRange(v, func(o OrgB) int64 { return o.ID }), n)
	case []VolunteerC:
		n, hours := 0, 0.0
		for _, vol := range v {
			n += len(vol.Participations)
			hours += vol.TotalHours
		}
		return fmt.Sprintf("%d volunteers%s, Σ totalHours %.1f, %d participations", len(v),
			idRange(v, func(vol VolunteerC) int64 { return vol.ID }), hours, n)
	case []ProjectE:
		return fmt.Sprintf("%s%s", plural(len(v), "project"), idRange(v, func(p ProjectE) int64 { return p.ID }))
	case PageD:
		return fmt.Sprintf("%d projects%s, hasNextPage %v", len(v.Projects), idRange(v.Projects, func(t Titled) int64 { return t.ID }), v.HasNextPage)
	}
	return ""
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func idRange[T any](list []T, id func(T) int64) string {
	if len(list) == 0 {
		return ""
	}
	if len(list) == 1 {
		return fmt.Sprintf(" (id %d)", id(list[0]))
	}
	return fmt.Sprintf(" (ids %d…%d)", id(list[0]), id(list[len(list)-1]))
}

// ---- d-page

// prepareDeepPage builds both cursors for the page after the Deep-th live
// project, the way each side builds its own: each is read from a real one
// (a first page of one), then its id replaced.
func (b *Bench) prepareDeepPage(ctx context.Context, q *Query) error {
	var live int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM projects WHERE deleted_at IS NULL`).Scan(&live); err != nil {
		return err
	}
	pos := min(b.Deep, live-20)
	if pos < 1 {
		return fmt.Errorf("d-page needs more than 20 live projects; the database has %d", live)
	}
	var after int64
	if err := b.pool.QueryRow(ctx, `SELECT id FROM projects WHERE deleted_at IS NULL ORDER BY id OFFSET $1 LIMIT 1`, pos-1).Scan(&after); err != nil {
		return err
	}
	b.deepPos, b.deepAfter = pos, after
	var hubFirst struct {
		Projects struct {
			PageInfo struct {
				EndCursor string `json:"endCursor"`
			} `json:"pageInfo"`
		} `json:"projects"`
	}
	if _, err := b.hub.do(ctx, hubDoc("d-cursor.graphql"), nil, &hubFirst); err != nil {
		return fmt.Errorf("hub's first cursor: %w", err)
	}
	hubCursor, err := hubCursorAfter(hubFirst.Projects.PageInfo.EndCursor, after)
	if err != nil {
		return err
	}
	v := Variant{Hub: map[string]any{"after": hubCursor}}
	if b.peer != nil {
		var peerFirst struct {
			Projects struct {
				PageInfo struct {
					EndCursor string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"projects"`
		}
		if _, err := b.peer.do(ctx, b.peerDocs["d-cursor.graphql"], map[string]any{"skip": 1}, &peerFirst); err != nil {
			return fmt.Errorf("PostGraphile's first cursor: %w", err)
		}
		peerCursor, err := peerCursorAfter(peerFirst.Projects.PageInfo.EndCursor, after)
		if err != nil {
			return err
		}
		v.Peer = map[string]any{"after": peerCursor}
	}
	q.Variants = []Variant{v}
	q.About = fmt.Sprintf("20 projects after live project no. %d (id %d), by a cursor", pos, after)
	return nil
}

// hubCursorAfter turns the hub's cursor of some project in the default
// (CREATED) order into the cursor of project id: base64url of JSON
// {"f":"CREATED","k":"<id>","i":<id>} (postgres/query.go, read-only).
func hubCursorAfter(sample string, id int64) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sample)
	var c map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil {
		return "", fmt.Errorf("the hub's cursor %q is not base64url JSON: %v", sample, err)
	}
	k, kok := c["k"].(string)
	i, iok := c["i"].(float64)
	if !kok || !iok || k != strconv.FormatInt(int64(i), 10) || c["f"] != "CREATED" {
		return "", fmt.Errorf("the hub's cursor %s is not {\"f\":\"CREATED\",\"k\":\"<id>\",\"i\":<id>}: its format changed, update hubCursorAfter", raw)
	}
	c["k"], c["i"] = strconv.FormatInt(id, 10), id
	out, err := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(out), err
}

// peerCursorAfter turns a PostGraphile cursor of PRIMARY_KEY_ASC (base64
// of JSON ["<digest of the order>", "<id>"]) into the cursor of id.
func peerCursorAfter(sample string, id int64) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sample)
	var c []any
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || len(c) != 2 {
		return "", fmt.Errorf("PostGraphile's cursor %q is not base64 of [digest, id]", sample)
	}
	if _, ok := c[1].(string); !ok {
		return "", fmt.Errorf("PostGraphile's cursor %s: the id is not a string", raw)
	}
	c[1] = strconv.FormatInt(id, 10)
	out, err := json.Marshal(c)
	return base64.StdEncoding.EncodeToString(out), err
}

// checkDeepPage compares both pages, and both with the ids the database
// has after the cursor's project (both cursors are built, so both could be
// wrong alike).
func (b *Bench) checkDeepPage(ctx context.Context, q *Query) (Check, error) {
	var h hubD
	if _, err := b.hub.do(ctx, q.HubDoc, q.Variants[0].Hub, &h); err != nil {
		return Check{}, fmt.Errorf("hub: %w", err)
	}
	hn, err := h.normalise()
	if err != nil {
		return Check{}, err
	}
	rows, err := b.pool.Query(ctx, `SELECT id FROM projects WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT 20`, b.deepAfter)
	if err != nil {
		return Check{}, err
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return Check{}, err
	}
	got := make([]int64, len(hn.Projects))
	for i, p := range hn.Projects {
		got[i] = p.ID
	}
	if !slices.Equal(got, want) {
		return Check{Status: statusFailed, Detail: fmt.Sprintf("the hub's page after id %d has ids %v; the database has %v", b.deepAfter, got, want)}, nil
	}
	if b.peer == nil {
		return Check{Status: statusNotCompared, Detail: "no PostGraphile (-peer); the hub's page has the database's ids"}, nil
	}
	var p peerD
	if _, err := b.peer.do(ctx, q.PeerDoc, q.Variants[0].Peer, &p); err != nil {
		return Check{}, fmt.Errorf("PostGraphile: %w", err)
	}
	pn, err := p.normalise()
	if err != nil {
		return Check{}, err
	}
	if d := diff(hn, pn, diffLines); d != "" {
		return Check{Status: statusFailed, Detail: d}, nil
	}
	return Check{Status: statusEqual, Detail: describe(hn) + "; the database's ids too"}, nil
}

// ---- e-node, e-nodes

// projectPool returns up to n live project ids in a fixed pseudo-random order.
func (b *Bench) projectPool(ctx context.Context, n int) ([]int64, error) {
	rows, err := b.pool.Query(ctx, `SELECT id FROM projects WHERE deleted_at IS NULL ORDER BY md5(id::text) LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(ids) == 0 {
		err = errors.New("the database has no live projects")
	}
	return ids, err
}

func (b *Bench) prepareNode(ctx context.Context, q *Query) error {
	ids, err := b.projectPool(ctx, 200)
	if err != nil {
		return err
	}
	for _, id := range ids {
		q.Variants = append(q.Variants, Variant{
			Hub:  map[string]any{"id": hub.GlobalID("Project", id)},
			Peer: map[string]any{"id": strconv.FormatInt(id, 10)},
		})
	}
	q.About = fmt.Sprintf("node(id:) of one project (%d ids in turn)", len(ids))
	return nil
}

func (b *Bench) prepareNodes(ctx context.Context, q *Query) error {
	pool, err := b.projectPool(ctx, 1000)
	if err != nil {
		return err
	}
	per := min(50, len(pool))
	for s := range 20 {
		hubIDs, peerIDs := make([]string, per), make([]string, per)
		for j := range per {
			id := pool[(s*per+j)%len(pool)]
			hubIDs[j], peerIDs[j] = hub.GlobalID("Project", id), strconv.FormatInt(id, 10)
		}
		q.Variants = append(q.Variants, Variant{Hub: map[string]any{"ids": hubIDs}, Peer: map[string]any{"ids": peerIDs}})
	}
	q.About = fmt.Sprintf("nodes(ids:) of %d projects (20 sets in turn)", per)
	return nil
}

// ---- statistics

var statsMeasures = []string{"VOLUNTEERS", "VOLUNTEER_HOURS"}

func (b *Bench) statsQuery(name, about string, byYear bool) *Query {
	q := &Query{Name: name, About: about, HubFile: name + ".graphql", Peer: peerPostgres,
		SQL: sqlText(name + ".sql"), SQLFile: name + ".sql"}
	q.prepare = func(ctx context.Context, q *Query) error {
		if !byYear {
			q.Variants = []Variant{{}}
			return nil
		}
		year, err := b.statsYear(ctx)
		if err != nil {
			return err
		}
		q.Variants = []Variant{{Hub: map[string]any{"year": strconv.Itoa(year)}, SQL: []any{year}}}
		q.About = fmt.Sprintf("%s (%d)", about, year)
		return nil
	}
	q.check = b.checkStats
	return q
}

// statsYear is -year, or the last full year with volunteer registrations.
func (b *Bench) statsYear(ctx context.Context) (int, error) {
	if b.Year > 0 {
		return b.Year, nil
	}
	var y *int
	err := b.pool.QueryRow(ctx, `SELECT max(extract(year FROM registered_at))::int FROM volunteers
		WHERE deleted_at IS NULL AND registered_at < date_trunc('year', now())`).Scan(&y)
	if err != nil {
		return 0, err
	}
	if y == nil {
		return 0, errors.New("no volunteer registered before this year: set -year")
	}
	return *y, nil
}

// checkStats compares the hub's exact answer (admin key) with the same
// GROUP BY over the raw tables, and checks the protected answer the load
// measures (dashboard key, or none) against those exact counts.
func (b *Bench) checkStats(ctx context.Context, q *Query) (Check, error) {
	v := q.Variants[0]
	rows, err := b.pool.Query(ctx, q.SQL, v.SQL...)
	if err != nil {
		return Check{}, fmt.Errorf("PostgreSQL: %w", err)
	}
	want := Cells{}
	var measure string
	var keys []string
	var value float64
	if _, err := pgx.ForEachRow(rows, []any{&measure, &keys, &value}, func() error {
		if value != 0 {
			want[cellKey(measure, keys)] = value
		}
		return nil
	}); err != nil {
		return Check{}, fmt.Errorf("PostgreSQL: %w", err)
	}
	var exact hubStats
	if _, err := b.hubAdmin.do(ctx, q.HubDoc, v.Hub, &exact); err != nil {
		return Check{}, fmt.Errorf("hub (admin): %w", err)
	}
	if !exact.Statistics.Exact {
		return Check{}, errors.New("hub (admin): the answer is not exact: is -admin-token an admin key?")
	}
	got, err := exact.cells(statsMeasures)
	if err != nil {
		return Check{}, fmt.Errorf("hub (admin): %w", err)
	}
	if d := cellsDiff(got, want, diffLines); d != "" {
		stale := ""
		if b.statsStale(ctx) {
			stale = "\nrecords changed after the hub's statistics build (as of " + exact.Statistics.AsOf +
				"): the hub answers from its rollups, PostgreSQL from the records; rerun once the workers have rebuilt"
		}
		return Check{Status: statusFailed, Detail: "the hub's exact answer (admin) and PostgreSQL's GROUP BY: " + d + stale}, nil
	}
	var prot hubStats
	if _, err := b.hub.do(ctx, q.HubDoc, v.Hub, &prot); err != nil {
		return Check{}, fmt.Errorf("hub (%s): %w", b.hubRole(), err)
	}
	suppressed, problems := protectedViolations(prot, statsMeasures, want, diffLines)
	if len(problems) > 0 {
		return Check{Status: statusFailed, Detail: fmt.Sprintf("the hub's protected answer (%s) breaks docs/statistics.md against the exact counts:\n%s",
			b.hubRole(), strings.Join(problems, "\n"))}, nil
	}
	return Check{Status: statusEqual, Detail: fmt.Sprintf("exact answer (admin) = PostgreSQL's GROUP BY, %d non-zero cells; "+
		"the measured answer (%s) is protected: %d rows, %d suppressed, volunteer cells of 15+ within ±5",
		len(want), b.hubRole(), len(prot.Statistics.Rows), suppressed)}, nil
}

// ---- search

func (b *Bench) searchQuery(name, about, words string) *Query {
	return &Query{Name: name, About: fmt.Sprintf("%s: %q", about, words), HubFile: "g-search.graphql",
		Peer: peerPostgres, SQL: sqlText("g-search.sql"), SQLFile: "g-search.sql",
		Variants: []Variant{{Hub: map[string]any{"q": words}, SQL: []any{words}}},
		check:    b.checkSearch}
}

type hubSearch struct {
	Search struct {
		TotalCount int `json:"totalCount"`
		Hits       []struct {
			Node struct {
				ID string `json:"id"`
			} `json:"node"`
		} `json:"hits"`
	} `json:"search"`
}

// checkSearch cannot compare: the hub matches word forms across scripts,
// typos and prefixes, PostgreSQL's 'simple' tsquery exact words. It
// reports both totals and how many of the top 20 both return, and fails
// only when the hub finds nothing (an index not built, or another
// HUB_DATA_DIR than the data's).
func (b *Bench) checkSearch(ctx context.Context, q *Query) (Check, error) {
	v := q.Variants[0]
	var h hubSearch
	if _, err := b.hub.do(ctx, q.HubDoc, v.Hub, &h); err != nil {
		return Check{}, fmt.Errorf("hub: %w", err)
	}
	hubTop := map[int64]bool{}
	for _, hit := range h.Search.Hits {
		id, err := decodeGlobalID(hit.Node.ID, "Project")
		if err != nil {
			return Check{}, fmt.Errorf("hub: %w", err)
		}
		hubTop[id] = true
	}
	rows, err := b.pool.Query(ctx, q.SQL, v.SQL...)
	if err != nil {
		return Check{}, fmt.Errorf("PostgreSQL: %w", err)
	}
	total, both := 0, 0
	var kind string
	var value, title *string
	var n float64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &value, &n, &title}, func() error {
		switch kind {
		case "total":
			total = int(n)
		case "hit":
			if id, err := strconv.ParseInt(deref(value), 10, 64); err == nil && hubTop[id] {
				both++
			}
		}
		return nil
	}); err != nil {
		return Check{}, fmt.Errorf("PostgreSQL: %w", err)
	}
	detail := fmt.Sprintf("different matching (the hub: word forms, scripts, typos, prefix; PostgreSQL: exact words): "+
		"hub %d hits, PostgreSQL %d; %d of the top %d in both", h.Search.TotalCount, total, both, len(h.Search.Hits))
	if h.Search.TotalCount == 0 {
		return Check{Status: statusFailed, Detail: "the hub found nothing for " + strconv.Quote(v.Hub["q"].(string)) +
			": is its search index built, in the HUB_DATA_DIR the data was loaded with? " + detail}, nil
	}
	return Check{Status: statusNotCompared, Detail: detail}, nil
}
