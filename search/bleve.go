package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Bleve is the embedded engine: a Bleve index on local disk under dir.
// Each build of the index is a generation in its own directory; the file
// "current" names the live one, so a rebuild swaps atomically and a crash
// mid-rebuild leaves the old index in service.
type Bleve struct {
	dir string

	mu       sync.RWMutex // held for reading by searches and writes, for writing by the swap
	idx      bleve.Index
	facets   *facetColumns     // idx's facet columns
	buffers  chan *rankBuffers // a few kept between searches: each is as long as the index
	gen      string
	building bleve.Index // a rebuild in progress also receives writes

	// Answers are kept per query and served while the index is unchanged:
	// changes counts the writes and swaps, bumped once each is visible to
	// new searches; an answer is kept under the count read before it ran.
	changes atomic.Uint64
	answers *lru.Cache[string, cachedAnswer]
}

// cachedAnswers bounds the kept answers: a page of hits and the facets,
// a few kilobytes each.
const cachedAnswers = 1024

type cachedAnswer struct {
	changes uint64
	result  *Result
}

var (
	_ Engine        = (*Bleve)(nil)
	_ ChangeCounter = (*Bleve)(nil)
)

// Changes implements ChangeCounter.
func (e *Bleve) Changes() uint64 { return e.changes.Load() }

// Field names in the index, shared with the Meilisearch engine.
const (
	fieldTitleStems = "title_stems" // titles and names only: matches there rank first
	fieldTitleWords = "title_words"
	fieldStems      = "stems" // every searchable text, titles included
	fieldWords      = "words"
	fieldType       = "type"
	fieldRegion     = "region"
	fieldDirections = "directions"
	fieldStatus     = "status"
	fieldYear       = "year"
	fieldOrgKind    = "org_kind"
	fieldOrg        = "organization"
	fieldDate       = "date"
	fieldVersion    = "version"
	// fieldFacets holds every facet value of a document as "facet=value",
	// so that one field's postings give all of a segment's facet values
	// (bleve_facets.go).
	fieldFacets = "facets"
)

// facetFields maps each facet to its index field.
var facetFields = map[Facet]string{
	FacetRegion: fieldRegion, FacetDirection: fieldDirections, FacetStatus: fieldStatus,
	FacetYear: fieldYear, FacetOrgKind: fieldOrgKind, FacetType: fieldType,
}

// maxFacetValues is how many values of one facet an answer lists.
const maxFacetValues = 100

// openTimeout is how long OpenBleve waits for another process to let go
// of the index.
const openTimeout = 2 * time.Second

// OpenBleve opens the index under dir, creating an empty one if none exists.
func OpenBleve(dir string) (*Bleve, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search index directory %s (HUB_DATA_DIR): %w", dir, err)
	}
	answers, err := lru.New[string, cachedAnswer](cachedAnswers)
	if err != nil {
		return nil, err
	}
	e := &Bleve{dir: dir, facets: newFacetColumns(), buffers: make(chan *rankBuffers, 4), answers: answers}
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	if err == nil {
		e.gen = strings.TrimSpace(string(cur))
		// Another process holding the index holds its lock: give up after
		// a moment and say so, rather than wait for it forever.
		e.idx, err = bleve.OpenUsing(filepath.Join(dir, e.gen), map[string]any{"bolt_timeout": openTimeout.String()})
		if err != nil {
			return nil, fmt.Errorf("open search index %s: another hub process (hub serve) may be using HUB_DATA_DIR %s; only one may: %w",
				filepath.Join(dir, e.gen), dir, err)
		}
		e.removeStale()
		return e, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	idx, gen, err := e.newGeneration()
	if err != nil {
		return nil, err
	}
	if err := e.setCurrent(gen); err != nil {
		return nil, err
	}
	e.idx, e.gen = idx, gen
	return e, nil
}

// Name implements Engine.
func (e *Bleve) Name() string { return "embedded" }

func (e *Bleve) newGeneration() (bleve.Index, string, error) {
	gen := "index-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	idx, err := bleve.New(filepath.Join(e.dir, gen), indexMapping())
	if err != nil {
		return nil, "", fmt.Errorf("create search index: %w", err)
	}
	return idx, gen, nil
}

// setCurrent points "current" at gen atomically.
func (e *Bleve) setCurrent(gen string) error {
	tmp := filepath.Join(e.dir, "current.tmp")
	if err := os.WriteFile(tmp, []byte(gen+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(e.dir, "current"))
}

// removeStale deletes generations other than the live one (left by a
// rebuild that crashed).
func (e *Bleve) removeStale() {
	entries, _ := os.ReadDir(e.dir)
	for _, en := range entries {
		if en.IsDir() && strings.HasPrefix(en.Name(), "index-") && en.Name() != e.gen {
			_ = os.RemoveAll(filepath.Join(e.dir, en.Name()))
		}
	}
}

func indexMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	_ = m.AddCustomAnalyzer("terms", map[string]any{"type": custom.Name, "tokenizer": whitespace.Name})
	doc := bleve.NewDocumentStaticMapping()
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer, f.Store, f.IncludeInAll, f.IncludeTermVectors, f.DocValues = "terms", false, false, false, false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer, f.Store, f.IncludeInAll, f.IncludeTermVectors = keyword.Name, store, false, false
		return f
	}
	for _, name := range []string{fieldTitleStems, fieldTitleWords, fieldStems, fieldWords} {
		doc.AddFieldMappingsAt(name, text())
	}
	for _, name := range []string{fieldType, fieldRegion, fieldDirections, fieldStatus, fieldYear, fieldOrgKind, fieldOrg, fieldFacets} {
		doc.AddFieldMappingsAt(name, kw(false))
	}
	doc.AddFieldMappingsAt(fieldVersion, kw(true))
	date := bleve.NewDateTimeFieldMapping()
	date.Store, date.IncludeInAll = false, false
	doc.AddFieldMappingsAt(fieldDate, date)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = keyword.Name
	return m
}

// fields returns the indexed form of a document, shared by both engines.
func fields(d Document) map[string]any {
	ts, tw := termsOf(d.Titles)
	bs, bw := termsOf(d.Body)
	f := map[string]any{
		fieldTitleStems: ts, fieldTitleWords: tw, fieldStems: join(ts, bs), fieldWords: join(tw, bw),
		fieldType: string(d.Type), fieldDirections: d.Directions, fieldVersion: d.Version,
		fieldDate: d.Date.UTC(),
	}
	setIf := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	setIf(fieldRegion, d.Region)
	setIf(fieldStatus, d.Status)
	setIf(fieldOrgKind, d.OrgKind)
	if d.Year != 0 {
		f[fieldYear] = strconv.Itoa(d.Year)
	}
	if d.OrganizationID != 0 {
		f[fieldOrg] = itoa(d.OrganizationID)
	}
	return f
}

func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

func termsOf(texts []string) (stems, words string) {
	var st, wo []string
	for _, t := range texts {
		w, s := Terms(t)
		if s != "" {
			st, wo = append(st, s), append(wo, w)
		}
	}
	return strings.Join(st, " "), strings.Join(wo, " ")
}

// bleveFields is the document as Bleve indexes it: the shared fields plus
// the combined facet field.
func bleveFields(d Document) map[string]any {
	f := fields(d)
	var fv []string
	for facet, field := range facetFields {
		switch v := f[field].(type) {
		case string:
			fv = append(fv, string(facet)+"="+v)
		case []string:
			for _, x := range v {
				fv = append(fv, string(facet)+"="+x)
			}
		}
	}
	f[fieldFacets] = fv
	return f
}

// Upsert implements Engine.
func (e *Bleve) Upsert(ctx context.Context, docs []Document) error {
	return e.write(func(idx bleve.Index) error {
		b := idx.NewBatch()
		for _, d := range docs {
			if err := b.Index(d.ID, bleveFields(d)); err != nil {
				return err
			}
		}
		return idx.Batch(b)
	})
}

// Delete implements Engine.
func (e *Bleve) Delete(ctx context.Context, ids []string) error {
	return e.write(func(idx bleve.Index) error {
		b := idx.NewBatch()
		for _, id := range ids {
			b.Delete(id)
		}
		return idx.Batch(b)
	})
}

func (e *Bleve) write(fn func(bleve.Index) error) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	defer e.changes.Add(1) // after the write, failed or not (part of it may be in)
	if err := fn(e.idx); err != nil {
		return fmt.Errorf("search index write: %w", err)
	}
	// Read the new segment's facet values now rather than in the next
	// search. A failure here will recur, and be reported, in that search.
	_ = warmFacets(e.idx, e.facets)
	if e.building != nil {
		if err := fn(e.building); err != nil {
			return fmt.Errorf("search index write (rebuild): %w", err)
		}
	}
	return nil
}

// Search implements Engine. A query asked again of an unchanged index is
// answered from the answers kept; the result is shared, not to be changed.
func (e *Bleve) Search(ctx context.Context, q Query) (*Result, error) {
	key := fmt.Sprintf("%#v", q)
	changes := e.changes.Load()
	if a, ok := e.answers.Get(key); ok && a.changes == changes {
		return a.result, nil
	}
	res, err := e.search(ctx, q)
	if err == nil {
		e.answers.Add(key, cachedAnswer{changes: changes, result: res})
	}
	return res, err
}

func (e *Bleve) search(ctx context.Context, q Query) (*Result, error) {
	terms, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock() // the swap closes the old index once no search uses it
	r, err := snapshot(e.idx)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.Close()
	run, err := newBleveRun(r)
	if err != nil {
		return nil, err
	}
	// Pass 1 (bleve_match.go): the exact hits, their total and facets.
	plan, err := run.plan(terms, q)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits, err := run.hits(plan)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &Result{}
	for _, bm := range hits {
		out.Total += int(bm.GetCardinality())
	}
	if len(q.Facets) > 0 {
		if out.Facets, err = e.facets.count(run, hits, q.Facets); err != nil {
			return nil, fmt.Errorf("search: facets: %w", err)
		}
	}
	if q.Limit == 0 || q.Offset >= out.Total {
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	// Pass 2 (bleve_rank.go): rank the hits.
	global := run.globalHits(hits, out.Total)
	if len(terms) > 0 && !q.SortByDate {
		var b *rankBuffers
		select {
		case b = <-e.buffers:
		default:
			b = &rankBuffers{}
		}
		ranked, err := run.rank(b, plan, hits, global, q.Offset, q.Limit)
		if err != nil { // b may hold partial sums: let it go
			return nil, fmt.Errorf("search: %w", err)
		}
		select {
		case e.buffers <- b:
		default:
		}
		for _, h := range ranked {
			out.Hits = appendHit(out.Hits, h.id, h.score)
		}
		return out, nil
	}
	// Without words every hit scores alike, and date order needs dates:
	// Bleve's searchers and collector do both, reading only the hits.
	fr := &filteredReader{IndexSnapshot: run.snap, run: run, hits: global}
	s, err := bleveQuery(terms, q).Searcher(ctx, fr, e.idx.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer s.Close()
	order := []string{"-_score", "_id"}
	if q.SortByDate {
		order = []string{"-" + fieldDate, "_id"}
	}
	coll := collector.NewTopNCollector(q.Limit, q.Offset, bsearch.ParseSortOrderStrings(order))
	if err := coll.Collect(ctx, s, fr); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for _, h := range coll.Results() {
		out.Hits = appendHit(out.Hits, h.ID, h.Score)
	}
	return out, nil
}

func appendHit(hits []Hit, id string, score float64) []Hit {
	t, rid, ok := parseDocID(id)
	if !ok {
		return hits
	}
	return append(hits, Hit{ID: id, Type: t, RecordID: rid, Score: score})
}

// snapshot returns a reader of idx's current state; the caller closes it.
func snapshot(idx bleve.Index) (index.IndexReader, error) {
	ai, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	return ai.Reader()
}

// warmFacets reads the facet columns of idx's segments not yet read.
func warmFacets(idx bleve.Index, facets *facetColumns) error {
	r, err := snapshot(idx)
	if err != nil {
		return err
	}
	defer r.Close()
	run, err := newBleveRun(r)
	if err != nil {
		return err
	}
	_, _, err = facets.columns(run)
	return err
}

// bleveQuery is every term matched (by stem, skeleton, within its typos,
// or as a prefix for the last), exact matches and titles weighing more,
// inside the filter.
func bleveQuery(terms []QueryTerm, q Query) query.Query {
	var must []query.Query
	if len(terms) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
	}
	for _, t := range terms {
		var any []query.Query
		add := func(q interface {
			query.Query
			SetField(string)
			SetBoost(float64)
		}, field string, boost float64) {
			q.SetField(field)
			q.SetBoost(boost)
			any = append(any, q)
		}
		// The stem anywhere, weighing more in a title. (An exact skeleton
		// always has the same stem, so it needs no clause of its own.)
		add(bleve.NewTermQuery(t.Stem), fieldStems, 4)
		add(bleve.NewTermQuery(t.Stem), fieldTitleStems, 8)
		// Typos and the unfinished last word, once over all the text: the
		// expensive clauses are not repeated per field.
		if t.Typos > 0 {
			fq := bleve.NewFuzzyQuery(t.Skeleton)
			fq.SetFuzziness(t.Typos)
			add(fq, fieldWords, 1)
		}
		if t.StemTypos > 0 && t.Stem != t.Skeleton {
			fq := bleve.NewFuzzyQuery(t.Stem)
			fq.SetFuzziness(t.StemTypos)
			add(fq, fieldStems, 1)
		}
		if t.Last {
			add(bleve.NewPrefixQuery(t.Skeleton), fieldWords, 2)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	for _, k := range keywordFilters(q) {
		var any []query.Query
		for _, v := range k.values {
			tq := bleve.NewTermQuery(v)
			tq.SetField(k.field)
			any = append(any, tq)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	return bleve.NewConjunctionQuery(must...)
}

// Versions implements Engine, paging through every document.
func (e *Bleve) Versions(ctx context.Context) (map[string]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := map[string]string{}
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 10_000, 0, false)
		req.Fields = []string{fieldVersion}
		req.SortBy([]string{"_id"})
		req.SearchAfter = after
		res, err := e.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			v, _ := h.Fields[fieldVersion].(string)
			out[h.ID] = v
		}
		if len(res.Hits) < 10_000 {
			return out, nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Rebuild implements Engine.
func (e *Bleve) Rebuild(ctx context.Context, fill func(ctx context.Context, put func([]Document) error) error) error {
	idx, gen, err := e.newGeneration()
	if err != nil {
		return err
	}
	discard := func() { idx.Close(); _ = os.RemoveAll(filepath.Join(e.dir, gen)) }
	e.mu.Lock()
	if e.building != nil {
		e.mu.Unlock()
		discard()
		return errors.New("a rebuild of the search index is already running")
	}
	e.building = idx
	e.mu.Unlock()
	err = fill(ctx, func(docs []Document) error {
		b := idx.NewBatch()
		for _, d := range docs {
			if err := b.Index(d.ID, bleveFields(d)); err != nil {
				return err
			}
		}
		return idx.Batch(b)
	})
	// Read the new index's facet values before it serves (writes still
	// arriving get theirs read by the next write or search).
	facets := newFacetColumns()
	if err == nil {
		_ = warmFacets(idx, facets)
	}
	e.mu.Lock()
	e.building = nil
	if err != nil {
		e.mu.Unlock()
		discard()
		return fmt.Errorf("rebuild search index: %w", err)
	}
	if err := e.setCurrent(gen); err != nil {
		e.mu.Unlock()
		discard()
		return err
	}
	old, oldGen := e.idx, e.gen
	e.idx, e.gen, e.facets = idx, gen, facets
	e.changes.Add(1)
	e.mu.Unlock()
	old.Close()
	_ = os.RemoveAll(filepath.Join(e.dir, oldGen))
	return nil
}

// Close implements Engine.
func (e *Bleve) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.idx.Close()
}

func parseDocID(id string) (DocType, int64, bool) {
	t, n, ok := strings.Cut(id, ":")
	rid, err := strconv.ParseInt(n, 10, 64)
	return DocType(t), rid, ok && err == nil
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func intStrs(vs []int) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Itoa(v)
	}
	return out
}

func int64Strs(vs []int64) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = itoa(v)
	}
	return out
}
