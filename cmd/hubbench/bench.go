package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/birgemiz/hub/postgres"
)

// Bench is one run: its settings, its clients, and what it found.
type Bench struct {
	*Config
	Stdout, Stderr io.Writer

	hc       *http.Client
	hub      *gqlClient // the dashboard key's (or no key)
	hubAdmin *gqlClient // the admin key's
	peer     *gqlClient // PostGraphile; nil without -peer
	pool     *pgxpool.Pool
	peerDocs map[string]string

	deepPos   int
	deepAfter int64
	statsAsOf *time.Time
	notes     []string
}

// hubFor is the client a query is sent to the hub with.
func (b *Bench) hubFor(q *Query) *gqlClient {
	if q.HubAdmin {
		return b.hubAdmin
	}
	return b.hub
}

func (b *Bench) hubRole() string {
	if b.DashboardToken != "" {
		return "dashboard key"
	}
	return "no key (anonymous)"
}

func (b *Bench) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	b.notes = append(b.notes, s)
	b.logf("%s", s)
}

// selected returns the queries -only keeps.
func (b *Bench) selected() []*Query {
	var out []*Query
	for _, q := range b.queries() {
		if b.Only == nil || b.Only.MatchString(q.Name) {
			out = append(out, q)
		}
	}
	return out
}

// Run checks and measures the selected queries and writes the report.
func (b *Bench) Run(ctx context.Context) int {
	started := time.Now()
	qs := b.selected()
	if len(qs) == 0 {
		fmt.Fprintf(b.Stderr, "hubbench: -only %q matches no query (hubbench -list names them)\n", b.Only)
		return exitUsage
	}
	for _, q := range qs {
		if (q.HubAdmin || q.Peer == peerPostgres && strings.HasPrefix(q.Name, "f-")) && b.AdminToken == "" {
			fmt.Fprintf(b.Stderr, "hubbench: %s needs an admin key: create one with `hub keys create bench --role admin` "+
				"and pass its token with -admin-token or HUBBENCH_ADMIN_TOKEN (or leave the query out with -only)\n", q.Name)
			return exitUsage
		}
	}
	b.HubURL = strings.TrimRight(b.HubURL, "/")
	b.hc = newHTTPClient(b.Concurrency)
	b.hub = &gqlClient{endpoint: b.HubURL + "/graphql", token: b.DashboardToken, hc: b.hc}
	b.hubAdmin = b.hub.withToken(b.AdminToken)
	if b.PeerURL != "" {
		b.peer = &gqlClient{endpoint: b.PeerURL, hc: b.hc}
		if err := b.loadPeerDocs(qs); err != nil {
			fmt.Fprintln(b.Stderr, "hubbench:", err)
			return exitSetupErr
		}
	}
	if b.ProfileDir != "" {
		if err := os.MkdirAll(b.ProfileDir, 0o755); err != nil {
			fmt.Fprintln(b.Stderr, "hubbench: -profile-dir:", err)
			return exitSetupErr
		}
	}
	rep, err := b.setup(ctx, qs)
	if err != nil {
		fmt.Fprintln(b.Stderr, "hubbench:", err)
		return exitSetupErr
	}
	defer b.pool.Close()
	rep.Started = started.UTC().Format(time.RFC3339)

	// Checks first: numbers of unequal answers would compare nothing.
	failed := false
	checks := make([]Check, len(qs))
	for i, q := range qs {
		c, err := q.check(ctx, q)
		if err != nil {
			c = Check{Status: statusFailed, Detail: err.Error()}
		}
		checks[i] = c
		if c.Status == statusFailed {
			failed = true
		}
		b.logf("check %s: %s: %s", q.Name, c.Status, firstLine(c.Detail))
	}
	if failed || b.CheckOnly {
		for i, q := range qs {
			rep.Results = append(rep.Results, Result{Name: q.Name, About: q.About, Peer: b.peerName(q), Check: checks[i]})
		}
		rep.Notes = b.notes
		rep.Finished = time.Now().UTC().Format(time.RFC3339)
		if err := b.write(rep); err != nil {
			fmt.Fprintln(b.Stderr, "hubbench:", err)
			return exitSetupErr
		}
		if failed {
			fmt.Fprintln(b.Stderr, "hubbench: the hub and its peer answered differently (see Checks); nothing was measured")
			return exitFailed
		}
		return exitOK
	}

	s := &sampler{b: b}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.run(sctx); close(done) }()
	for i, q := range qs {
		r := b.measure(ctx, q, s)
		r.Check = checks[i]
		rep.Results = append(rep.Results, r)
		if ctx.Err() != nil {
			break
		}
	}
	stop()
	<-done
	rep.Memory = s.result()
	if s.mem.HubSamples == 0 {
		b.note("the hub's GET /metrics gave no process_resident_memory_bytes: no RSS sampled")
	}
	b.checkStatsUnchanged(ctx)
	if b.DeltaToken != "" && ctx.Err() == nil {
		rep.Delta = b.runDelta(ctx)
	}
	rep.Notes = b.notes
	rep.Finished = time.Now().UTC().Format(time.RFC3339)
	if err := b.write(rep); err != nil {
		fmt.Fprintln(b.Stderr, "hubbench:", err)
		return exitSetupErr
	}
	if ctx.Err() != nil {
		fmt.Fprintln(b.Stderr, "hubbench: interrupted")
		return exitFailed
	}
	code := exitOK
	for _, r := range rep.Results {
		for _, side := range []*Side{&r.Hub, r.PeerSide} {
			if side != nil && side.Errors > 0 {
				fmt.Fprintf(b.Stderr, "hubbench: %s on %s: %d requests failed, the first: %s\n", r.Name, side.Target, side.Errors, side.FirstError)
				code = exitFailed
			}
		}
	}
	return code
}

func (b *Bench) peerName(q *Query) string {
	switch {
	case q.Peer == peerPostGraphile && b.peer == nil:
		return ""
	case q.Peer == peerPostgres && strings.HasPrefix(q.Name, "f-"):
		return "PostgreSQL GROUP BY"
	case q.Peer == peerPostgres:
		return "PostgreSQL tsvector"
	}
	return q.Peer
}

// setup connects to the database, checks both servers answer, describes
// the data, and prepares what the selected queries need.
func (b *Bench) setup(ctx context.Context, qs []*Query) (*Report, error) {
	pc, err := pgxpool.ParseConfig(b.DBURL)
	if err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	pc.MaxConns = int32(b.Concurrency + 2)
	pc.MinConns = int32(b.Concurrency)
	pc.ConnConfig.RuntimeParams["application_name"] = "hubbench"
	if b.pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	if err := b.pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	rep := &Report{Label: b.Label, Machine: machine(), Settings: Settings{
		Hub: b.HubURL, HubVersion: b.HubVersion, Peer: b.PeerURL, DB: redactURL(b.DBURL), Concurrency: b.Concurrency,
		DurationPerSide: b.Duration.String(), RequestsPerSide: b.Requests, Warmup: b.Warmup.String(), Rounds: b.Rounds,
		HubRole: b.hubRole(), GOMAXPROCS: runtime.GOMAXPROCS(0),
	}}
	if b.Requests > 0 {
		rep.Settings.DurationPerSide = ""
	}
	if err := b.preflight(ctx); err != nil {
		return nil, err
	}
	if rep.Data, err = b.dataset(ctx); err != nil {
		return nil, fmt.Errorf("describing the data: %w", err)
	}
	has := func(prefix string) bool {
		for _, q := range qs {
			if strings.HasPrefix(q.Name, prefix) {
				return true
			}
		}
		return false
	}
	if has("g-") {
		if err := b.ensureSearchIndex(ctx); err != nil {
			return nil, fmt.Errorf("the bare-PostgreSQL search index: %w", err)
		}
		if err := b.waitSearchOutbox(ctx); err != nil {
			return nil, err
		}
	}
	if has("f-") {
		if err := b.waitStatistics(ctx); err != nil {
			return nil, err
		}
		rep.Data.StatisticsAsOf = b.statsAsOf.UTC().Format(time.RFC3339)
	}
	for _, q := range qs {
		if q.prepare != nil {
			if err := q.prepare(ctx, q); err != nil {
				return nil, fmt.Errorf("preparing %s: %w", q.Name, err)
			}
		}
		if len(q.Variants) == 0 {
			q.Variants = []Variant{{}}
		}
	}
	return rep, nil
}

// minRateLimit is the allowance per period below which the hub will
// refuse the bench's load: at 10 clients it sends thousands of requests a
// second, where the default limits allow 1,200 (dashboard) and 3,000
// (admin) a minute.
const minRateLimit = 100000

// preflight checks that the hub and PostGraphile answer and that the keys
// are valid, and notes the hub's rate limits.
func (b *Bench) preflight(ctx context.Context) error {
	const ping = `{ __typename }`
	clients := []struct {
		who string
		c   *gqlClient
	}{{"hub (" + b.hubRole() + ")", b.hub}}
	if b.AdminToken != "" {
		clients = append(clients, struct {
			who string
			c   *gqlClient
		}{"hub (admin key)", b.hubAdmin})
	}
	for _, c := range clients {
		hdr, err := c.c.do(ctx, ping, nil, nil)
		if err != nil {
			return fmt.Errorf("%s at %s: %w", c.who, c.c.endpoint, err)
		}
		if lim := hdr.Get("X-RateLimit-Limit"); lim != "" {
			n, _ := strconv.Atoi(lim)
			warn := ""
			if n < minRateLimit {
				warn = fmt.Sprintf(": too low, the load will be refused (429) once it is spent; raise it to %d/s or more", minRateLimit)
			}
			b.note("%s: rate limit %s requests per period (X-RateLimit-Limit, from HUB_RATE_LIMITS)%s", c.who, lim, warn)
		}
	}
	if b.peer != nil {
		if _, err := b.peer.do(ctx, ping, nil, nil); err != nil {
			return fmt.Errorf("PostGraphile at %s: %w", b.PeerURL, err)
		}
	}
	return nil
}

// Dataset is what the database holds (live records).
type Dataset struct {
	Database       string `json:"database"`
	Projects       int64  `json:"projects"`
	Organizations  int64  `json:"organizations"`
	Volunteers     int64  `json:"volunteers"`
	Participations int64  `json:"participations"`
	StatisticsAsOf string `json:"statistics_as_of,omitempty"`
}

func (b *Bench) dataset(ctx context.Context) (Dataset, error) {
	var d Dataset
	err := b.pool.QueryRow(ctx, `SELECT current_database(),
		(SELECT count(*) FROM projects WHERE deleted_at IS NULL),
		(SELECT count(*) FROM organizations WHERE deleted_at IS NULL),
		(SELECT count(*) FROM volunteers WHERE deleted_at IS NULL),
		(SELECT count(*) FROM participations WHERE deleted_at IS NULL)`).
		Scan(&d.Database, &d.Projects, &d.Organizations, &d.Volunteers, &d.Participations)
	return d, err
}

// ensureSearchIndex creates the bench's GIN index for the bare-PostgreSQL
// search when it is missing (or left invalid by an interrupted build).
func (b *Bench) ensureSearchIndex(ctx context.Context) error {
	var valid *bool
	err := b.pool.QueryRow(ctx, `SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
		WHERE c.relname = 'bench_projects_fts' AND c.relnamespace = 'public'::regnamespace`).Scan(&valid)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if valid != nil && *valid {
		b.note("bare-PostgreSQL search uses the bench's GIN index bench_projects_fts on projects (already there; not the hub's, `DROP INDEX bench_projects_fts` removes it)")
		return nil
	}
	if valid != nil {
		if _, err := b.pool.Exec(ctx, `DROP INDEX CONCURRENTLY IF EXISTS bench_projects_fts`); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if _, err := b.pool.Exec(ctx, sqlText("g-search-index.sql")); err != nil {
		return err
	}
	b.note("bare-PostgreSQL search: the bench created its GIN index bench_projects_fts on projects in %s (CREATE INDEX CONCURRENTLY IF NOT EXISTS; not the hub's, `DROP INDEX bench_projects_fts` removes it)",
		time.Since(t0).Round(time.Millisecond))
	return nil
}

// waitSearchOutbox waits until the hub's search index has every change
// (its outbox is empty), so that search answers what the tables hold.
func (b *Bench) waitSearchOutbox(ctx context.Context) error {
	deadline := time.Now().Add(b.StatsWait)
	for logged := false; ; {
		var n int64
		if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM search_outbox`).Scan(&n); err != nil {
			return fmt.Errorf("reading the search outbox: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the hub's search outbox still holds %d changes after %s: is `hub serve` indexing?", n, b.StatsWait)
		}
		if !logged {
			b.logf("waiting for the hub to index %d changes (search_outbox)", n)
			logged = true
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
}

// waitStatistics makes sure the hub has a current statistics build that
// is newer than every batch, so that no rebuild runs during the load. A
// hub without one builds it on the first statistics query; at national
// scale that outlasts the query's time limit, and the workers' build
// (checked every minute) is waited for instead.
func (b *Bench) waitStatistics(ctx context.Context) error {
	asOf, err := b.currentBuild(ctx)
	if err != nil {
		return err
	}
	if asOf == nil {
		b.logf("the hub has no statistics build yet: asking it for one")
		t0 := time.Now()
		if _, err := b.hubAdmin.do(ctx, hubDoc("f-stats-region-direction.graphql"), nil, nil); err != nil {
			b.logf("the first statistics query failed (%v); waiting for the workers' build", err)
		} else {
			b.note("the hub built its statistics rollups on the bench's first statistics query, in %s", time.Since(t0).Round(time.Millisecond))
		}
	}
	deadline := time.Now().Add(b.StatsWait)
	for logged := false; ; {
		if asOf, err = b.currentBuild(ctx); err != nil {
			return err
		}
		if asOf != nil && !b.statsStale(ctx) {
			b.statsAsOf = asOf
			return nil
		}
		if time.Now().After(deadline) {
			if asOf == nil {
				return fmt.Errorf("the hub has no statistics build after %s", b.StatsWait)
			}
			b.statsAsOf = asOf
			b.note("records changed after the statistics build (as of %s) and no rebuild came within %s: a rebuild may run during the load",
				asOf.UTC().Format(time.RFC3339), b.StatsWait)
			return nil
		}
		if !logged {
			b.logf("waiting up to %s for the hub's statistics build to catch up with the records", b.StatsWait)
			logged = true
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
}

func (b *Bench) currentBuild(ctx context.Context) (*time.Time, error) {
	var asOf time.Time
	err := b.pool.QueryRow(ctx, `SELECT as_of FROM stat_builds WHERE is_current`).Scan(&asOf)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the statistics build: %w", err)
	}
	return &asOf, nil
}

// statsStale is postgres.StatisticsService.StatisticsStale: the current
// build misses changes, or there is none (the workers will rebuild).
func (b *Bench) statsStale(ctx context.Context) bool {
	var stale bool
	err := b.pool.QueryRow(ctx, postgres.StaleStatisticsSQL, time.Now().Year()).Scan(&stale)
	return err == nil && stale
}

// checkStatsUnchanged notes a rebuild that ran during the load: it took
// CPU from whatever was being measured.
func (b *Bench) checkStatsUnchanged(ctx context.Context) {
	if b.statsAsOf == nil {
		return
	}
	asOf, err := b.currentBuild(ctx)
	if err == nil && asOf != nil && !asOf.Equal(*b.statsAsOf) {
		b.note("a statistics rebuild ran during the load (as of %s, then %s): it used CPU while queries were measured",
			b.statsAsOf.UTC().Format(time.RFC3339), asOf.UTC().Format(time.RFC3339))
	}
}

// measure warms both sides up, then runs them in alternating rounds.
func (b *Bench) measure(ctx context.Context, q *Query, s *sampler) Result {
	r := Result{Name: q.Name, About: q.About, Peer: b.peerName(q)}
	type side struct {
		name   string
		server string // whose CPU is the server's: "hub", "peer" or ""
		t      target
		out    *Side
		lat    []time.Duration
		cpu    cpuAcc
	}
	hubBodies := make([][]byte, len(q.Variants))
	peerBodies := make([][]byte, len(q.Variants))
	sqlArgs := make([][]any, len(q.Variants))
	for i, v := range q.Variants {
		hubBodies[i], peerBodies[i], sqlArgs[i] = body(q.HubDoc, v.Hub), body(q.PeerDoc, v.Peer), v.SQL
	}
	sides := []*side{{name: "hub", server: "hub", t: httpTarget("hub", b.hubFor(q), hubBodies), out: &r.Hub}}
	switch {
	case q.Peer == peerPostGraphile && b.peer != nil:
		r.PeerSide = &Side{}
		sides = append(sides, &side{name: peerPostGraphile, server: "peer", t: httpTarget(peerPostGraphile, b.peer, peerBodies), out: r.PeerSide})
	case q.Peer == peerPostgres:
		r.PeerSide = &Side{}
		sides = append(sides, &side{name: r.Peer, t: sqlTarget(r.Peer, b.pool, q.SQL, sqlArgs), out: r.PeerSide})
	}
	// totals are each side's counts over its warm-up (errors only) and rounds.
	totals := map[*side]*phase{}
	add := func(sd *side, ph phase) {
		acc := totals[sd]
		if acc == nil {
			acc = &phase{}
			totals[sd] = acc
		}
		acc.Requests += ph.Requests
		acc.Errors += ph.Errors
		if acc.FirstErr == "" {
			acc.FirstErr = ph.FirstErr
		}
		sd.lat = append(sd.lat, ph.Lat...)
	}
	if b.Warmup > 0 {
		for _, sd := range sides {
			s.setPhase(q.Name + " warm-up on " + sd.name)
			ph := runLoad(ctx, sd.t, b.Concurrency, b.Warmup, 0)
			if ph.Errors > 0 {
				add(sd, phase{Errors: ph.Errors, FirstErr: ph.FirstErr})
			}
		}
	}
	b.logf("%s: %d round(s) on %s", q.Name, b.Rounds, strings.Join(func() []string {
		n := make([]string, len(sides))
		for i, sd := range sides {
			n[i] = sd.name
		}
		return n
	}(), " and "))
	for round := range b.Rounds {
		order := sides
		if round%2 == 1 {
			order = []*side{}
			for i := len(sides) - 1; i >= 0; i-- {
				order = append(order, sides[i])
			}
		}
		dur := b.Duration / time.Duration(b.Rounds)
		n := 0
		if b.Requests > 0 {
			n = b.Requests / b.Rounds
			if round == b.Rounds-1 {
				n = b.Requests - n*(b.Rounds-1)
			}
		}
		for _, sd := range order {
			if ctx.Err() != nil {
				break
			}
			s.setPhase(q.Name + " on " + sd.name)
			c0 := b.readCPU(ctx)
			ph := runLoad(ctx, sd.t, b.Concurrency, dur, n)
			c1 := b.readCPU(ctx)
			sd.cpu.add(sd.server, c0, c1, ph.Wall, ph.Requests)
			add(sd, ph)
		}
	}
	if b.ProfileDir != "" && ctx.Err() == nil {
		b.profile(ctx, q, sides[0].t, s)
	}
	for _, sd := range sides {
		acc := totals[sd]
		if acc == nil {
			acc = &phase{}
		}
		*sd.out = Side{Target: sd.name, Requests: acc.Requests, Errors: acc.Errors, FirstError: acc.FirstErr,
			WallSeconds: sd.cpu.wall.Seconds(), Latency: summarize(sd.lat), CPU: sd.cpu.use(sd.server)}
		if w := sd.cpu.wall.Seconds(); w > 0 {
			sd.out.RPS = float64(acc.Requests) / w
		}
	}
	if r.PeerSide != nil {
		r.RatioRPS = finite(ratio(r.Hub.RPS, r.PeerSide.RPS))
		r.RatioP99 = finite(ratio(float64(r.Hub.Latency.P99), float64(r.PeerSide.Latency.P99)))
	}
	b.logf("%s: hub %.0f req/s p99 %s%s", q.Name, r.Hub.RPS, fmtDur(r.Hub.Latency.P99), func() string {
		if r.PeerSide == nil {
			return ""
		}
		return fmt.Sprintf("; %s %.0f req/s p99 %s", r.PeerSide.Target, r.PeerSide.RPS, fmtDur(r.PeerSide.Latency.P99))
	}())
	return r
}

// profile takes a CPU profile of the hub under the same load, in a
// stretch of its own after the measured rounds (profiling costs the hub a
// few per cent), and writes it to ProfileDir/QUERY.pprof.
func (b *Bench) profile(ctx context.Context, q *Query, t target, s *sampler) {
	secs := max(1, int(min(5*time.Second, b.Duration/time.Duration(b.Rounds))/time.Second))
	path := filepath.Join(b.ProfileDir, q.Name+".pprof")
	s.setPhase(q.Name + " profiled on hub")
	got := make(chan error, 1)
	go func() {
		prof, err := get(ctx, b.hc, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimRight(b.HubPprof, "/"), secs))
		if err == nil {
			err = os.WriteFile(path, prof, 0o644)
		}
		got <- err
	}()
	// The profile starts when its request arrives; load a little longer
	// than it lasts so that it sees load throughout.
	runLoad(ctx, t, b.Concurrency, time.Duration(secs)*time.Second+500*time.Millisecond, 0)
	if err := <-got; err != nil {
		b.note("no CPU profile of the hub for %s: %v", q.Name, err)
		return
	}
	b.logf("%s: the hub's CPU profile is in %s (go tool pprof -top hub %s)", q.Name, path, path)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// machine describes where the bench runs.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemTotalBytes, _ = statusField(b, "MemTotal")
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAverageBefore = strings.Join(f[:3], " ")
		}
	}
	return m
}

// list prints every query: the hub's GraphQL and the peer's GraphQL or
// SQL, in Markdown; queries that share their texts (the searches) are
// listed once, with each one's variables.
func (b *Bench) list() error {
	qs := b.selected()
	if err := b.loadPeerDocs(qs); err != nil {
		return err
	}
	for i := 0; i < len(qs); {
		q := qs[i]
		group := []*Query{q}
		for i++; i < len(qs) && qs[i].HubDoc == q.HubDoc && qs[i].PeerDoc == q.PeerDoc && qs[i].SQL == q.SQL; i++ {
			group = append(group, qs[i])
		}
		names := make([]string, len(group))
		for j, g := range group {
			names[j] = g.Name
		}
		fmt.Fprintf(b.Stdout, "#### %s\n\n", strings.Join(names, ", "))
		for _, g := range group {
			vars := ""
			if len(g.Variants) == 1 && len(g.Variants[0].Hub) > 0 {
				vars = fmt.Sprintf(" (variables %s)", mustJSON(g.Variants[0].Hub))
			}
			fmt.Fprintf(b.Stdout, "- %s: %s%s\n", g.Name, g.About, vars)
		}
		key := ""
		if q.HubAdmin {
			key = ", with an admin key"
		}
		fmt.Fprintf(b.Stdout, "\nHub (`cmd/hubbench/queries/%s`%s):\n```graphql\n%s```\n\n", q.HubFile, key, q.HubDoc)
		switch q.Peer {
		case peerPostGraphile:
			fmt.Fprintf(b.Stdout, "PostGraphile (`%s/%s`):\n```graphql\n%s```\n\n", b.PeerQueries, q.PeerFile, q.PeerDoc)
		case peerPostgres:
			fmt.Fprintf(b.Stdout, "Bare PostgreSQL (`cmd/hubbench/queries/%s`):\n```sql\n%s\n```\n\n", q.SQLFile,
				strings.TrimSpace(hubDoc(q.SQLFile)))
		}
	}
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
