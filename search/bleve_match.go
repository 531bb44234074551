package search

import (
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A search on the embedded engine runs in two passes over one snapshot of
// the index, both driven by a plan of the query: clauses that must all
// match, each a choice of terms (a query word's stem in the text and in
// the titles, the words within its typos, the words it starts, or the
// values a filter allows).
//
//  1. Matching: each term's postings are looked up once per segment and
//     united and intersected as bitmaps. This gives the exact set of hits,
//     so the total and the facet counts, without scoring anything.
//  2. Ranking: only the hits are scored, term by term, with the formula
//     Bleve's searchers would apply to the same query (bleveQuery): TF-IDF
//     per term, a query norm over all terms, and the coordination factor of
//     each disjunction (bleve_rank.go). Bleve's own searchers walk every posting
//     of every expanded term document by document and score whatever one
//     word matches before the other words reject it; with common stems and
//     prefixes that was most of a query's time (pprof), even when few
//     documents matched every word. Date order, and queries without words,
//     still rank through Bleve's searchers, restricted to the hits.

// bleveRun is one search on one snapshot.
type bleveRun struct {
	snap     *scorch.IndexSnapshot
	segs     []*scorch.SegmentSnapshot
	offsets  []uint64 // global number of each segment's first document
	size     uint64   // documents in all segments, deleted ones included
	dicts    map[string][]segment.TermDictionary
	expand   map[expansionKey]*expansion
	postings map[fieldTerm]*termPostings
}

type expansionKey struct {
	field, term string
	fuzziness   int  // for fuzzy expansions
	prefix      bool // a prefix expansion
}

// expansion is the terms of a field dictionary a fuzzy or prefix term
// stands for.
type expansion struct {
	entries   []index.DictEntry
	automaton index.FuzzyAutomaton // fuzzy expansions only
}

// fieldTerm is one term of one field.
type fieldTerm struct{ field, term string }

// termPostings is where one term occurs, by segment.
type termPostings struct {
	lists []segment.PostingsList // nil where the segment lacks the term
	count uint64                 // live documents with the term
}

// leaf is one term as Bleve's term searcher scores it.
type leaf struct {
	*termPostings
	boost float64
}

// choice is one alternative of a clause: a term, or the terms a fuzzy or
// prefix term expands to (group), which Bleve scores as a disjunction of
// its own.
type choice struct {
	leaves []leaf
	group  bool
}

// clause is satisfied by any of its choices.
type clause []choice

func newBleveRun(r index.IndexReader) (*bleveRun, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search index reader is %T, not a scorch snapshot", r)
	}
	run := &bleveRun{snap: snap, segs: snap.Segments(), dicts: map[string][]segment.TermDictionary{},
		expand: map[expansionKey]*expansion{}, postings: map[fieldTerm]*termPostings{}}
	run.offsets = make([]uint64, len(run.segs))
	for i, s := range run.segs {
		run.offsets[i] = run.size
		run.size += uint64(s.FullSize())
	}
	return run, nil
}

// fuzzy returns the terms of field within fuzziness edits of term.
func (r *bleveRun) fuzzy(field, term string, fuzziness int) (*expansion, error) {
	key := expansionKey{field: field, term: term, fuzziness: fuzziness}
	if x := r.expand[key]; x != nil {
		return x, nil
	}
	entries, err := r.fuzzyTerms(field, term, fuzziness)
	if err != nil {
		return nil, err
	}
	x := &expansion{entries: entries, automaton: newLevAutomaton(term, fuzziness)}
	r.expand[key] = x
	return x, nil
}

// prefixed returns the terms of field that start with prefix.
func (r *bleveRun) prefixed(field, prefix string) (*expansion, error) {
	key := expansionKey{field: field, term: prefix, prefix: true}
	if x := r.expand[key]; x != nil {
		return x, nil
	}
	entries, err := r.prefixTerms(field, prefix)
	if err != nil {
		return nil, err
	}
	x := &expansion{entries: entries}
	r.expand[key] = x
	return x, nil
}

// term looks a term up in every segment, once per search.
func (r *bleveRun) term(field, term string) (*termPostings, error) {
	key := fieldTerm{field, term}
	if tp := r.postings[key]; tp != nil {
		return tp, nil
	}
	tp := &termPostings{lists: make([]segment.PostingsList, len(r.segs))}
	for i, s := range r.segs {
		d, err := r.dict(i, field)
		if err != nil {
			return nil, err
		}
		pl, err := d.PostingsList([]byte(term), s.Deleted(), nil)
		if err != nil {
			return nil, err
		}
		if n := pl.Count(); n > 0 {
			tp.lists[i], tp.count = pl, tp.count+n
		}
	}
	r.postings[key] = tp
	return tp, nil
}

func (r *bleveRun) leaf(field, term string, boost float64) (leaf, error) {
	tp, err := r.term(field, term)
	return leaf{tp, boost}, err
}

// expanded is the choice a fuzzy or prefix query of Bleve's makes of its
// expansion: the term alone when it expands to nothing else, otherwise
// each term, boosted down by its edit distance when fuzzy.
func (r *bleveRun) expanded(field, term string, x *expansion, boost float64, fuzzy bool) (choice, error) {
	if len(x.entries) == 0 || len(x.entries) == 1 && x.entries[0].Term == term {
		l, err := r.leaf(field, term, boost)
		return choice{leaves: []leaf{l}}, err
	}
	c := choice{group: true, leaves: make([]leaf, len(x.entries))}
	for i, e := range x.entries {
		b := boost
		if fuzzy {
			b = boost * (1 / float64(e.EditDistance+1))
		}
		var err error
		if c.leaves[i], err = r.leaf(field, e.Term, b); err != nil {
			return c, err
		}
	}
	return c, nil
}

// plan returns the clauses of the query, as bleveQuery builds it.
func (r *bleveRun) plan(terms []QueryTerm, q Query) ([]clause, error) {
	var and []clause
	single := func(field, term string, boost float64) (choice, error) {
		l, err := r.leaf(field, term, boost)
		return choice{leaves: []leaf{l}}, err
	}
	for _, t := range terms {
		var cl clause
		add := func(c choice, err error) error {
			cl = append(cl, c)
			return err
		}
		if err := add(single(fieldStems, t.Stem, 4)); err != nil {
			return nil, err
		}
		if err := add(single(fieldTitleStems, t.Stem, 8)); err != nil {
			return nil, err
		}
		if t.Typos > 0 {
			x, err := r.fuzzy(fieldWords, t.Skeleton, t.Typos)
			if err != nil {
				return nil, err
			}
			if err := add(r.expanded(fieldWords, t.Skeleton, x, 1, true)); err != nil {
				return nil, err
			}
		}
		if t.StemTypos > 0 && t.Stem != t.Skeleton {
			x, err := r.fuzzy(fieldStems, t.Stem, t.StemTypos)
			if err != nil {
				return nil, err
			}
			if err := add(r.expanded(fieldStems, t.Stem, x, 1, true)); err != nil {
				return nil, err
			}
		}
		if t.Last {
			x, err := r.prefixed(fieldWords, t.Skeleton)
			if err != nil {
				return nil, err
			}
			if err := add(r.expanded(fieldWords, t.Skeleton, x, 2, false)); err != nil {
				return nil, err
			}
		}
		and = append(and, cl)
	}
	for _, k := range keywordFilters(q) {
		cl := make(clause, len(k.values))
		for i, v := range k.values {
			var err error
			if cl[i], err = single(k.field, v, 1); err != nil {
				return nil, err
			}
		}
		and = append(and, cl)
	}
	return and, nil
}

func (r *bleveRun) dict(seg int, field string) (segment.TermDictionary, error) {
	ds := r.dicts[field]
	if ds == nil {
		ds = make([]segment.TermDictionary, len(r.segs))
		r.dicts[field] = ds
	}
	if ds[seg] == nil {
		d, err := r.segs[seg].Segment().Dictionary(field)
		if err != nil {
			return nil, err
		}
		ds[seg] = d
	}
	return ds[seg], nil
}

// orInto is how zap segments add a postings list to a bitmap.
type orInto interface{ OrInto(*roaring.Bitmap) }

// addPostings adds a postings list's documents to bm, deleted ones too.
func addPostings(bm *roaring.Bitmap, pl segment.PostingsList) error {
	if o, ok := pl.(orInto); ok {
		o.OrInto(bm)
		return nil
	}
	it := pl.Iterator(false, false, false, nil)
	for {
		p, err := it.Next()
		if p == nil || err != nil {
			return err
		}
		bm.Add(uint32(p.Number()))
	}
}

// hits returns, for each segment, its live documents that match every
// clause (all of them when there are none).
func (r *bleveRun) hits(and []clause) ([]*roaring.Bitmap, error) {
	out := make([]*roaring.Bitmap, len(r.segs))
	for i, s := range r.segs {
		var acc *roaring.Bitmap
		for _, cl := range and {
			u := roaring.New()
			for _, c := range cl {
				for _, l := range c.leaves {
					pl := l.lists[i]
					if pl == nil {
						continue
					}
					if err := addPostings(u, pl); err != nil {
						return nil, err
					}
				}
			}
			if acc == nil {
				acc = u
			} else {
				acc.And(u)
			}
			if acc.IsEmpty() {
				break
			}
		}
		if acc == nil {
			acc = roaring.New()
			acc.AddRange(0, uint64(s.FullSize()))
		}
		if del := s.Deleted(); del != nil {
			acc.AndNot(del)
		}
		out[i] = acc
	}
	return out, nil
}

// globalHits lists the hits by their global document numbers, in order.
func (r *bleveRun) globalHits(hits []*roaring.Bitmap, total int) []uint64 {
	out := make([]uint64, 0, total)
	for i, bm := range hits {
		it := bm.Iterator()
		for it.HasNext() {
			out = append(out, r.offsets[i]+uint64(it.Next()))
		}
	}
	return out
}
