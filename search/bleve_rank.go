package search

import (
	"cmp"
	"container/heap"
	"context"
	"math"
	"slices"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Ranking scores the hits the way Bleve's searchers score the query
// bleveQuery builds (TF-IDF, the default of bleve/v2 search/scorer):
//
//	term      = √freq · norm · idf · (boost · idf · queryNorm)
//	idf       = 1 + ln(documents / (documents with the term + 1))
//	queryNorm = 1 / √(Σ over every term of the query (boost · idf)²)
//	choice    = term, or for an expansion Σ terms matched · matched/terms
//	clause    = Σ choices matched · matched/choices
//	score     = Σ clauses
//
// Fuzzy expansions boost each term by 1/(edit distance + 1). Scores are
// accumulated term by term into arrays indexed by document number, so the
// cost is one pass over each term's postings within the hits. A test
// (bleve_internal_test.go) checks scores and order against Bleve's own
// search.

// rankBuffers are the accumulators of one ranking, indexed by global
// document number. The engine keeps a few between searches (they are as
// long as the index: megabytes); only hits' entries are used, and they
// are zeroed after use.
type rankBuffers struct {
	score, clauseSum []float64
	clauseN          []uint32
	groupSum         [][]float64 // one per expansion of a clause
	groupN           [][]uint32
	isHit            []uint64 // bit set
}

func (b *rankBuffers) grow(n uint64, groups int) {
	if uint64(len(b.score)) < n {
		*b = rankBuffers{score: make([]float64, n), clauseSum: make([]float64, n), clauseN: make([]uint32, n),
			isHit: make([]uint64, (n+63)/64)}
	}
	for len(b.groupSum) < groups {
		b.groupSum, b.groupN = append(b.groupSum, make([]float64, len(b.score))), append(b.groupN, make([]uint32, len(b.score)))
	}
}

// rankedHit is a hit with its score, and its id once needed.
type rankedHit struct {
	doc   uint64
	score float64
	id    string
}

// credit is where a term's score goes: to the clause directly (group <
// 0) or to one of its expansions.
type credit struct {
	group  int
	weight float64 // boost · idf · queryNorm
}

// rank returns hits [offset, offset+limit) of the order Bleve's sort
// "-_score, _id" gives: score descending, then document id.
func (r *bleveRun) rank(b *rankBuffers, and []clause, hits []*roaring.Bitmap, global []uint64, offset, limit int) ([]rankedHit, error) {
	docs, err := r.snap.DocCount()
	if err != nil {
		return nil, err
	}
	// The query norm and each term's weight, as Bleve's TermQueryScorer.
	var sumSq float64
	idf := func(tp *termPostings) float64 { return 1.0 + math.Log(float64(docs)/float64(tp.count+1.0)) }
	groups := 0
	for _, cl := range and {
		g := 0
		for _, c := range cl {
			for _, l := range c.leaves {
				w := l.boost * idf(l.termPostings)
				sumSq += w * w
			}
			if c.group {
				g++
			}
		}
		groups = max(groups, g)
	}
	queryNorm := 1.0 / math.Sqrt(sumSq)

	b.grow(r.size, groups)
	for _, d := range global {
		b.isHit[d/64] |= 1 << (d % 64)
	}
	defer func() {
		for _, d := range global {
			b.isHit[d/64] = 0
		}
	}()

	var it segment.PostingsIterator
	// add reads a term's postings within the hits once and credits each
	// posting's score to every choice the term belongs to.
	add := func(tp *termPostings, credits []credit) error {
		f := idf(tp)
		for i, pl := range tp.lists {
			if pl == nil || hits[i].IsEmpty() {
				continue
			}
			it = pl.Iterator(true, true, false, it)
			filtered := false
			if o, ok := it.(segment.OptimizablePostingsIterator); ok && o.ActualBitmap() != nil {
				// Few hits among the postings: let the iterator skip the
				// rest. Otherwise reading all of them costs less.
				a := o.ActualBitmap()
				n := a.AndCardinality(hits[i])
				if n == 0 {
					continue
				}
				if n*4 < a.GetCardinality() {
					o.ReplaceActual(roaring.And(a, hits[i]))
					filtered = true
				}
			}
			base := r.offsets[i]
			for {
				p, err := it.Next()
				if err != nil {
					return err
				}
				if p == nil {
					break
				}
				d := base + p.Number()
				if !filtered && b.isHit[d/64]&(1<<(d%64)) == 0 {
					continue
				}
				var tf float64
				if freq := p.Frequency(); freq < uint64(len(sqrtCache)) {
					tf = sqrtCache[freq]
				} else {
					tf = math.Sqrt(float64(freq))
				}
				var norm float64
				if np, ok := p.(normBits); ok {
					if n := np.NormUint64(); n < uint64(len(normCache)) {
						norm = normCache[n]
					} else {
						norm = p.Norm()
					}
				} else {
					norm = p.Norm()
				}
				s0 := tf * norm * f
				for _, c := range credits {
					score := s0
					if c.weight != 1.0 {
						score = score * c.weight
					}
					if c.group < 0 {
						b.clauseSum[d] += score
						b.clauseN[d]++
					} else {
						b.groupSum[c.group][d] += score
						b.groupN[c.group][d]++
					}
				}
			}
		}
		return nil
	}
	for _, cl := range and {
		var order []*termPostings
		credits := map[*termPostings][]credit{}
		var sizes []int // of each group
		for _, c := range cl {
			g := -1
			if c.group {
				g = len(sizes)
				sizes = append(sizes, len(c.leaves))
			}
			for _, l := range c.leaves {
				if credits[l.termPostings] == nil {
					order = append(order, l.termPostings)
				}
				credits[l.termPostings] = append(credits[l.termPostings], credit{g, l.boost * idf(l.termPostings) * queryNorm})
			}
		}
		for _, tp := range order {
			if err := add(tp, credits[tp]); err != nil {
				return nil, err
			}
		}
		for g, size := range sizes {
			sum, n := b.groupSum[g], b.groupN[g]
			for _, d := range global {
				if n[d] > 0 {
					b.clauseSum[d] += sum[d] * (float64(n[d]) / float64(size))
					b.clauseN[d]++
					sum[d], n[d] = 0, 0
				}
			}
		}
		for _, d := range global {
			b.score[d] += b.clauseSum[d] * (float64(b.clauseN[d]) / float64(len(cl)))
			b.clauseSum[d], b.clauseN[d] = 0, 0
		}
	}

	// The best offset+limit by score; then every hit scoring as the last
	// of them, whose order the ids decide.
	k := min(offset+limit, len(global))
	top := make(minScores, 0, k)
	for _, d := range global {
		s := b.score[d]
		if len(top) < k {
			heap.Push(&top, s)
		} else if s > top[0] {
			top[0] = s
			heap.Fix(&top, 0)
		}
	}
	threshold := top[0]
	var ranked []rankedHit
	for _, d := range global {
		if s := b.score[d]; s >= threshold {
			ranked = append(ranked, rankedHit{doc: d, score: s})
		}
		b.score[d] = 0
	}
	var buf index.IndexInternalID
	for i := range ranked {
		buf = index.NewIndexInternalID(buf, ranked[i].doc)
		if ranked[i].id, err = r.snap.ExternalID(buf); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(ranked, func(x, y rankedHit) int {
		if x.score != y.score {
			return cmp.Compare(y.score, x.score)
		}
		return cmp.Compare(x.id, y.id)
	})
	return ranked[min(offset, len(ranked)):k], nil
}

// sqrtCache is Bleve's table of √freq for small frequencies.
var sqrtCache = func() []float64 {
	c := make([]float64, 64)
	for i := range c {
		c[i] = math.Sqrt(float64(i))
	}
	return c
}()

// normBits is how zap postings give the length of the field the norm is
// computed from (zap's Norm is 1/√length, rounded to float32).
type normBits interface{ NormUint64() uint64 }

// normCache is zap's norm by field length, for the usual lengths.
var normCache = func() []float64 {
	c := make([]float64, 1024)
	for n := range c {
		c[n] = float64(float32(1.0 / math.Sqrt(float64(n))))
	}
	return c
}()

// minScores is a min-heap of scores.
type minScores []float64

func (h minScores) Len() int           { return len(h) }
func (h minScores) Less(i, j int) bool { return h[i] < h[j] }
func (h minScores) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minScores) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *minScores) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// filteredReader is the snapshot as Bleve's searchers see it when they
// rank (date order, queries without words): every term posting outside
// the hits is skipped, and the expansions of the matching pass are reused.
type filteredReader struct {
	*scorch.IndexSnapshot
	run  *bleveRun
	hits []uint64
}

// TermFieldReader implements index.IndexReader.
func (f *filteredReader) TermFieldReader(ctx context.Context, term []byte, field string, includeFreq, includeNorm, includeTermVectors bool) (index.TermFieldReader, error) {
	tfr, err := f.IndexSnapshot.TermFieldReader(ctx, term, field, includeFreq, includeNorm, includeTermVectors)
	if err != nil {
		return nil, err
	}
	return &filteredTFR{TermFieldReader: tfr, hits: f.hits}, nil
}

// FieldDictFuzzyAutomaton implements index.IndexReaderFuzzy.
func (f *filteredReader) FieldDictFuzzyAutomaton(field string, term string, fuzziness int, prefix string) (index.FieldDict, index.FuzzyAutomaton, error) {
	if prefix == "" {
		if x := f.run.expand[expansionKey{field: field, term: term, fuzziness: fuzziness}]; x != nil {
			return &listDict{entries: x.entries}, x.automaton, nil
		}
	}
	return f.IndexSnapshot.FieldDictFuzzyAutomaton(field, term, fuzziness, prefix)
}

// FieldDictPrefix implements index.IndexReader.
func (f *filteredReader) FieldDictPrefix(field string, prefix []byte) (index.FieldDict, error) {
	if x := f.run.expand[expansionKey{field: field, term: string(prefix), prefix: true}]; x != nil {
		return &listDict{entries: x.entries}, nil
	}
	return f.IndexSnapshot.FieldDictPrefix(field, prefix)
}

// listDict is a field dictionary already read.
type listDict struct {
	entries []index.DictEntry
	next    int
}

func (d *listDict) Next() (*index.DictEntry, error) {
	if d.next >= len(d.entries) {
		return nil, nil
	}
	d.next++
	e := d.entries[d.next-1]
	return &e, nil
}
func (d *listDict) Close() error      { return nil }
func (d *listDict) Cardinality() int  { return len(d.entries) }
func (d *listDict) BytesRead() uint64 { return 0 }

// filteredTFR reads one term's postings, skipping documents that are not
// hits. It leapfrogs: the postings advance to the next hit, the hits to
// the next posting.
type filteredTFR struct {
	index.TermFieldReader
	hits []uint64
	j    int // hits[:j] are behind
	id   index.IndexInternalID
}

func (f *filteredTFR) Next(pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	return f.seek(pre)
}

func (f *filteredTFR) Advance(id index.IndexInternalID, pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	target := id.Value()
	if f.j > 0 && f.hits[f.j-1] >= target {
		f.j = 0 // backwards: the reader restarts too
	}
	f.skipTo(target)
	return f.seek(pre)
}

// skipTo moves past the hits before doc.
func (f *filteredTFR) skipTo(doc uint64) {
	rest := f.hits[f.j:]
	f.j += sort.Search(len(rest), func(k int) bool { return rest[k] >= doc })
}

func (f *filteredTFR) seek(pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	for f.j < len(f.hits) {
		target := f.hits[f.j]
		f.id = index.NewIndexInternalID(f.id, target)
		d, err := f.TermFieldReader.Advance(f.id, pre)
		if err != nil || d == nil {
			f.j = len(f.hits)
			return nil, err
		}
		got := d.ID.Value()
		if got != target {
			f.skipTo(got)
			if f.j == len(f.hits) || f.hits[f.j] != got {
				pre = d
				continue
			}
		}
		f.j++
		return d, nil
	}
	return nil, nil
}
