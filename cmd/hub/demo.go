package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/demo"
	"github.com/birgemiz/hub/ingest"
)

// DefaultDemoVolunteers is how many synthetic volunteers `hub demo` makes.
const DefaultDemoVolunteers = 2000

// runDemo loads the bundled demo feeds through the normal pipeline (stored
// batches, asynq, the same workers) and then serves them.
func (m *Main) runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	loadOnly := fs.Bool("load-only", false, "load the demo data and exit instead of serving it")
	volunteers := fs.Int("volunteers", DefaultDemoVolunteers, "synthetic volunteers to generate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *volunteers < 0 {
		return fmt.Errorf("--volunteers %d: the number of synthetic volunteers cannot be negative", *volunteers)
	}
	start := time.Now()
	if err := m.open(ctx); err != nil {
		if errors.As(err, new(wrongKeyring)) {
			return fmt.Errorf("%w; or, if the database holds only demo data, drop it (DATABASE_URL names it) and run the demo again", err)
		}
		return err
	}
	if err := m.openSearch(ctx); err != nil {
		return err
	}
	if err := m.startWorkers(); err != nil {
		return err
	}
	if !*loadOnly {
		// Listen first so a port conflict is reported before the load.
		if err := m.listen(); err != nil {
			return err
		}
	}
	batches, err := m.loadDemo(ctx, *volunteers)
	if err != nil {
		return err
	}
	m.printBatches(batches)
	for _, b := range batches {
		if err := m.reportErrors(ctx, b); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stdout, "demo data loaded in %s\n", time.Since(start).Round(10*time.Millisecond))
	if *loadOnly {
		return nil
	}
	fmt.Fprintf(m.Stdout, "GraphQL API: %s/graphql   explorer: %s/   (Ctrl-C to stop)\n", m.URL(), m.URL())
	return m.serveHTTP(ctx)
}

// loadDemo creates the demo sources that are missing and submits every
// demo feed as a batch, then follows them to the end. Loading twice is
// harmless: the second load finds every record unchanged.
func (m *Main) loadDemo(ctx context.Context, volunteers int) ([]*hub.Batch, error) {
	var ids []string
	for _, f := range demo.Feeds(volunteers) {
		src, err := m.Services.Sources.FindSourceByName(ctx, f.Source.Name)
		if hub.ErrorCode(err) == hub.ENOTFOUND {
			s := f.Source
			src = &s
			_, err = m.Services.Sources.CreateSource(ctx, &s) // demo sources do not push: their credentials are not needed
		}
		if err != nil {
			return nil, fmt.Errorf("demo source %s: %w", f.Source.Name, err)
		}
		b, err := m.submitBatch(ctx, src, "demo/"+f.Name+".ndjson", f.Body, ingest.CountLines(f.Body))
		if err != nil {
			return nil, err
		}
		ids = append(ids, b.ID)
	}
	return m.follow(ctx, ids)
}
