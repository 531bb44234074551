package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// runServe serves the API. With the embedded search engine (no MEILI_URL)
// the workers run in this process too, so one command runs the whole hub.
func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	noWorkers := fs.Bool("no-workers", false, "do not run the workers in this process")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	if err := m.openSearch(ctx); err != nil {
		return err
	}
	if !*noWorkers && m.embeddedSearch() {
		if err := m.startWorkers(); err != nil {
			return err
		}
	}
	if err := m.listen(); err != nil {
		return err
	}
	return m.serveHTTP(ctx)
}

// runWorker runs the workers alone until a signal.
func (m *Main) runWorker(ctx context.Context, args []string) error {
	if err := flag.NewFlagSet("worker", flag.ContinueOnError).Parse(args); err != nil {
		return err
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	if m.embeddedSearch() {
		m.Log.Info("the embedded search index belongs to `hub serve`; this worker applies batches only")
	} else if err := m.openSearch(ctx); err != nil {
		return err
	}
	if err := m.startWorkers(); err != nil {
		return err
	}
	m.Log.Info("workers running; stop with Ctrl-C or SIGTERM")
	<-ctx.Done()
	m.Log.Info("stopping workers; in-flight tasks get to finish", "timeout", m.Config.ShutdownTimeout)
	return nil
}

func (m *Main) runMigrate(ctx context.Context, args []string) error {
	if err := flag.NewFlagSet("migrate", flag.ContinueOnError).Parse(args); err != nil {
		return err
	}
	if err := m.openDB(ctx); err != nil {
		return err
	}
	cur, _, err := m.DB.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "database %s is at schema version %d\n", redactURL(m.Config.DatabaseURL), cur)
	return nil
}

// runIngest submits a local file as a batch, the way a push does, and
// follows it to the end with a progress bar.
func (m *Main) runIngest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	source := fs.String("source", "", "name of the source the file comes from (required)")
	wait := fs.Bool("wait", true, "follow the batch until it is processed")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *source == "" {
		return errors.New("usage: hub ingest FILE --source NAME")
	}
	path := rest[0]
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read feed: %w", err)
	}
	if err := ingest.Sniff(body); err != nil {
		return fmt.Errorf("%s: %s", path, hub.ErrorMessage(err))
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	src, err := m.Services.Sources.FindSourceByName(ctx, *source)
	if err != nil {
		return errors.New(hub.ErrorMessage(err))
	}
	b, err := m.submitBatch(ctx, src, filepath.Base(path), body, ingest.CountLines(body))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "batch %s stored: %d records from %s for source %s\n", b.ID, b.Lines, path, src.Name)
	if !*wait {
		return nil
	}
	batches, err := m.follow(ctx, []string{b.ID})
	if err != nil {
		return err
	}
	m.printBatches(batches)
	return m.reportErrors(ctx, batches[0])
}

// runSources manages sources.
func (m *Main) runSources(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: hub sources add NAME --kind KIND | hub sources list")
	}
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("sources add", flag.ContinueOnError)
		kind := fs.String("kind", "", "one of "+joinKinds())
		region := fs.String("region", "", "ISO 3166-2:KZ code, for a regional platform")
		desc := fs.String("description", "", "what the source is")
		rest, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(rest) != 1 {
			return errors.New("usage: hub sources add NAME --kind KIND [--region KZ-xx] [--description TEXT]")
		}
		if err := m.openDB(ctx); err != nil {
			return err
		}
		src := &hub.Source{Name: rest[0], Kind: hub.SourceKind(strings.ToUpper(*kind)), RegionCode: *region, Description: *desc}
		if err := m.Services.Sources.CreateSource(ctx, src); err != nil {
			return errors.New(hub.ErrorMessage(err))
		}
		fmt.Fprintf(m.Stdout, "source %s (%s) created\n", src.Name, src.Kind)
		return nil
	case "list":
		if err := m.openDB(ctx); err != nil {
			return err
		}
		srcs, err := m.Services.Sources.FindSources(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tREGION\tCREATED\tDESCRIPTION")
		for _, s := range srcs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.RegionCode, s.CreatedAt.Format(time.DateOnly), s.Description)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown sources command %q; use add or list", args[0])
}

func joinKinds() string {
	var s []string
	for _, k := range hub.SourceKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// follow polls batches until each is done or failed, drawing one progress
// bar over their lines on a terminal and logging progress otherwise.
func (m *Main) follow(ctx context.Context, ids []string) ([]*hub.Batch, error) {
	total := 0
	batches := make([]*hub.Batch, len(ids))
	for i, id := range ids {
		b, err := m.Services.Batches.FindBatchByID(ctx, id)
		if err != nil {
			return nil, err
		}
		batches[i], total = b, total+b.Lines
	}
	var bar *progressbar.ProgressBar
	if f, ok := m.Stderr.(*os.File); ok && isTerminal(f) {
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(m.Stderr), progressbar.OptionSetDescription("applying"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth())
	}
	start, lastLog, hinted := time.Now(), time.Now(), false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		done, processed, waiting := 0, 0, 0
		for i, b := range batches {
			if b.Status != hub.BatchDone && b.Status != hub.BatchFailed {
				nb, err := m.Services.Batches.FindBatchByID(ctx, b.ID)
				if err != nil {
					return nil, err
				}
				batches[i], b = nb, nb
			}
			switch b.Status {
			case hub.BatchDone, hub.BatchFailed:
				done++
				processed += b.Lines
			case hub.BatchReceived:
				waiting++
			default:
				processed += min(b.ProcessedLines, b.Lines)
			}
		}
		if bar != nil {
			_ = bar.Set(processed)
		} else if time.Since(lastLog) > 5*time.Second || done == len(batches) {
			m.Log.Info("applying batches", "records_done", processed, "records_total", total, "batches_done", done, "batches", len(batches))
			lastLog = time.Now()
		}
		if done == len(batches) {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(m.Stderr)
			}
			return batches, nil
		}
		if !hinted && waiting == len(batches)-done && time.Since(start) > 10*time.Second {
			fmt.Fprintln(m.Stderr, "\nno worker has picked the batch up yet: is `hub serve` or `hub worker` running against the same Redis?")
			hinted = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped following; the batches are stored and will be processed: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// printBatches prints each batch's receipt.
func (m *Main) printBatches(batches []*hub.Batch) {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tRECORDS\tCREATED\tUPDATED\tDELETED\tUNCHANGED\tSTALE\tFAILED\t")
	for _, b := range batches {
		c := b.Counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", b.Source, b.Status, b.Lines, c.Created, c.Updated, c.Deleted, c.Unchanged, c.Stale, c.Failed)
	}
	_ = tw.Flush()
}

// reportErrors prints a failed batch's reason and the first record errors.
func (m *Main) reportErrors(ctx context.Context, b *hub.Batch) error {
	if b.Status == hub.BatchFailed {
		return fmt.Errorf("batch %s failed: %s", b.ID, b.Error)
	}
	errs, err := m.Services.Batches.FindBatchErrors(ctx, b.ID, 20)
	if err != nil || len(errs) == 0 {
		return err
	}
	fmt.Fprintf(m.Stdout, "\nrecord errors (first %d):\n", len(errs))
	for _, e := range errs {
		field := e.Field
		if field == "" {
			field = "-"
		}
		fmt.Fprintf(m.Stdout, "  line %d  %s: %s\n", e.Line, field, e.Message)
	}
	return nil
}

// parseInterspersed parses flags that may follow positional arguments
// (`hub ingest FILE --source NAME`), which package flag alone does not.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
