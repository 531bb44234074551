package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The embedded engine matches, counts and ranks by itself (bleve_match.go,
// bleve_rank.go, bleve_facets.go) instead of through Bleve's search. These
// tests hold it to Bleve's own answer for the same query (bleveQuery, with
// a facet request and Bleve's collector): the same total, the same facet
// counts, the same scores and the same order, across segments, after
// updates and deletes.

// randomDocs makes documents from Kazakh and Russian words in several
// forms, so that fuzzy and prefix expansions find many terms.
func randomDocs(r *rand.Rand, n, firstID int) []Document {
	stems := strings.Fields("еріктілер волонтер жоба орман өрт пансионат зейнеткер акселератор форум мектеп " +
		"қала аудан облыс жастар көмек қоғам бала денсаулық білім экология grant serdtse birgemiz áreket " +
		"помощь школа город область молодежь здоровье фонд центр штаб студент αθήνα 東京都 straße")
	ends := []string{"", "лер", "дің", "ға", "да", "дан", "ы", "ам", "ах", "ом", "ов", "ами"}
	word := func() string {
		// a few words are common, most are rare
		s := stems[int(math.Min(float64(len(stems)-1), r.ExpFloat64()*12))]
		return s + ends[r.IntN(len(ends))]
	}
	phrase := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = word()
		}
		return strings.Join(w, " ")
	}
	regions := []string{"KZ-11", "KZ-15", "KZ-19", "KZ-75", "KZ-79"}
	dirs := []string{"ECOLOGY", "EDUCATION", "HEALTH", "EVENTS", "LEGAL_AID"}
	statuses := []string{"planned", "active", "completed"}
	docs := make([]Document, n)
	for i := range docs {
		id := int64(firstID + i)
		d := Document{
			ID: DocID(TypeProject, id), Type: TypeProject, RecordID: id,
			Titles: []string{phrase(2 + r.IntN(4)), phrase(2 + r.IntN(4))}, Body: []string{phrase(5 + r.IntN(25))},
			Region: regions[r.IntN(len(regions))], Directions: []string{dirs[r.IntN(len(dirs))]},
			Status: statuses[r.IntN(len(statuses))], Year: 2018 + r.IntN(8),
			Date: time.Date(2018+r.IntN(8), 1, 1+r.IntN(28), 0, 0, 0, 0, time.UTC), Version: "v1",
		}
		if r.IntN(4) == 0 {
			d.Directions = append(d.Directions, dirs[r.IntN(len(dirs))])
		}
		if r.IntN(5) == 0 {
			d.Type, d.ID, d.OrgKind = TypeOrganization, DocID(TypeOrganization, id), []string{"ngo", "foundation"}[r.IntN(2)]
			d.OrganizationID = id
		}
		docs[i] = d
	}
	return docs
}

// bleveSearch is the answer of Bleve's own search for q.
func bleveSearch(t *testing.T, e *Bleve, q Query) *Result {
	t.Helper()
	terms, err := ParseQuery(q.Text)
	if err != nil {
		t.Fatal(err)
	}
	req := bleve.NewSearchRequestOptions(bleveQuery(terms, q), q.Limit, q.Offset, false)
	req.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, 10_000))
	if q.SortByDate {
		req.SortBy([]string{"-" + fieldDate, "_id"})
	} else {
		req.SortBy([]string{"-_score", "_id"})
	}
	res, err := e.idx.SearchInContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := &Result{Total: int(res.Total)}
	for _, h := range res.Hits {
		out.Hits = appendHit(out.Hits, h.ID, h.Score)
	}
	counts := map[Facet][]FacetValue{}
	for _, tf := range res.Facets[fieldFacets].Terms.Terms() {
		facet, value, _ := strings.Cut(tf.Term, "=")
		counts[Facet(facet)] = append(counts[Facet(facet)], FacetValue{Value: value, Count: tf.Count})
	}
	for _, f := range q.Facets {
		values := counts[f]
		if values == nil {
			values = []FacetValue{}
		}
		out.Facets = append(out.Facets, FacetCount{Facet: f, Values: values[:min(len(values), maxFacetValues)]})
	}
	return out
}

// sameAnswer compares two answers; hits whose scores tie (up to rounding
// of the sums' order) may come in either order.
func sameAnswer(t *testing.T, q Query, want, got *Result) {
	t.Helper()
	if got.Total != want.Total {
		t.Fatalf("%+v: total %d, Bleve says %d", q, got.Total, want.Total)
	}
	if diff := cmp.Diff(want.Facets, got.Facets); diff != "" {
		t.Fatalf("%+v: facets (-Bleve +engine):\n%s", q, diff)
	}
	if len(got.Hits) != len(want.Hits) {
		t.Fatalf("%+v: %d hits, Bleve gives %d", q, len(got.Hits), len(want.Hits))
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
	for i, w := range want.Hits {
		g := got.Hits[i]
		if !close(g.Score, w.Score) {
			t.Fatalf("%+v: hit %d is %s scoring %v, Bleve has %s scoring %v", q, i, g.ID, g.Score, w.ID, w.Score)
		}
		if g.ID != w.ID && !q.SortByDate {
			// A tie within rounding: Bleve's next or previous hit must be ours.
			ok := false
			for _, j := range []int{i - 1, i + 1} {
				if j >= 0 && j < len(want.Hits) && want.Hits[j].ID == g.ID && close(want.Hits[j].Score, g.Score) {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("%+v: hit %d is %s, Bleve has %s (scores %v, %v)", q, i, g.ID, w.ID, g.Score, w.Score)
			}
		}
	}
}

func TestBleveAnswersAsBleveSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(11, 12))
	e, docs := indexRandom(t, r, 3000, 250) // small batches make several segments
	// Updates and deletes leave deleted documents in old segments.
	var gone []string
	for i := 0; i < 300; i++ {
		gone = append(gone, docs[r.IntN(len(docs))].ID)
	}
	if err := e.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert(ctx, randomDocs(r, 400, 1)); err != nil { // new versions of ids 1–400
		t.Fatal(err)
	}

	var words []string
	for _, d := range docs[:200] {
		for _, tok := range Tokenize(strings.Join(d.Titles, " ")) {
			words = append(words, tok.Text)
		}
	}
	pick := func() string {
		w := []rune(words[r.IntN(len(words))])
		switch r.IntN(5) {
		case 0: // a typo
			if len(w) > 5 {
				w[len(w)/2] = 'х'
			}
		case 4: // two letters swapped
			if i := r.IntN(len(w) - 1); len(w) > 5 {
				w[i], w[i+1] = w[i+1], w[i]
			}
		case 1: // a prefix
			w = w[:max(1, len(w)-1-r.IntN(3))]
		}
		return string(w)
	}
	for i := 0; i < 300; i++ {
		q := Query{Facets: Facets[:], Limit: 1 + r.IntN(30)}
		for range r.IntN(4) {
			q.Text += pick() + " "
		}
		q.Text = strings.TrimSpace(q.Text)
		if r.IntN(3) == 0 {
			q.Text += " " + string([]rune(pick())[:1]) // a one-letter last word
		}
		if r.IntN(4) == 0 {
			q.Filter.Regions = []string{"KZ-11", "KZ-75"}[:1+r.IntN(2)]
		}
		if r.IntN(6) == 0 {
			q.Filter.Directions = []string{"EDUCATION"}
			q.Types = []DocType{TypeProject}
		}
		if r.IntN(5) == 0 {
			q.Offset = r.IntN(50)
		}
		if r.IntN(8) == 0 {
			q.SortByDate = true
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if err := q.Validate(); err != nil {
				t.Fatal(err)
			}
			got, err := e.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			sameAnswer(t, q, bleveSearch(t, e, q), got)
		})
	}
}

// The fuzzy expansion (bleve_fuzzy.go) lists the terms, and their edit
// distances, that Bleve's own automaton lists.
func TestFuzzyExpansionAsBleve(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(21, 22))
	e, docs := indexRandom(t, r, 1500, 500)
	reader, err := snapshot(e.idx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	run, err := newBleveRun(reader)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(w []rune) []rune {
		w = slices.Clone(w)
		i := r.IntN(len(w))
		switch r.IntN(4) {
		case 0:
			w[i] = []rune("aeiouxyzδ界")[r.IntN(10)]
		case 1:
			w = slices.Delete(w, i, i+1)
		case 2:
			w = slices.Insert(w, i, []rune("aeklmnβ")[r.IntN(7)])
		case 3:
			if i+1 < len(w) {
				w[i], w[i+1] = w[i+1], w[i]
			}
		}
		return w
	}
	for n := 0; n < 400; n++ {
		d := docs[r.IntN(len(docs))]
		toks := Tokenize(strings.Join(append(d.Titles, d.Body...), " "))
		tok := toks[r.IntN(len(toks))]
		field, w := fieldWords, []rune(tok.Skeleton)
		if r.IntN(2) == 0 {
			field, w = fieldStems, []rune(tok.Stem)
		}
		for range r.IntN(3) {
			if len(w) > 1 {
				w = edit(w)
			}
		}
		term, k := string(w), 1+r.IntN(2)
		fd, _, err := run.snap.FieldDictFuzzyAutomaton(field, term, k, "")
		if err != nil {
			t.Fatal(err)
		}
		want, err := readDict(fd)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run.fuzzyTerms(field, term, k)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s %q within %d (-Bleve +ours):\n%s", field, term, k, diff)
		}
	}
}

func readDict(fd index.FieldDict) ([]index.DictEntry, error) {
	defer fd.Close()
	var out []index.DictEntry
	for {
		e, err := fd.Next()
		if err != nil || e == nil {
			return out, err
		}
		out = append(out, *e)
	}
}

// A second process on the same index directory is refused after a moment,
// saying why, instead of waiting for the first to let go.
func TestOpenBleveTwiceRefused(t *testing.T) {
	dir := t.TempDir()
	first, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	start := time.Now()
	second, err := OpenBleve(dir)
	if err == nil {
		second.Close()
		t.Fatal("a second OpenBleve on a held index succeeded")
	}
	if took := time.Since(start); took > 10*time.Second || !strings.Contains(err.Error(), "only one may") {
		t.Errorf("after %s: %v", took, err)
	}
}

// indexRandom opens an index with n random documents, upserted batch at a
// time (each batch a segment); the index is closed when the test ends.
func indexRandom(t *testing.T, r *rand.Rand, n, batch int) (*Bleve, []Document) {
	t.Helper()
	e, err := OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	docs := randomDocs(r, n, 1)
	for i := 0; i < len(docs); i += batch {
		if err := e.Upsert(context.Background(), docs[i:i+batch]); err != nil {
			t.Fatal(err)
		}
	}
	return e, docs
}

// A query asked again of an unchanged index gets the answer kept; after
// an upsert, a delete or a rebuild it is answered anew.
func TestBleveAnswersKeptUntilTheIndexChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, docs := indexRandom(t, rand.New(rand.NewPCG(7, 7)), 200, 50)
	q := Query{Text: "жоба", Types: []DocType{TypeProject}, Facets: []Facet{FacetRegion}, Limit: 5}
	first, err := e.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := e.Search(ctx, q); again != first {
		t.Error("the same query of an unchanged index was answered anew")
	}
	other := q
	other.Limit = 6
	if o, _ := e.Search(ctx, other); o == first {
		t.Error("another query got the first one's answer")
	}
	total := first.Total

	d := docs[0]
	d.ID, d.RecordID, d.Titles = DocID(TypeProject, 100000), 100000, []string{"жоба жоба жоба"}
	if err := e.Upsert(ctx, []Document{d}); err != nil {
		t.Fatal(err)
	}
	afterUpsert, err := e.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if afterUpsert.Total != total+1 {
		t.Errorf("after an upsert: total %d, want %d", afterUpsert.Total, total+1)
	}
	if err := e.Delete(ctx, []string{d.ID}); err != nil {
		t.Fatal(err)
	}
	if afterDelete, _ := e.Search(ctx, q); afterDelete.Total != total {
		t.Errorf("after a delete: total %d, want %d", afterDelete.Total, total)
	}
	if err := e.Rebuild(ctx, func(ctx context.Context, put func([]Document) error) error { return put(docs[:10]) }); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := e.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if want := bleveSearch(t, e, q); rebuilt.Total != want.Total || rebuilt.Total >= total {
		t.Errorf("after a rebuild with 10 documents: total %d, Bleve's %d (before %d)", rebuilt.Total, want.Total, total)
	}
}
