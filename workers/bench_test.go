package workers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/demo"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// BenchmarkIngestEndToEnd applies a synthetic NDJSON batch of about
// 1,000,000 records (organizations, projects, volunteers, participations)
// from the stored body to the last committed chunk, and copies the same
// rows with a bare COPY for the ceiling. Run it alone:
//
//	go test -run '^$' -bench IngestEndToEnd -benchtime 1x -timeout 30m ./workers/
//
// It reports records/s end to end, records/s of the COPY, and their ratio.
func BenchmarkIngestEndToEnd(b *testing.B) {
	const volunteers = 250_000 // about 4 records each
	body := demo.Synthetic(demo.SyntheticSeed, volunteers)
	var recs []*hub.FeedRecord
	dec := ingest.NewDecoder(bytes.NewReader(body))
	for {
		rec, _, err := dec.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := testutil.NewDB(b)
		batches := postgres.NewBatchService(db)
		sources := postgres.NewSourceService(db)
		if _, err := sources.CreateSource(context.Background(), &hub.Source{Name: "synthetic", Kind: hub.SourceSynthetic}); err != nil {
			b.Fatal(err)
		}
		src, _ := sources.FindSourceByName(context.Background(), "synthetic")
		batch := &hub.Batch{SourceID: src.ID, Lines: len(recs)}
		if err := batches.CreateBatch(context.Background(), batch, body); err != nil {
			b.Fatal(err)
		}
		p := &workers.BatchProcessor{Batches: batches, Sources: sources, Log: slog.New(slog.DiscardHandler)}
		b.StartTimer()
		start := time.Now()
		if err := p.Process(context.Background(), batch.ID); err != nil {
			b.Fatal(err)
		}
		applied := time.Since(start)
		b.StopTimer()
		ceiling, err := batches.CopyCeiling(context.Background(), recs)
		if err != nil {
			b.Fatal(err)
		}
		rate, copyRate := float64(len(recs))/applied.Seconds(), float64(len(recs))/ceiling.Seconds()
		b.ReportMetric(float64(len(recs)), "records")
		b.ReportMetric(rate, "records/s")
		b.ReportMetric(copyRate, "copy-records/s")
		b.ReportMetric(rate/copyRate, "ratio")
	}
}
