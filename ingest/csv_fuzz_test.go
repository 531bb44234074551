package ingest_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// FuzzCSVDecoder feeds arbitrary bodies to the CSV decoder as files of
// every record type. Whatever the input, it must not panic, every error
// must point at a line, every record must be usable by the store, and the
// number of results must be what CountCSVRecords promised the batch (plus
// the header's own result, when its columns had problems). SniffCSV must
// answer with a *hub.Error or nil. The seeds are in
// testdata/fuzz/FuzzCSVDecoder.
func FuzzCSVDecoder(f *testing.F) {
	f.Add([]byte("id,updated_at,title_ru,region,status\np,2026-01-13,Т,KZ-71,ACTIVE\n"), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		typ := hub.RecordTypes[int(which)%len(hub.RecordTypes)]
		if err := ingest.SniffCSV(body, typ); err != nil {
			var e *hub.Error
			if !errors.As(err, &e) || e.Code != hub.EINVALID || e.Message == "" {
				t.Fatalf("SniffCSV = %v", err)
			}
		}
		d := ingest.NewCSVDecoder(bytes.NewReader(body), typ, ingest.Options{Categories: map[string]string{"x": "ECOLOGY"}})
		results, header, last := 0, 0, 0
		for {
			rec, errs, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("Next: %v", err)
			}
			results++
			line := d.Line()
			if line < 1 || line <= last {
				t.Fatalf("Line() = %d after line %d", line, last)
			}
			last = line
			if rec == nil && len(errs) == 0 {
				t.Fatalf("line %d: neither a record nor errors", line)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Line != line || e.Message == "" {
					t.Fatalf("error %+v on line %d", e, line)
				}
			}
			if results == 1 && rec == nil && headerProblems(errs) {
				header = 1
			}
			if rec == nil {
				continue
			}
			if rec.ExternalID == "" || rec.Type != typ || rec.Line != line || len(rec.Hash) != 32 {
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
		if n := ingest.CountCSVRecords(body); n != results-header {
			t.Fatalf("CountCSVRecords = %d, Next returned %d results (%d for the header)", n, results, header)
		}
	})
}

// headerProblems reports whether errs are the problems of a header row,
// which Next returns in a result of their own before the first row.
func headerProblems(errs []hub.RecordError) bool {
	for _, e := range errs {
		m := e.Message
		if !strings.HasPrefix(m, "header row ") && !strings.HasSuffix(m, "; this column is ignored") &&
			!strings.HasSuffix(m, " in the header; none of them is read") && !strings.HasSuffix(m, " (only the first 20 are)") {
			return false
		}
	}
	return true
}
