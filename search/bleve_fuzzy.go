package search

import (
	"slices"
	"unicode/utf8"

	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Fuzzy expansion walks each segment's term dictionary (an FST) with a
// Levenshtein automaton, as Bleve does, with the same distance: edits on
// characters, an adjacent transposition counting as one. Bleve builds the
// whole automaton first, as a table of 256 transitions per state; on
// query words of 5 to 12 letters that was a sixth of a search's CPU and
// three quarters of the memory it allocated (pprof). This automaton is
// built lazily instead: only the states the dictionary walk reaches.

// levAutomaton accepts the words within k edits of a query word. A state
// is the last two rows of the edit-distance table (capped at k+1), the
// last character read, and the bytes of a character not yet complete.
type levAutomaton struct {
	query  []rune
	k      uint8
	states []levState
	ids    map[string]int
	// class numbers the ASCII letters of the query from 1; all other
	// ASCII characters (class 0) lead to the same states.
	class   [utf8.RuneSelf]uint8
	classes int
}

type levState struct {
	prev, row []uint8
	last      rune // the last character if in the query, else levOther
	pending   []byte
	ascii     []int32 // next state by class of an ASCII byte, -1 until known
	other     map[byte]int
	best      uint8 // the least value of row
}

// levOther stands for any character not in the query, and for none.
const levOther = -1

// levDead is the state from which no word matches.
const levDead = 0

func newLevAutomaton(query string, k int) *levAutomaton {
	a := &levAutomaton{query: []rune(query), k: uint8(k), ids: map[string]int{}}
	for _, c := range a.query {
		if c < utf8.RuneSelf && a.class[c] == 0 {
			a.classes++
			a.class[c] = uint8(a.classes)
		}
	}
	a.states = append(a.states, levState{best: a.k + 1}) // levDead
	m := len(a.query)
	row := make([]uint8, m+1)
	prev := make([]uint8, m+1)
	for j := range row {
		row[j] = min(uint8(j), a.k+1)
		prev[j] = a.k + 1
	}
	a.add(prev, row, levOther, nil)
	return a
}

func (a *levAutomaton) add(prev, row []uint8, last rune, pending []byte) int {
	key := make([]byte, 0, 2*len(row)+8+len(pending))
	key = append(key, prev...)
	key = append(key, row...)
	key = append(key, byte(last), byte(last>>8), byte(last>>16), byte(last>>24))
	key = append(key, pending...)
	if id, ok := a.ids[string(key)]; ok {
		return id
	}
	best := a.k + 1
	for _, v := range row {
		best = min(best, v)
	}
	if best > a.k {
		// No cell of a later row can be less than best: a transposition
		// reaches back to the row before, whose cells are at least this
		// row's less one edit.
		return levDead
	}
	id := len(a.states)
	ascii := make([]int32, a.classes+1)
	for i := range ascii {
		ascii[i] = -1
	}
	a.states = append(a.states, levState{prev: prev, row: row, last: last, pending: pending, ascii: ascii, best: best})
	a.ids[string(key)] = id
	return id
}

// Start implements segment.Automaton.
func (a *levAutomaton) Start() int { return 1 }

// IsMatch implements segment.Automaton.
func (a *levAutomaton) IsMatch(s int) bool {
	st := &a.states[s]
	return s != levDead && len(st.pending) == 0 && st.row[len(a.query)] <= a.k
}

// CanMatch implements segment.Automaton.
func (a *levAutomaton) CanMatch(s int) bool { return s != levDead && a.states[s].best <= a.k }

// WillAlwaysMatch implements segment.Automaton.
func (a *levAutomaton) WillAlwaysMatch(int) bool { return false }

// Accept implements segment.Automaton.
func (a *levAutomaton) Accept(s int, b byte) int {
	if s == levDead {
		return levDead
	}
	if b < utf8.RuneSelf && len(a.states[s].pending) == 0 {
		c := a.class[b]
		if next := a.states[s].ascii[c]; next >= 0 {
			return int(next)
		}
		next := a.step(s, b)
		a.states[s].ascii[c] = int32(next) // step may have moved the states
		return next
	}
	if next, ok := a.states[s].other[b]; ok {
		return next
	}
	next := a.step(s, b)
	st := &a.states[s]
	if st.other == nil {
		st.other = map[byte]int{}
	}
	st.other[b] = next
	return next
}

func (a *levAutomaton) step(s int, b byte) int {
	st := a.states[s]
	pending := append(slices.Clip(st.pending), b)
	if !utf8.FullRune(pending) {
		return a.add(st.prev, st.row, st.last, pending)
	}
	c, _ := utf8.DecodeRune(pending)
	m := len(a.query)
	row := make([]uint8, m+1)
	row[0] = min(st.row[0]+1, a.k+1)
	for j := 1; j <= m; j++ {
		cost := uint8(1)
		if a.query[j-1] == c {
			cost = 0
		}
		v := min(st.row[j]+1, row[j-1]+1, st.row[j-1]+cost)
		if j > 1 && c == a.query[j-2] && st.last == a.query[j-1] {
			v = min(v, st.prev[j-2]+1)
		}
		row[j] = min(v, a.k+1)
	}
	if !slices.Contains(a.query, c) {
		c = levOther
	}
	return a.add(st.row, row, c, nil)
}

// distance is the edit distance of word from the query word, or k+1 if
// it is more than k.
func (a *levAutomaton) distance(word string) uint8 {
	s := a.Start()
	for i := 0; i < len(word) && s != levDead; i++ {
		s = a.Accept(s, word[i])
	}
	if !a.IsMatch(s) {
		return a.k + 1
	}
	return a.states[s].row[len(a.query)]
}

// MatchAndDistance implements index.FuzzyAutomaton.
func (a *levAutomaton) MatchAndDistance(word string) (bool, uint8) {
	d := a.distance(word)
	return d <= a.k, d
}

// omitCount is how zap dictionaries list terms without reading their
// postings, as Bleve's fuzzy and prefix expansions do.
type omitCount interface {
	AutomatonIteratorOmitCount(a segment.Automaton, start, end []byte) segment.DictionaryIterator
}

// walk lists the terms of field, over all segments, that automaton a
// accepts between start and end, sorted.
func (r *bleveRun) walk(field string, a segment.Automaton, start, end []byte) ([]string, error) {
	seen := map[string]bool{}
	var terms []string
	for i := range r.segs {
		d, err := r.dict(i, field)
		if err != nil {
			return nil, err
		}
		var it segment.DictionaryIterator
		if o, ok := d.(omitCount); ok {
			it = o.AutomatonIteratorOmitCount(a, start, end)
		} else {
			it = d.AutomatonIterator(a, start, end)
		}
		for {
			e, err := it.Next()
			if err != nil {
				return nil, err
			}
			if e == nil {
				break
			}
			if !seen[e.Term] {
				seen[e.Term] = true
				terms = append(terms, e.Term)
			}
		}
	}
	slices.Sort(terms)
	return terms, nil
}

// fuzzyTerms returns the terms of field within k edits of term, each with
// its distance, as Bleve's FieldDictFuzzyAutomaton lists them.
func (r *bleveRun) fuzzyTerms(field, term string, k int) ([]index.DictEntry, error) {
	a := newLevAutomaton(term, k)
	terms, err := r.walk(field, a, nil, nil)
	if err != nil {
		return nil, err
	}
	out := make([]index.DictEntry, len(terms))
	for i, t := range terms {
		out[i] = index.DictEntry{Term: t, EditDistance: a.distance(t)}
	}
	return out, nil
}

// prefixTerms returns the terms of field that start with prefix.
func (r *bleveRun) prefixTerms(field, prefix string) ([]index.DictEntry, error) {
	start := []byte(prefix)
	var end []byte // the first key after every key with the prefix
	for i := len(start) - 1; i >= 0; i-- {
		if start[i] < 0xff {
			end = append(slices.Clone(start[:i]), start[i]+1)
			break
		}
	}
	terms, err := r.walk(field, nil, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]index.DictEntry, len(terms))
	for i, t := range terms {
		out[i] = index.DictEntry{Term: t}
	}
	return out, nil
}
