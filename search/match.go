package search

import (
	"html"
	"strings"

	"github.com/agnivade/levenshtein"
)

// QueryTerm is one word of a query in the forms engines match on.
type QueryTerm struct {
	Skeleton  string
	Stem      string
	Typos     int  // typos tolerated on the skeleton
	StemTypos int  // typos tolerated on the stem
	Last      bool // the last word: it also matches as a prefix (search as you type)
}

// MaxQueryTerms bounds the words of one query.
const MaxQueryTerms = 32

// ParseQuery turns query text into terms. Words repeated are kept once.
func ParseQuery(text string) ([]QueryTerm, error) {
	toks := Tokenize(text)
	var out []QueryTerm
	seen := map[string]bool{}
	for _, t := range toks {
		if seen[t.Skeleton] {
			continue
		}
		seen[t.Skeleton] = true
		out = append(out, QueryTerm{Skeleton: t.Skeleton, Stem: t.Stem, Typos: Typos(t.Skeleton), StemTypos: Typos(t.Stem)})
	}
	if len(out) > MaxQueryTerms {
		return nil, invalid("query has %d words; at most %d are searched", len(out), MaxQueryTerms)
	}
	if len(out) > 0 {
		out[len(out)-1].Last = true
	}
	return out, nil
}

// Matches reports whether a token of a document matches the term, by the
// rules both engines apply: the same stem or skeleton, either within the
// typos the term allows, or, for the last term, a prefix of either.
func (qt QueryTerm) Matches(t Token) bool {
	switch {
	case t.Stem == qt.Stem || t.Skeleton == qt.Skeleton:
		return true
	case qt.Last && (strings.HasPrefix(t.Skeleton, qt.Skeleton) || strings.HasPrefix(t.Stem, qt.Stem)):
		return true
	case qt.Typos > 0 && within(t.Skeleton, qt.Skeleton, qt.Typos):
		return true
	case qt.StemTypos > 0 && within(t.Stem, qt.Stem, qt.StemTypos):
		return true
	}
	return false
}

func within(a, b string, n int) bool {
	if d := len(a) - len(b); d > n || -d > n {
		return false
	}
	return levenshtein.ComputeDistance(a, b) <= n
}

// Highlight returns text with the words that match terms marked as
// <mark>…</mark>, HTML-escaped so that a client may render it as HTML.
// Longer texts are cut to about maxWords words around the first match.
// ok is false when nothing in text matches.
func Highlight(text string, terms []QueryTerm, maxWords int) (snippet string, ok bool) {
	text = NormalizeText(text)
	toks := Tokenize(text)
	matched := make([]bool, len(toks))
	first := -1
	for i, t := range toks {
		for _, qt := range terms {
			if qt.Matches(t) {
				matched[i] = true
				if first < 0 {
					first = i
				}
				break
			}
		}
	}
	if first < 0 {
		return "", false
	}
	from, to := 0, len(toks)
	if len(toks) > maxWords {
		from = max(0, first-maxWords/4)
		to = min(len(toks), from+maxWords)
	}
	var b strings.Builder
	start := 0
	if from > 0 {
		b.WriteString("…")
		start = toks[from].Start
	}
	end := len(text)
	if to < len(toks) {
		end = toks[to-1].End
	}
	pos := start
	for i := from; i < to; i++ {
		t := toks[i]
		b.WriteString(html.EscapeString(text[pos:t.Start]))
		if matched[i] {
			b.WriteString("<mark>" + html.EscapeString(t.Text) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(t.Text))
		}
		pos = t.End
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if to < len(toks) {
		b.WriteString("…")
	}
	return b.String(), true
}
