package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzValidJSON checks that validJSON agrees with json.Valid, which the
// scanner in json.go relies on, and that the scanner copes with whatever
// validJSON accepts.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":[1,2,{"b":null}]}`, `"\u00e9\n\"\\"`, `-0.5e+10`, `01`, `1.`,
		`1e`, `-`, `tru`, `true `, `{"a" 1}`, `{"a":1,}`, `[1,]`, `"\x"`, `"\u12"`, "\"\x01\"", `{"a":"b"}x`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001), strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := validJSON(b), json.Valid(b)
		if got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
		if got {
			for _, m := range members(b, nil) {
				elements(m.val, nil)
			}
			elements(b, nil)
		}
	})
}
