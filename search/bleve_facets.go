package search

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// The embedded engine counts facets from columns, not with Bleve's facet
// builders. A builder reads every hit's doc values, which Bleve stores
// compressed in chunks, so a query matching a large part of the index
// decompressed most of them on each search: a third of the time of a
// two-word query with facets on 100,000 documents (pprof). Index segments
// never change once written, so each segment's facet values are read once,
// from the postings of the facets field, into a column (document → value
// ids) when the segment first serves a write or a search; counting a hit
// is then a few array increments.
// Counts stay exact: a segment's column holds what that segment indexed,
// and deleted documents are never hits.

// facetColumns caches the columns of one index's segments and numbers
// the facet values they hold.
type facetColumns struct {
	mu     sync.Mutex
	ids    map[string]uint32 // "facet=value" → value id
	values []facetValueName  // by value id
	segs   map[any]*segmentColumn
}

type facetValueName struct {
	facet Facet
	value string
}

// segmentColumn holds the facet value ids of each document of one
// segment: document n's are vals[starts[n]:starts[n+1]].
type segmentColumn struct {
	starts []uint32
	vals   []uint32
}

func newFacetColumns() *facetColumns {
	return &facetColumns{ids: map[string]uint32{}, segs: map[any]*segmentColumn{}}
}

// columns returns the columns of run's segments, building those not yet
// cached, and the names of the value ids they use.
func (fc *facetColumns) columns(run *bleveRun) ([]*segmentColumn, []facetValueName, error) {
	cols := make([]*segmentColumn, len(run.segs))
	var missing []int
	fc.mu.Lock()
	for i, s := range run.segs {
		if c := fc.segs[s.Segment()]; c != nil {
			cols[i] = c
		} else {
			missing = append(missing, i)
		}
	}
	fc.mu.Unlock()
	if len(missing) > 0 {
		for _, i := range missing {
			c, local, err := readColumn(run.segs[i].Segment(), uint64(run.segs[i].FullSize()))
			if err != nil {
				return nil, nil, fmt.Errorf("read facet values: %w", err)
			}
			cols[i] = fc.add(run.segs[i].Segment(), c, local)
		}
		// Forget segments merged away. A search still holding an older
		// snapshot rebuilds what it needs.
		live := make(map[any]bool, len(run.segs))
		for _, s := range run.segs {
			live[s.Segment()] = true
		}
		fc.mu.Lock()
		for k := range fc.segs {
			if !live[k] {
				delete(fc.segs, k)
			}
		}
		fc.mu.Unlock()
	}
	fc.mu.Lock()
	values := fc.values
	fc.mu.Unlock()
	return cols, values, nil
}

// readColumn reads the facet values of a segment's n documents from the
// postings of the facet field's terms (a few dozen), numbering the values
// locally: local lists them by local id.
func readColumn(seg segment.Segment, n uint64) (*segmentColumn, []string, error) {
	d, err := seg.Dictionary(fieldFacets)
	if err != nil {
		return nil, nil, err
	}
	var local []string
	var docs [][]uint32
	it := d.AutomatonIterator(nil, nil, nil)
	for {
		e, err := it.Next()
		if err != nil {
			return nil, nil, err
		}
		if e == nil {
			break
		}
		pl, err := d.PostingsList([]byte(e.Term), nil, nil)
		if err != nil {
			return nil, nil, err
		}
		bm := roaring.New()
		if err := addPostings(bm, pl); err != nil {
			return nil, nil, err
		}
		local = append(local, e.Term)
		docs = append(docs, bm.ToArray())
	}
	c := &segmentColumn{starts: make([]uint32, n+1)}
	for _, ds := range docs {
		for _, doc := range ds {
			c.starts[doc+1]++
		}
	}
	for i := range n {
		c.starts[i+1] += c.starts[i]
	}
	c.vals = make([]uint32, c.starts[n])
	next := slices.Clone(c.starts[:n])
	for v, ds := range docs {
		for _, doc := range ds {
			c.vals[next[doc]] = uint32(v)
			next[doc]++
		}
	}
	return c, local, nil
}

// add renumbers a column read with local value ids to the shared ones and
// caches it for seg.
func (fc *facetColumns) add(seg any, c *segmentColumn, local []string) *segmentColumn {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if have := fc.segs[seg]; have != nil {
		return have
	}
	shared := make([]uint32, len(local))
	for i, term := range local {
		id, ok := fc.ids[term]
		if !ok {
			id = uint32(len(fc.values))
			fc.ids[term] = id
			facet, value, _ := strings.Cut(term, "=")
			fc.values = append(fc.values, facetValueName{Facet(facet), value})
		}
		shared[i] = id
	}
	for i, v := range c.vals {
		c.vals[i] = shared[v]
	}
	fc.segs[seg] = c
	return c
}

// count returns the facet counts of the hits (by segment, as bleveRun.hits
// gives them) for the facets asked for.
func (fc *facetColumns) count(run *bleveRun, hits []*roaring.Bitmap, facets []Facet) ([]FacetCount, error) {
	cols, values, err := fc.columns(run)
	if err != nil {
		return nil, err
	}
	counts := make([]int, len(values))
	buf := make([]uint32, 256)
	for i, bm := range hits {
		col := cols[i]
		it := bm.ManyIterator()
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, d := range buf[:n] {
				for _, v := range col.vals[col.starts[d]:col.starts[d+1]] {
					counts[v]++
				}
			}
		}
	}
	return facetResult(counts, values, facets), nil
}

// facetResult lists the counted values of each facet asked for, by count and
// then value, at most maxFacetValues of each.
func facetResult(counts []int, names []facetValueName, facets []Facet) []FacetCount {
	by := map[Facet][]FacetValue{}
	for id, n := range counts {
		if n > 0 {
			v := names[id]
			by[v.facet] = append(by[v.facet], FacetValue{Value: v.value, Count: n})
		}
	}
	out := make([]FacetCount, 0, len(facets))
	for _, f := range facets {
		values := by[f]
		slices.SortFunc(values, func(a, b FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return cmp.Compare(a.Value, b.Value)
		})
		if values == nil {
			values = []FacetValue{}
		}
		out = append(out, FacetCount{Facet: f, Values: values[:min(len(values), maxFacetValues)]})
	}
	return out
}
