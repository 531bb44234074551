package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// personalRec is a volunteer with every personal field, consented.
func personalRec(i int, at time.Time) *hub.FeedRecord {
	birth := time.Date(1990+i%20, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
	year := birth.Year()
	r := &hub.FeedRecord{Type: hub.TypeVolunteer, ExternalID: fmt.Sprintf("v%d", i), Op: hub.OpUpsert, UpdatedAt: at,
		Volunteer: &hub.Volunteer{RegionCode: "KZ-11", Gender: hub.GenderFemale, BirthYear: &year, Status: hub.VolunteerActive},
		Personal: &hub.VolunteerPersonal{FullName: fmt.Sprintf("Айгерим Сапарова %06d", i), Phone: fmt.Sprintf("+7 701 %07d", i),
			Email: fmt.Sprintf("aigerim.%06d@example.kz", i), IIN: fmt.Sprintf("9%011d", i), BirthDate: &birth,
			ConsentRef: fmt.Sprintf("consent-%06d", i), ConsentAt: &at}}
	return withHash(r)
}

// BenchmarkApplyVolunteers applies 20,000 volunteers in chunks of 5,000
// (the worker's default), each with a full personal part and without one:
// the difference is the cost of sealing and writing personal parts.
//
//	go test -run '^$' -bench ApplyVolunteers -benchtime 3x ./postgres/
func BenchmarkApplyVolunteers(b *testing.B) {
	const n, chunk = 20_000, 5_000
	for _, personal := range []bool{true, false} {
		recs := make([]*hub.FeedRecord, n)
		for i := range recs {
			recs[i] = personalRec(i, t0)
			if !personal {
				recs[i].Personal = nil
			}
		}
		b.Run(fmt.Sprintf("personal=%t", personal), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testutil.NewDB(b)
				batches := postgres.NewBatchService(db)
				src := MustCreateSource(b, postgres.NewSourceService(db), "bench")
				batch := &hub.Batch{SourceID: src.ID, Lines: n}
				ctx := context.Background()
				if err := batches.CreateBatch(ctx, batch, []byte("bench")); err != nil {
					b.Fatal(err)
				}
				if _, err := batches.StartBatch(ctx, batch.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				for from := 0; from < n; from += chunk {
					if _, err := batches.ApplyChunk(ctx, batch.ID, &hub.Chunk{FromLine: from, ToLine: from + chunk, Records: recs[from : from+chunk]}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "records/s")
			}
		})
	}
}
