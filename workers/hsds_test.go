package workers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest/hsds"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// TestHSDSPackageCounts sends the HSDS fixture package through the
// pipeline: the receipt's counts add up to the records the package holds,
// and failed counts exactly the organizations and services an error kept
// out, not every row some error names (an HSDS package's errors are on
// rows of several CSV files).
func TestHSDSPackageCounts(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	dir := filepath.Join("..", "ingest", "hsds", "testdata", "small")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
		w, _ := zw.Create(e.Name())
		_, _ = w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := &hub.Batch{SourceID: f.source.ID, Format: hub.FormatHSDS, Mode: hub.ModeSnapshot, Lines: 1}
	if err := f.batches.CreateBatch(ctx, b, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	p := &workers.BatchProcessor{Batches: f.batches, Sources: postgres.NewSourceService(f.db), Log: slog.New(slog.DiscardHandler)}
	if err := p.Process(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.batches.FindBatchByID(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// What the package holds, by the connector's own reading.
	res, err := hsds.DecodePackage(hsds.Package{Files: files}, hsds.Options{UpdatedAt: got.ReceivedAt})
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts.Created != len(res.Records) || got.Counts.Failed != res.Rejected {
		t.Fatalf("counts %+v; the package has %d records and %d rejected", got.Counts, len(res.Records), res.Rejected)
	}
	if n := got.Counts.Total(); n != len(res.Records)+res.Rejected {
		t.Fatalf("counts add up to %d, the package holds %d organizations and services", n, len(res.Records)+res.Rejected)
	}
	errs, err := f.batches.FindBatchErrors(ctx, b.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != len(res.Errors) {
		t.Fatalf("%d errors stored, the connector reported %d", len(errs), len(res.Errors))
	}
	// A snapshot with no rejected record sweeps; one with a rejected record does not.
	if res.Rejected == 0 && got.SweepNote != "" {
		t.Fatalf("a clean snapshot did not sweep: %s", got.SweepNote)
	}
	t.Logf("counts %+v, %d errors and notes, sweep note %q", got.Counts, len(errs), got.SweepNote)
}
