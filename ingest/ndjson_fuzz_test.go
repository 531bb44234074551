package ingest_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// FuzzDecoder feeds arbitrary bodies to the decoder. Whatever the input,
// it must not panic, every error must point at a line, every record must
// be usable by the store, and the number of results must be what
// CountLines promised the batch. The seeds are in testdata/fuzz/FuzzDecoder.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(`{"type":"project","id":"p","updated_at":"2026-01-13","data":{"title":{"ru":"Т"},"region":"KZ-71","status":"ACTIVE"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = ingest.Sniff(body)
		d := ingest.NewDecoder(bytes.NewReader(body))
		results := 0
		for {
			rec, errs, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("Next: %v", err)
			}
			results++
			line := d.Line()
			if line < results {
				t.Fatalf("Line() = %d after %d results", line, results)
			}
			if rec == nil && len(errs) == 0 {
				t.Fatalf("line %d: neither a record nor errors", line)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Line != line {
					t.Fatalf("error %+v on line %d", e, line)
				}
				if e.Message == "" {
					t.Fatalf("error %+v has no message", e)
				}
			}
			if rec == nil {
				continue
			}
			if rec.ExternalID == "" || !rec.Type.Valid() || rec.Line != line || len(rec.Hash) != 32 {
				t.Fatalf("line %d: unusable record %+v", line, rec)
			}
			if len(errs) > 1 || (len(errs) == 1 && (errs[0].Field != "data.consent_ref" || rec.Personal != nil)) {
				t.Fatalf("line %d: record applied with errors %+v", line, errs)
			}
			typed := 0
			for _, set := range []bool{rec.Organization != nil, rec.Project != nil, rec.Volunteer != nil,
				rec.Participation != nil, rec.UNPlacement != nil, rec.Indicator != nil} {
				if set {
					typed++
				}
			}
			switch {
			case rec.Op == hub.OpDelete && typed != 0, rec.Op == hub.OpUpsert && typed != 1, rec.Op != hub.OpUpsert && rec.Op != hub.OpDelete:
				t.Fatalf("line %d: op %q with %d typed records", line, rec.Op, typed)
			}
		}
		if n := ingest.CountLines(body); n != results {
			t.Fatalf("CountLines = %d, Next returned %d results", n, results)
		}
	})
}
