package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	hub "github.com/birgemiz/hub"
)

// runStatistics runs `hub statistics rebuild` and `hub statistics check`.
// Both need only the database: the rollups live in PostgreSQL.
func (m *Main) runStatistics(ctx context.Context, args []string) error {
	usage := errors.New("usage: hub statistics rebuild | hub statistics check")
	if len(args) != 1 || (args[0] != "rebuild" && args[0] != "check") {
		return usage
	}
	if err := m.openDB(ctx); err != nil {
		return err
	}
	what := "counting every measure from the records"
	if args[0] == "rebuild" {
		what += " (feeds wait until the new build is current)"
	}
	stop := m.elapsed(what)
	defer stop()
	if args[0] == "rebuild" {
		b, err := m.Services.Statistics.RebuildStatistics(ctx)
		stop()
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "statistics rebuilt as of %s: %s cells (%s of 1 to %d people) in %s\n",
			b.AsOf.UTC().Format(time.RFC3339), thousands(b.Cells), thousands(b.Suppressed), hub.MaxSuppressedPeople, b.Took.Round(time.Millisecond))
		return nil
	}
	c, err := m.Services.Statistics.CheckStatistics(ctx)
	stop()
	if err != nil {
		return err
	}
	return m.reportStatisticsCheck(c)
}

func (m *Main) reportStatisticsCheck(c *hub.StatisticsCheck) error {
	if c.BuildID == 0 {
		fmt.Fprintln(m.Stdout, "no statistics build yet: the workers make the first one (or run `hub statistics rebuild`)")
	} else {
		fmt.Fprintf(m.Stdout, "build %d as of %s against a count as of %s\n", c.BuildID,
			c.AsOf.UTC().Format(time.RFC3339), c.CountedAt.UTC().Format(time.RFC3339))
	}
	for _, mc := range c.Measures {
		fmt.Fprintf(m.Stdout, "  %-16s stored %s, counted %s: %d missing, %d extra, %d different\n", mc.Measure,
			thousands(mc.Stored), thousands(mc.Counted), mc.Missing, mc.Extra, mc.Different)
		for _, e := range mc.Examples {
			fmt.Fprintf(m.Stdout, "    %s\n", e)
		}
	}
	switch {
	case c.Drift() == 0:
		fmt.Fprintln(m.Stdout, "the statistics equal a fresh count, cell by cell")
		return nil
	case c.Stale:
		return fmt.Errorf("%d cells differ, and the build is stale (records changed that it could not count as they applied): the workers' next rebuild counts them (or run `hub statistics rebuild`)", c.Drift())
	}
	return fmt.Errorf("%d cells differ from a fresh count of unchanged records: run `hub statistics rebuild`", c.Drift())
}

// elapsed shows, on stderr every 10 s until stop, that what is named is
// still running and for how long.
func (m *Main) elapsed(what string) (stop func()) {
	done := make(chan struct{})
	start := time.Now()
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(m.Stderr, "%s… %s\n", what, time.Since(start).Round(time.Second))
			}
		}
	}()
	return sync.OnceFunc(func() { close(done) })
}
