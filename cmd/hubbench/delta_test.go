package main

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/birgemiz/hub/ingest"
)

// The delta phase's feed is valid for the hub, moves every volunteer to
// another region each round, and the counts it expects add up.
func TestDeltaFeed(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	regions := map[string]string{}
	for r := range 2 {
		d := ingest.NewDecoder(bytes.NewReader(deltaFeed(50, r, at)))
		n := 0
		for {
			rec, errs, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil || len(errs) > 0 {
				t.Fatalf("round %d line %d: %v %v", r, d.Line(), err, errs)
			}
			n++
			if prev, ok := regions[rec.ExternalID]; ok && prev == rec.Volunteer.RegionCode {
				t.Errorf("round %d: %s stayed in %s", r, rec.ExternalID, prev)
			}
			regions[rec.ExternalID] = rec.Volunteer.RegionCode
		}
		sum := 0.0
		for _, v := range deltaExpected(50, r) {
			sum += v
		}
		if n != 50 || sum != 50 {
			t.Errorf("round %d: %d records, expected counts add up to %v; want 50, 50", r, n, sum)
		}
	}
}
