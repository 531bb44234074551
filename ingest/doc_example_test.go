package ingest_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// feedsDoc is the feed format guide for the platforms that send feeds. Its
// examples are checked here so that the guide cannot drift from the decoder.
const feedsDoc = "../docs/feeds.md"

// docBlock returns the fenced code block that follows the HTML comment
// marker in doc, or fails the test. The block must open with a fence of the
// given language right after the marker.
func docBlock(t *testing.T, doc, marker, lang string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<!-- "+marker+" -->\n")
	if !ok {
		t.Fatalf("%s: no <!-- %s --> marker", feedsDoc, marker)
	}
	open := "```" + lang + "\n"
	if !strings.HasPrefix(rest, open) {
		t.Fatalf("%s: <!-- %s --> is not followed by a %q fence", feedsDoc, marker, "```"+lang)
	}
	block, _, ok := strings.Cut(rest[len(open):], "```")
	if !ok {
		t.Fatalf("%s: the block after <!-- %s --> is not closed", feedsDoc, marker)
	}
	return block
}

func readFeedsDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(feedsDoc)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n") // a checkout with CRLF line endings
}

// TestDocExampleFeed decodes the guide's example feed: every line must be a
// valid record, with the record types and references the text promises.
func TestDocExampleFeed(t *testing.T) {
	t.Parallel()
	body := docBlock(t, readFeedsDoc(t), "example-feed", "ndjson")
	if err := ingest.Sniff([]byte(body)); err != nil {
		t.Fatalf("Sniff: %v", err)
	}
	rs := decodeAll(t, body)
	if n := ingest.CountLines([]byte(body)); n != len(rs) || n < 4 || n > 6 {
		t.Errorf("the example has %d lines, decoded %d; want the same, 4 to 6", n, len(rs))
	}
	ids := map[hub.RecordType]map[string]bool{}
	var recs []*hub.FeedRecord
	for _, r := range rs {
		for _, e := range r.Errs {
			t.Errorf("line %d: %s: %s", e.Line, e.Field, e.Message)
		}
		if r.Rec == nil {
			continue
		}
		recs = append(recs, r.Rec)
		if ids[r.Rec.Type] == nil {
			ids[r.Rec.Type] = map[string]bool{}
		}
		ids[r.Rec.Type][r.Rec.ExternalID] = true
		if r.Rec.Type == hub.TypeVolunteer && r.Rec.Personal != nil {
			t.Errorf("line %d: the example volunteer has a personal part; the guide says it has none", r.Rec.Line)
		}
	}
	for _, typ := range []hub.RecordType{hub.TypeOrganization, hub.TypeProject, hub.TypeVolunteer, hub.TypeParticipation, hub.TypeIndicator} {
		if len(ids[typ]) == 0 {
			t.Errorf("the example has no %s", typ)
		}
	}
	// The references point at records of the same feed, so that the
	// example loads with every link resolved.
	refs := func(rec *hub.FeedRecord, typ hub.RecordType, refs ...string) {
		for _, ref := range refs {
			if ref != "" && !ids[typ][ref] {
				t.Errorf("line %d: reference %q to a %s the example does not have", rec.Line, ref, typ)
			}
		}
	}
	for _, rec := range recs {
		refs(rec, hub.TypeOrganization, rec.OrganizationRef)
		refs(rec, hub.TypeOrganization, rec.OrganizationRefs...)
		refs(rec, hub.TypeVolunteer, rec.VolunteerRef)
		refs(rec, hub.TypeProject, rec.ProjectRef)
	}
}

// TestDocExampleErrors decodes the guide's bad feed and compares the errors
// with the table the guide shows for it.
func TestDocExampleErrors(t *testing.T) {
	t.Parallel()
	doc := readFeedsDoc(t)
	body := docBlock(t, doc, "example-bad-feed", "ndjson")
	if err := ingest.Sniff([]byte(body)); err != nil {
		t.Fatalf("Sniff: %v (the bad feed must fail line by line, not whole)", err)
	}
	var got []hub.RecordError
	for _, r := range decodeAll(t, body) {
		got = append(got, r.Errs...)
	}
	if diff := cmp.Diff(docErrorTable(t, doc), got); diff != "" {
		t.Errorf("errors of the bad feed (-in %s +decoded):\n%s", feedsDoc, diff)
	}
}

// docErrorTable reads the table after <!-- example-errors -->: line, field
// and message, with "(whole line)" for an empty field.
func docErrorTable(t *testing.T, doc string) []hub.RecordError {
	t.Helper()
	var out []hub.RecordError
	for _, row := range docTable(t, doc, "example-errors", 3) {
		line, err := strconv.Atoi(row[0])
		if err != nil {
			t.Fatalf("%s: error table row %q: %v", feedsDoc, row, err)
		}
		field := row[1]
		if field == "(whole line)" {
			field = ""
		}
		out = append(out, hub.RecordError{Line: line, Field: field, Message: row[2]})
	}
	return out
}

// docTable returns the rows of the markdown table right after the marker,
// without its header, each with cells trimmed and out of their backticks.
// Cells are split on " | ", so a cell may hold "|" only without spaces.
func docTable(t *testing.T, doc, marker string, cells int) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<!-- "+marker+" -->\n")
	if !ok {
		t.Fatalf("%s: no <!-- %s --> marker", feedsDoc, marker)
	}
	var out [][]string
	for i, row := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(row, "|") {
			break
		}
		if i < 2 { // the header and the separator
			continue
		}
		cs := strings.Split(strings.TrimSpace(strings.Trim(row, "|")), " | ")
		if len(cs) != cells {
			t.Fatalf("%s: row %q of the table after <!-- %s --> has %d cells, want %d", feedsDoc, row, marker, len(cs), cells)
		}
		for j, c := range cs {
			c = strings.TrimSpace(c)
			if len(c) >= 2 && c[0] == '`' && c[len(c)-1] == '`' {
				c = c[1 : len(c)-1]
			}
			cs[j] = c
		}
		out = append(out, cs)
	}
	if len(out) == 0 {
		t.Fatalf("%s: the table after <!-- %s --> is empty", feedsDoc, marker)
	}
	return out
}

// TestDocReferenceTables checks the guide's region and direction tables
// against the reference data, and that every word it gives as an example
// maps to its direction.
func TestDocReferenceTables(t *testing.T) {
	t.Parallel()
	doc := readFeedsDoc(t)

	var want, got [][]string
	for _, r := range hub.Regions() {
		want = append(want, []string{r.Code, r.Name.EN, strings.ToLower(string(r.Kind))})
	}
	got = docTable(t, doc, "regions", 3)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("region table (-reference.go +%s):\n%s", feedsDoc, diff)
	}

	want, got = nil, nil
	rows := docTable(t, doc, "directions", 3)
	for _, d := range hub.Directions() {
		want = append(want, []string{d.Code, d.Name.EN})
	}
	for _, row := range rows {
		got = append(got, row[:2])
		for _, w := range strings.Split(row[2], ", ") {
			if code, ok := hub.DirectionForWord(w); !ok || code != row[0] {
				t.Errorf("%s: %q is given for %s, but DirectionForWord says %q, %v", feedsDoc, w, row[0], code, ok)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("direction table (-reference.go +%s):\n%s", feedsDoc, diff)
	}
}

// TestDocFeedSnippets decodes every json and ndjson block of the guide
// other than the bad feed: each line must be a valid record.
func TestDocFeedSnippets(t *testing.T) {
	t.Parallel()
	doc := readFeedsDoc(t)
	blocks := 0
	for rest := doc; ; {
		i := strings.Index(rest, "```json\n")
		j := strings.Index(rest, "```ndjson\n")
		if i < 0 || (j >= 0 && j < i) {
			i = j
		}
		if i < 0 {
			break
		}
		bad := strings.HasSuffix(rest[:i], "<!-- example-bad-feed -->\n")
		rest = rest[i:]
		rest = rest[strings.IndexByte(rest, '\n')+1:]
		block, after, ok := strings.Cut(rest, "```")
		if !ok {
			t.Fatalf("%s: a code block is not closed", feedsDoc)
		}
		rest = after
		if bad {
			continue
		}
		blocks++
		for _, r := range decodeAll(t, block) {
			for _, e := range r.Errs {
				t.Errorf("block %d, line %d: %s: %s", blocks, e.Line, e.Field, e.Message)
			}
		}
	}
	if blocks < 2 {
		t.Errorf("found %d feed blocks in %s, want the line example and the example feed", blocks, feedsDoc)
	}
}

// TestDocExampleCSV decodes the guide's CSV examples, each marked with
// <!-- example-csv type=… -->: every row must be a valid record, equal
// (hash included) to the record of the same id in the example feed, which
// the guide says they repeat.
func TestDocExampleCSV(t *testing.T) {
	t.Parallel()
	doc := readFeedsDoc(t)
	feed := map[string]*hub.FeedRecord{}
	for _, r := range decodeAll(t, docBlock(t, doc, "example-feed", "ndjson")) {
		if r.Rec != nil {
			feed[string(r.Rec.Type)+"/"+r.Rec.ExternalID] = r.Rec
		}
	}
	const prefix = "<!-- example-csv type="
	blocks := 0
	for rest := doc; ; {
		i := strings.Index(rest, prefix)
		if i < 0 {
			break
		}
		rest = rest[i+len(prefix):]
		typ, _, ok := strings.Cut(rest, " -->")
		if !ok || !hub.RecordType(typ).Valid() {
			t.Fatalf("%s: bad marker %q", feedsDoc, prefix+typ)
		}
		blocks++
		body := docBlock(t, doc[len(doc)-len(rest)-len(prefix):], "example-csv type="+typ, "csv")
		if err := ingest.SniffCSV([]byte(body), hub.RecordType(typ)); err != nil {
			t.Errorf("%s example: SniffCSV: %v", typ, err)
		}
		rs := decodeCSV(t, body, hub.RecordType(typ))
		if n := ingest.CountCSVRecords([]byte(body)); n != len(rs) || n == 0 {
			t.Errorf("%s example: %d rows counted, %d decoded", typ, n, len(rs))
		}
		for _, r := range rs {
			for _, e := range r.Errs {
				t.Errorf("%s example, line %d: %s: %s", typ, e.Line, e.Field, e.Message)
			}
			if r.Rec == nil {
				continue
			}
			want := feed[typ+"/"+r.Rec.ExternalID]
			if want == nil {
				t.Errorf("%s example, line %d: %s is not in the example feed", typ, r.Line, r.Rec.ExternalID)
				continue
			}
			if diff := cmp.Diff(want, r.Rec, ignoreLine); diff != "" {
				t.Errorf("%s example, line %d (-example feed +CSV):\n%s", typ, r.Line, diff)
			}
		}
	}
	if blocks < 2 {
		t.Errorf("found %d CSV examples in %s, want at least 2", blocks, feedsDoc)
	}
}
