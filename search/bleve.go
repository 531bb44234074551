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
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Bleve is the embedded engine: a Bleve index on local disk under dir.
// Each build of the index is a generation in its own directory; the file
// "current" names the live one, so a rebuild swaps atomically and a crash
// mid-rebuild leaves the old index in service.
type Bleve struct {
	dir string

	mu       sync.RWMutex // held for reading by searches and writes, for writing by the swap
	idx      bleve.Index
	gen      string
	building bleve.Index // a rebuild in progress also receives writes
}

var _ Engine = (*Bleve)(nil)

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
	// so that counting all facets visits one field per hit, not six.
	fieldFacets = "facets"
)

// facetFields maps each facet to its index field.
var facetFields = map[Facet]string{
	FacetRegion: fieldRegion, FacetDirection: fieldDirections, FacetStatus: fieldStatus,
	FacetYear: fieldYear, FacetOrgKind: fieldOrgKind, FacetType: fieldType,
}

// maxFacetValues is how many values of one facet an answer lists.
const maxFacetValues = 100

// OpenBleve opens the index under dir, creating an empty one if none exists.
func OpenBleve(dir string) (*Bleve, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search index directory %s (HUB_DATA_DIR): %w", dir, err)
	}
	e := &Bleve{dir: dir}
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	if err == nil {
		e.gen = strings.TrimSpace(string(cur))
		e.idx, err = bleve.Open(filepath.Join(dir, e.gen))
		if err != nil {
			return nil, fmt.Errorf("open search index %s (is another hub process using HUB_DATA_DIR?): %w", filepath.Join(dir, e.gen), err)
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
	if err := fn(e.idx); err != nil {
		return fmt.Errorf("search index write: %w", err)
	}
	if e.building != nil {
		if err := fn(e.building); err != nil {
			return fmt.Errorf("search index write (rebuild): %w", err)
		}
	}
	return nil
}

// Search implements Engine.
func (e *Bleve) Search(ctx context.Context, q Query) (*Result, error) {
	terms, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(bleveQuery(terms, q), q.Limit, q.Offset, false)
	if len(q.Facets) > 0 {
		req.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, 10_000))
	}
	if q.SortByDate {
		req.SortBy([]string{"-" + fieldDate, "_id"})
	} else {
		req.SortBy([]string{"-_score", "_id"})
	}
	e.mu.RLock()
	res, err := e.idx.SearchInContext(ctx, req)
	e.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &Result{Total: int(res.Total)}
	for _, h := range res.Hits {
		t, id, ok := parseDocID(h.ID)
		if !ok {
			continue
		}
		out.Hits = append(out.Hits, Hit{ID: h.ID, Type: t, RecordID: id, Score: h.Score})
	}
	counts := map[Facet][]FacetValue{}
	if r := res.Facets[fieldFacets]; r != nil && r.Terms != nil {
		for _, t := range r.Terms.Terms() { // by count, then value
			facet, value, _ := strings.Cut(t.Term, "=")
			counts[Facet(facet)] = append(counts[Facet(facet)], FacetValue{Value: value, Count: t.Count})
		}
	}
	for _, f := range q.Facets {
		values := counts[f]
		if values == nil {
			values = []FacetValue{}
		}
		out.Facets = append(out.Facets, FacetCount{Facet: f, Values: values[:min(len(values), maxFacetValues)]})
	}
	return out, nil
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
	keywords := func(field string, values []string) {
		if len(values) == 0 {
			return
		}
		var any []query.Query
		for _, v := range values {
			tq := bleve.NewTermQuery(v)
			tq.SetField(field)
			any = append(any, tq)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	f := q.Filter
	keywords(fieldType, strs(q.Types))
	keywords(fieldRegion, f.Regions)
	keywords(fieldDirections, f.Directions)
	keywords(fieldStatus, f.Statuses)
	keywords(fieldYear, intStrs(f.Years))
	keywords(fieldOrgKind, f.OrgKinds)
	keywords(fieldOrg, int64Strs(f.OrganizationIDs))
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
	e.idx, e.gen = idx, gen
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
