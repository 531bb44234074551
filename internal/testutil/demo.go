package testutil

import (
	"bytes"
	"io"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/demo"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/postgres"
)

// LoadDemo applies the demo feeds (the article feeds and volunteers
// synthetic volunteers) to db through the real apply path, one batch per
// source, and returns the records applied per source. Lines the decoder
// rejects are skipped, as the pipeline skips them.
func LoadDemo(tb testing.TB, db *postgres.DB, volunteers int) map[string]int {
	tb.Helper()
	applied := map[string]int{}
	for _, f := range demo.Feeds(volunteers) {
		s := NewSeeder(tb, db, f.Source.Name)
		var recs []*hub.FeedRecord
		dec := ingest.NewDecoder(bytes.NewReader(f.Body))
		for {
			rec, _, err := dec.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				tb.Fatalf("demo feed %s: %v", f.Name, err)
			}
			if rec != nil {
				recs = append(recs, rec)
			}
		}
		c := s.Apply(recs...)
		applied[f.Source.Name] = c.Created + c.Updated
	}
	return applied
}
