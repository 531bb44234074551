package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Meili is the Meilisearch engine. It indexes the same fields as the
// embedded engine (fields), already analysed by this package, so that
// Meilisearch only has to match our terms: its tokenizer splits the
// space-separated terms back into the words we made, and its prefix search
// and typo tolerance play the part of the embedded engine's prefix and
// fuzzy queries.
//
// Searches always go to the index named at open; a rebuild fills a second
// index and swaps the two, which Meilisearch does atomically.
//
// It needs a recent Meilisearch server: meilisearch-go v0.36 always sends
// fields that older servers reject as unknown (typoTolerance's
// disableOnNumbers, swap-indexes' rename).
type Meili struct {
	client meilisearch.ServiceManager
	index  string

	mu         sync.RWMutex // held for reading by writes, for writing to change the fields below and while swapping
	rebuilding bool         // a rebuild is running
	building   string       // the index the rebuild is filling, once it exists; writes reach it too
}

var _ Engine = (*Meili)(nil)

const (
	// meiliPrimaryKey holds a document's id in Meilisearch's alphabet (meiliID).
	meiliPrimaryKey = "id"
	// meiliMaxTotalHits bounds the totals Meilisearch reports (it answers
	// min(matches, maxTotalHits)) and how deep a page may start. The
	// embedded engine's totals are exact, so the bound is far above any
	// result set the hub holds, and above MaxOffset+100, the deepest page.
	meiliMaxTotalHits = 1_000_000
	// meiliMaxFacetValues is how many values a facet counts, as in the
	// embedded engine's facet requests.
	meiliMaxFacetValues = 100
	// meiliPoll is how often a write polls its task until it is done.
	meiliPoll = 20 * time.Millisecond
	// meiliDocumentsPage is how many documents Versions reads per request.
	meiliDocumentsPage = 10_000
)

// meiliID is a document id in the alphabet Meilisearch allows in ids
// ([a-zA-Z0-9_-]): "project:17" → "project-17". Types never contain "-".
func meiliID(docID string) string { return strings.Replace(docID, ":", "-", 1) }

// docIDFromMeili reverses meiliID: "un_placement-4" → "un_placement:4".
func docIDFromMeili(id string) string { return strings.Replace(id, "-", ":", 1) }

// meiliDocument is what Meilisearch stores for d: the shared fields, the
// id in Meilisearch's alphabet and the date as a Unix timestamp, which
// Meilisearch can sort by.
func meiliDocument(d Document) map[string]any {
	f := fields(d)
	f[meiliPrimaryKey] = meiliID(d.ID)
	f[fieldDate] = d.Date.Unix()
	return f
}

// meiliSettings are the index settings, built from the definitions the
// embedded engine uses. There are no synonyms and no stop words: our
// analysis already folds scripts, spellings and word forms into the terms
// indexed and searched, which is what synonyms would otherwise do.
func meiliSettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		// Rank order: a match in a title outranks one elsewhere (the
		// "attribute" rule ranks a document by the first attribute it matches
		// in, and the stems and words hold the titles too).
		SearchableAttributes: []string{fieldTitleStems, fieldTitleWords, fieldStems, fieldWords},
		FilterableAttributes: []string{fieldType, fieldRegion, fieldDirections, fieldStatus, fieldYear, fieldOrgKind, fieldOrg},
		// id breaks ties between equal dates, as _id does in the embedded engine.
		SortableAttributes:  []string{fieldDate, meiliPrimaryKey},
		DisplayedAttributes: []string{meiliPrimaryKey, fieldVersion},
		// Meilisearch's default rules with "sort" moved first: a query sorted
		// by date is newest first, as Query.SortByDate promises and the
		// embedded engine does, rather than by relevance with the date only
		// breaking ties. Without a sort in the request the rule does nothing.
		RankingRules: []string{"sort", "words", "typo", "proximity", "attribute", "exactness"},
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled: true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{
				OneTypo:  minWordSizeForTypos(1),
				TwoTypos: minWordSizeForTypos(2),
			},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
		Faceting: &meilisearch.Faceting{
			MaxValuesPerFacet: meiliMaxFacetValues,
			// The most frequent values, as the embedded engine counts them.
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount},
		},
		Pagination: &meilisearch.Pagination{MaxTotalHits: meiliMaxTotalHits},
	}
}

// minWordSizeForTypos is the shortest word that Typos lets have n typos.
func minWordSizeForTypos(n int) int64 {
	for size := 1; ; size++ {
		if Typos(strings.Repeat("a", size)) >= n {
			return int64(size)
		}
	}
}

// meiliFilter is the filter expression for a query's types and filter:
// values within a field are alternatives (OR), fields combine (AND), as in
// the embedded engine. Every value is quoted, so no value can end the
// quotes and add to the expression.
func meiliFilter(q Query) string {
	var groups []string
	for _, k := range keywordFilters(q) {
		alts := make([]string, len(k.values))
		for i, v := range k.values {
			alts[i] = k.field + " = " + meiliQuote(v)
		}
		if len(alts) == 1 {
			groups = append(groups, alts[0])
		} else {
			groups = append(groups, "("+strings.Join(alts, " OR ")+")")
		}
	}
	return strings.Join(groups, " AND ")
}

// meiliQuote returns s as a double-quoted filter value. Meilisearch's
// filter parser ends a quoted value at the first quote not escaped by a
// backslash, then unescapes \" and \\; escaping both makes the value
// arrive as written, whatever it holds.
func meiliQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// meiliQueryText is the q Meilisearch searches for: the stem of every
// query word. Meilisearch matches it against both the stems and the words
// attributes, within its typos, and the last word also as a prefix. Stems
// hold only letters and digits, so none of Meilisearch's query syntax
// (phrases in quotes, "-" to exclude) can reach it.
func meiliQueryText(terms []QueryTerm) string {
	words := make([]string, 0, len(terms))
	for _, t := range terms {
		if t.Stem != "" {
			words = append(words, t.Stem)
		}
	}
	return strings.Join(words, " ")
}

// meiliPage returns the page of perPage hits that holds the results
// [offset, offset+limit), and where they start in it. We page rather than
// pass offset and limit because only then does Meilisearch count every
// match (totalHits and facet counts are exhaustive, not estimated). The
// loop ends at the latest when perPage reaches offset+limit (page 1).
func meiliPage(offset, limit int) (page, perPage, skip int) {
	if limit <= 0 {
		return 1, 0, 0 // no hits, only the total and facets
	}
	for perPage = limit; offset/perPage != (offset+limit-1)/perPage; perPage++ {
	}
	page = offset/perPage + 1
	return page, perPage, offset - (page-1)*perPage
}

// meiliSearchRequest is the request for q whose text parsed to terms, and
// how many of the page's hits come before the ones asked for.
func meiliSearchRequest(q Query, terms []QueryTerm) (req *meilisearch.SearchRequest, skip int) {
	page, perPage, skip := meiliPage(q.Offset, q.Limit)
	hitsPerPage := int64(perPage)
	req = &meilisearch.SearchRequest{
		Query:                meiliQueryText(terms),
		MatchingStrategy:     meilisearch.All,
		AttributesToRetrieve: []string{meiliPrimaryKey},
		ShowRankingScore:     true,
		HitsPerPage:          &hitsPerPage,
		Page:                 int64(page),
	}
	if f := meiliFilter(q); f != "" {
		req.Filter = f
	}
	for _, f := range q.Facets {
		if field := facetFields[f]; !oneOf(field, req.Facets) {
			req.Facets = append(req.Facets, field)
		}
	}
	if q.SortByDate {
		req.Sort = []string{fieldDate + ":desc", meiliPrimaryKey + ":asc"}
	}
	return req, skip
}

// OpenMeili connects to the Meilisearch server at url with the API key
// key (empty when the server has none) and prepares the index named index
// (e.g. "hub"): it creates it if missing and applies the settings.
func OpenMeili(ctx context.Context, url, key, index string) (*Meili, error) {
	url = strings.TrimRight(url, "/")
	if url == "" {
		return nil, errors.New("MEILI_URL is empty: the Meilisearch engine needs a server URL such as http://127.0.0.1:7700")
	}
	if !validIndexName(index) {
		return nil, fmt.Errorf("search index name %q: Meilisearch allows only letters, digits, - and _", index)
	}
	var opts []meilisearch.Option
	if key != "" {
		opts = append(opts, meilisearch.WithAPIKey(key))
	}
	client := meilisearch.New(url, opts...)
	h, err := client.HealthWithContext(ctx)
	if err == nil && h.Status != "available" {
		err = fmt.Errorf("health status %q", h.Status)
	}
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("meilisearch at %s (MEILI_URL) is not reachable: %w", url, err)
	}
	e := &Meili{client: client, index: index}
	if err := e.prepare(ctx, index, false); err != nil {
		client.Close()
		if status(err) == http.StatusUnauthorized || status(err) == http.StatusForbidden {
			return nil, fmt.Errorf("meilisearch at %s refused the API key (MEILI_KEY): %w", url, err)
		}
		return nil, err
	}
	return e, nil
}

func validIndexName(s string) bool {
	if s == "" || len(s) > 400 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Name implements Engine.
func (e *Meili) Name() string { return "meilisearch" }

// prepare makes sure the index exists with our primary key and applies the
// settings. With mustCreate it creates the index, and an index of that name
// must not exist yet (the error is then a *meiliTaskError with the code
// index_already_exists).
func (e *Meili) prepare(ctx context.Context, name string, mustCreate bool) error {
	create := mustCreate
	if !mustCreate {
		info, err := e.client.GetIndexWithContext(ctx, name)
		switch {
		case apiCode(err) == "index_not_found":
			create = true
		case err != nil:
			return e.fail(ctx, "read index "+name, err)
		case info.PrimaryKey == "":
			t, err := e.client.Index(name).UpdateIndexWithContext(ctx, &meilisearch.UpdateIndexRequestParams{PrimaryKey: meiliPrimaryKey})
			if err := e.wait(ctx, "set primary key of "+name, t, err); err != nil {
				return err
			}
		case info.PrimaryKey != meiliPrimaryKey:
			return fmt.Errorf("meilisearch index %s has primary key %q, not %q: it is not a hub index", name, info.PrimaryKey, meiliPrimaryKey)
		}
	}
	if create {
		t, err := e.client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: name, PrimaryKey: meiliPrimaryKey})
		// Another process opening the same index at the same time may have created it.
		if err := e.wait(ctx, "create index "+name, t, err); err != nil && (mustCreate || !alreadyExists(err)) {
			return err
		}
	}
	t, err := e.client.Index(name).UpdateSettingsWithContext(ctx, meiliSettings())
	return e.wait(ctx, "settings of "+name, t, err)
}

func alreadyExists(err error) bool {
	var te *meiliTaskError
	return errors.As(err, &te) && te.Code == "index_already_exists"
}

// meiliTaskError is a task Meilisearch did not carry out.
type meiliTaskError struct {
	What    string
	UID     int64
	Status  meilisearch.TaskStatus
	Code    string
	Message string
}

func (e *meiliTaskError) Error() string {
	return fmt.Sprintf("meilisearch %s: task %d %s: %s (%s)", e.What, e.UID, e.Status, e.Message, e.Code)
}

// wait waits for the task a call enqueued (or returns the call's error)
// and fails unless the task succeeded, so that a write is visible to
// searches when it returns.
func (e *Meili) wait(ctx context.Context, what string, info *meilisearch.TaskInfo, err error) error {
	if err != nil {
		return e.fail(ctx, what, err)
	}
	t, err := e.client.WaitForTaskWithContext(ctx, info.TaskUID, meiliPoll)
	if err != nil {
		return e.fail(ctx, what, err)
	}
	if t.Status != meilisearch.TaskStatusSucceeded {
		return &meiliTaskError{What: what, UID: info.TaskUID, Status: t.Status, Code: t.Error.Code, Message: t.Error.Message}
	}
	return nil
}

// fail wraps an error of the client. The client's errors do not unwrap,
// so a cancelled or expired ctx is wrapped instead, for errors.Is.
func (e *Meili) fail(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("meilisearch %s: %w", what, ctx.Err())
	}
	return fmt.Errorf("meilisearch %s: %w", what, err)
}

func apiCode(err error) string {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		return me.MeilisearchApiError.Code
	}
	return ""
}

func status(err error) int {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		return me.StatusCode
	}
	return 0
}

// Upsert implements Engine. It returns once Meilisearch has applied the
// documents.
func (e *Meili) Upsert(ctx context.Context, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	body := make([]map[string]any, len(docs))
	for i, d := range docs {
		body[i] = meiliDocument(d)
	}
	return e.write(ctx, "add documents", func(index meilisearch.IndexManager) (*meilisearch.TaskInfo, error) {
		return index.AddDocumentsWithContext(ctx, body, nil)
	})
}

// Delete implements Engine. It returns once Meilisearch has removed the
// documents.
func (e *Meili) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	mids := make([]string, len(ids))
	for i, id := range ids {
		mids[i] = meiliID(id)
	}
	return e.write(ctx, "delete documents", func(index meilisearch.IndexManager) (*meilisearch.TaskInfo, error) {
		return index.DeleteDocumentsWithContext(ctx, mids, nil)
	})
}

// write enqueues a write on the index and on a rebuild's index, if one is
// being filled, and waits for both.
func (e *Meili) write(ctx context.Context, what string, enqueue func(meilisearch.IndexManager) (*meilisearch.TaskInfo, error)) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, err := enqueue(e.client.Index(e.index))
	if err != nil {
		return e.fail(ctx, what, err)
	}
	var bt *meilisearch.TaskInfo
	if e.building != "" {
		if bt, err = enqueue(e.client.Index(e.building)); err != nil {
			return e.fail(ctx, what+" (rebuild)", err)
		}
	}
	if err := e.wait(ctx, what, t, nil); err != nil {
		return err
	}
	if bt != nil {
		return e.wait(ctx, what+" (rebuild)", bt, nil)
	}
	return nil
}

// Search implements Engine.
func (e *Meili) Search(ctx context.Context, q Query) (*Result, error) {
	terms, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	req, skip := meiliSearchRequest(q, terms)
	res, err := e.client.Index(e.index).SearchWithContext(ctx, req.Query, req)
	if err != nil {
		return nil, e.fail(ctx, "search", err)
	}
	out := &Result{Total: int(res.TotalHits)}
	hits := res.Hits
	hits = hits[min(skip, len(hits)):]
	hits = hits[:min(q.Limit, len(hits))]
	for _, h := range hits {
		var mid string
		var score float64
		if err := json.Unmarshal(h[meiliPrimaryKey], &mid); err != nil {
			return nil, fmt.Errorf("meilisearch search: hit without an id: %w", err)
		}
		_ = json.Unmarshal(h["_rankingScore"], &score)
		id := docIDFromMeili(mid)
		t, rid, ok := parseDocID(id)
		if !ok {
			continue
		}
		out.Hits = append(out.Hits, Hit{ID: id, Type: t, RecordID: rid, Score: score})
	}
	if len(q.Facets) > 0 {
		var dist map[string]map[string]int
		if len(res.FacetDistribution) > 0 {
			if err := json.Unmarshal(res.FacetDistribution, &dist); err != nil {
				return nil, fmt.Errorf("meilisearch search: facet distribution: %w", err)
			}
		}
		for _, f := range q.Facets {
			out.Facets = append(out.Facets, FacetCount{Facet: f, Values: facetValues(dist[facetFields[f]])})
		}
	}
	return out, nil
}

// facetValues orders counts as the embedded engine does: most frequent
// first, then by value.
func facetValues(counts map[string]int) []FacetValue {
	out := make([]FacetValue, 0, len(counts))
	for v, n := range counts {
		out = append(out, FacetValue{Value: v, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	if len(out) > meiliMaxFacetValues {
		out = out[:meiliMaxFacetValues]
	}
	return out
}

// Versions implements Engine, paging through every document.
func (e *Meili) Versions(ctx context.Context) (map[string]string, error) {
	e.mu.RLock() // no swap of ours between two pages
	defer e.mu.RUnlock()
	out := map[string]string{}
	for offset := int64(0); ; offset += meiliDocumentsPage {
		var res meilisearch.DocumentsResult
		err := e.client.Index(e.index).GetDocumentsWithContext(ctx, &meilisearch.DocumentsQuery{
			Offset: offset, Limit: meiliDocumentsPage, Fields: []string{meiliPrimaryKey, fieldVersion},
		}, &res)
		if err != nil {
			return nil, e.fail(ctx, "read documents", err)
		}
		for _, d := range res.Results {
			var mid, v string
			if err := json.Unmarshal(d[meiliPrimaryKey], &mid); err != nil {
				return nil, fmt.Errorf("meilisearch read documents: document without an id: %w", err)
			}
			_ = json.Unmarshal(d[fieldVersion], &v)
			out[docIDFromMeili(mid)] = v
		}
		if len(res.Results) < meiliDocumentsPage {
			return out, nil
		}
	}
}

// Rebuild implements Engine: it fills "<index>_rebuild_<unix time>" and
// swaps it with the index. Writes made meanwhile through this Meili reach
// both; writes from other processes reach only the old index, so callers
// should check the rebuilt index against the database afterwards.
func (e *Meili) Rebuild(ctx context.Context, fill func(ctx context.Context, put func([]Document) error) error) error {
	e.mu.Lock()
	if e.rebuilding {
		e.mu.Unlock()
		return errors.New("a rebuild of the search index is already running")
	}
	e.rebuilding = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.rebuilding, e.building = false, ""
		e.mu.Unlock()
	}()

	name := e.index + "_rebuild_" + strconv.FormatInt(time.Now().Unix(), 10)
	cleanup := context.WithoutCancel(ctx)
	discard := func() {
		t, err := e.client.DeleteIndexWithContext(cleanup, name)
		_ = e.wait(cleanup, "delete index "+name, t, err)
	}
	if err := e.prepare(ctx, name, true); err != nil {
		if !alreadyExists(err) { // never delete an index another rebuild is filling
			discard()
		}
		return fmt.Errorf("rebuild search index: %w", err)
	}
	e.mu.Lock()
	e.building = name
	e.mu.Unlock()

	idx := e.client.Index(name)
	err := fill(ctx, func(docs []Document) error {
		if len(docs) == 0 {
			return nil
		}
		body := make([]map[string]any, len(docs))
		for i, d := range docs {
			body[i] = meiliDocument(d)
		}
		t, err := idx.AddDocumentsWithContext(ctx, body, nil)
		return e.wait(ctx, "add documents (rebuild)", t, err)
	})

	// No write runs between the last one that reached both indexes and the swap.
	e.mu.Lock()
	e.building = ""
	if err == nil {
		t, serr := e.client.SwapIndexesWithContext(ctx, []*meilisearch.SwapIndexesParams{{Indexes: []string{e.index, name}}})
		err = e.wait(ctx, "swap indexes "+e.index+" and "+name, t, serr)
	}
	e.mu.Unlock()
	// Whether or not the swap happened, name holds the documents not in
	// service: the old ones after it, the unfinished new ones before it.
	// Meilisearch runs tasks in order, so even a swap still enqueued when
	// ctx ended comes before this delete.
	discard()
	if err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	return nil
}

// Close implements Engine.
func (e *Meili) Close() error {
	e.client.Close()
	return nil
}
