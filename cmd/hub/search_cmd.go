package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/birgemiz/hub/workers"
)

// runReindex asks the process that owns the search index to rebuild it
// and swap it in, and follows the task to its end.
func (m *Main) runReindex(ctx context.Context, args []string) error {
	if err := flag.NewFlagSet("reindex", flag.ContinueOnError).Parse(args); err != nil {
		return err
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	id, err := m.Queue.EnqueueSearchReindex(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "reindex queued (task %s); searches keep answering from the current index until the swap\n", id)
	res, err := m.followTask(ctx, workers.QueueSearch, id)
	if err != nil {
		return err
	}
	var r struct {
		Documents int
		Seconds   float64
	}
	_ = json.Unmarshal(res, &r)
	fmt.Fprintf(m.Stdout, "index rebuilt and swapped in: %d documents in %.1f s\n", r.Documents, r.Seconds)
	return nil
}

// runSearch runs `hub search check [--repair]`.
func (m *Main) runSearch(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: hub search check [--repair]")
	}
	fs := flag.NewFlagSet("search check", flag.ContinueOnError)
	repair := fs.Bool("repair", false, "queue missing and stale records and delete extra documents")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	id, err := m.Queue.EnqueueSearchCheck(ctx, *repair)
	if err != nil {
		return err
	}
	res, err := m.followTask(ctx, workers.QueueSearch, id)
	if err != nil {
		return err
	}
	var r workers.CheckReport
	if err := json.Unmarshal(res, &r); err != nil {
		return fmt.Errorf("check report: %w", err)
	}
	fmt.Fprintf(m.Stdout, "indexed %d, expected %d: %d missing, %d stale, %d extra", r.Indexed, r.Expected, len(r.Missing), len(r.Stale), len(r.Extra))
	if r.Repaired {
		fmt.Fprint(m.Stdout, " — repaired")
	}
	fmt.Fprintln(m.Stdout)
	for _, l := range []struct {
		name string
		ids  []string
	}{{"missing", r.Missing}, {"stale", r.Stale}, {"extra", r.Extra}} {
		for i, id := range l.ids {
			if i == 20 {
				fmt.Fprintf(m.Stdout, "  … %d more %s\n", len(l.ids)-20, l.name)
				break
			}
			fmt.Fprintf(m.Stdout, "  %s %s\n", l.name, id)
		}
	}
	if r.Drift() > 0 && !r.Repaired {
		return errors.New("the index has drifted from PostgreSQL; run `hub search check --repair`")
	}
	return nil
}

// followTask waits for a task's outcome, hinting when no process owns
// the queue.
func (m *Main) followTask(ctx context.Context, queue, id string) ([]byte, error) {
	start, hinted := time.Now(), false
	for {
		done, res, err := m.Queue.TaskOutcome(queue, id)
		if err != nil {
			return nil, fmt.Errorf("task %s failed: %w", id, err)
		}
		if done {
			return res, nil
		}
		if !hinted && time.Since(start) > 10*time.Second {
			owner := "`hub serve` (it owns the embedded index)"
			if !m.embeddedSearch() {
				owner = "`hub serve` or `hub worker`"
			}
			fmt.Fprintf(m.Stderr, "waiting for %s to run the task…\n", owner)
			hinted = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped waiting; the task stays queued: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
