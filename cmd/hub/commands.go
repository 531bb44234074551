package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/workers"
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
	stats := fs.Bool("stats", false, "report records/s applied and the same rows' raw COPY rate as the ceiling")
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
	if err := m.openDB(ctx); err != nil {
		return err
	}
	if err := m.checkKeys(ctx); err != nil {
		return err
	}
	// Redis down is no reason to refuse a feed: the batch is stored, and
	// the workers' reconciler queues it once Redis is back.
	if err := m.openQueue(); err != nil {
		m.Log.Warn("Redis is unreachable; the batch will be stored and queued by the workers once Redis is back", "err", err)
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
	if *stats {
		if err := m.printStats(ctx, batches[0], body); err != nil {
			return err
		}
	}
	return m.reportErrors(ctx, batches[0])
}

// printStats reports the batch's apply rate (from its start to its finish
// as the worker recorded them) beside a bare COPY of the same rows.
func (m *Main) printStats(ctx context.Context, b *hub.Batch, body []byte) error {
	if b.StartedAt == nil || b.FinishedAt == nil {
		return nil
	}
	applied := b.FinishedAt.Sub(*b.StartedAt)
	dec := ingest.NewDecoder(bytes.NewReader(body))
	var recs []*hub.FeedRecord
	for {
		rec, _, err := dec.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
	ceiling, err := m.Services.Batches.CopyCeiling(ctx, recs)
	if err != nil {
		return fmt.Errorf("copy ceiling: %w", err)
	}
	rate := float64(b.Lines) / applied.Seconds()
	copyRate := float64(len(recs)) / ceiling.Seconds()
	fmt.Fprintf(m.Stdout, "\napplied %d records in %s: %.0f records/s end to end\n", b.Lines, applied.Round(time.Millisecond), rate)
	fmt.Fprintf(m.Stdout, "raw COPY of the same %d rows: %s, %.0f rows/s (the ceiling)\n", len(recs), ceiling.Round(time.Millisecond), copyRate)
	fmt.Fprintf(m.Stdout, "ratio: %.3f of the COPY ceiling\n", rate/copyRate)
	return nil
}

// runSources manages sources.
func (m *Main) runSources(ctx context.Context, args []string) error {
	usage := errors.New("usage: hub sources add NAME --kind KIND [flags] | hub sources list | hub sources rotate NAME [--grace 24h] | hub sources pull NAME")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "add":
		return m.runSourcesAdd(ctx, args[1:])
	case "list":
		return m.runSourcesList(ctx)
	case "pull":
		return m.runSourcesPull(ctx, args[1:])
	case "rotate":
		fs := flag.NewFlagSet("sources rotate", flag.ContinueOnError)
		grace := fs.Duration("grace", 24*time.Hour, "how long the old token and secret stay valid")
		rest, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(rest) != 1 {
			return errors.New("usage: hub sources rotate NAME [--grace 24h]")
		}
		if *grace < 0 {
			return fmt.Errorf("--grace %s: a grace period cannot be negative (0s ends the old credentials now)", *grace)
		}
		if err := m.openDB(ctx); err != nil {
			return err
		}
		if err := m.checkKeys(ctx); err != nil {
			return err
		}
		creds, err := m.Services.Sources.RotateSourceCredentials(ctx, rest[0], *grace)
		if err != nil {
			return errors.New(hub.ErrorMessage(err))
		}
		fmt.Fprintf(m.Stdout, "new credentials for %s; the old ones stay valid for %s:\n", rest[0], *grace)
		m.printCredentials(creds)
		return nil
	}
	return usage
}

// categoryFlags collects repeated --category word=CODE flags.
type categoryFlags map[string]string

func (c categoryFlags) String() string { return fmt.Sprint(map[string]string(c)) }

func (c categoryFlags) Set(v string) error {
	word, code, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(word) == "" {
		return errors.New("use --category 'word=CODE', e.g. --category 'экологическое=ECOLOGY'")
	}
	c[hub.NormalizeCategoryWord(word)] = strings.ToUpper(strings.TrimSpace(code))
	return nil
}

func (m *Main) runSourcesAdd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sources add", flag.ContinueOnError)
	kind := fs.String("kind", "", "one of "+joinKinds())
	region := fs.String("region", "", "ISO 3166-2:KZ code, for a regional platform")
	desc := fs.String("description", "", "what the source is")
	cats := categoryFlags{}
	fs.Var(cats, "category", "the source's own category word and its direction, 'word=CODE' (repeatable)")
	pullURL := fs.String("pull-url", "", "URL the hub fetches the source's feed from (empty: the source pushes)")
	format := fs.String("format", "ndjson", "pulled feed format: ndjson, csv or hsds")
	recordType := fs.String("type", "", "record type of a CSV feed")
	schedule := fs.String("schedule", "@every 1h", "when to pull: a cron spec or @every DURATION")
	mode := fs.String("mode", "delta", "delta (changes only what it names) or snapshot (the whole catalogue)")
	grace := fs.Duration("grace", hub.DefaultGrace, "snapshot: how long a record may be missing before it is deleted")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: hub sources add NAME --kind KIND [--region KZ-xx] [--description TEXT] [--category word=CODE …] [--pull-url URL --format F --schedule S --mode M]")
	}
	var pullOnly []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "format", "type", "schedule", "mode", "grace":
			pullOnly = append(pullOnly, "--"+f.Name)
		}
	})
	switch {
	case *pullURL == "" && len(pullOnly) > 0:
		return fmt.Errorf("%s: these describe a pulled feed and go with --pull-url; a source without it pushes", strings.Join(pullOnly, ", "))
	case *pullURL != "" && !workers.ValidSchedule(*schedule):
		return fmt.Errorf("--schedule %q is not a cron spec (\"0 3 * * *\") or @every DURATION (\"@every 1h\")", *schedule)
	case *grace < 0:
		return fmt.Errorf("--grace %s: a grace period cannot be negative", *grace)
	}
	src := &hub.Source{Name: rest[0], Kind: hub.SourceKind(strings.ToUpper(*kind)), RegionCode: *region, Description: *desc,
		Categories: cats}
	if *pullURL != "" {
		src.Pull = &hub.PullConfig{URL: *pullURL, Format: hub.FeedFormat(*format), RecordType: hub.RecordType(*recordType),
			Schedule: *schedule, Mode: hub.FeedMode(*mode), Grace: *grace}
	}
	if err := m.openDB(ctx); err != nil {
		return err
	}
	if err := m.checkKeys(ctx); err != nil {
		return err
	}
	creds, err := m.Services.Sources.CreateSource(ctx, src)
	if err != nil {
		return errors.New(hub.ErrorMessage(err))
	}
	fmt.Fprintf(m.Stdout, "source %s (%s) created\n", src.Name, src.Kind)
	m.printCredentials(creds)
	return nil
}

// runSourcesPull asks the workers to pull a source now, outside its
// schedule. A pull of the source already queued or running is not doubled.
func (m *Main) runSourcesPull(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: hub sources pull NAME")
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	src, err := m.Services.Sources.FindSourceByName(ctx, args[0])
	if err != nil {
		return errors.New(hub.ErrorMessage(err))
	}
	if src.Pull == nil {
		return fmt.Errorf("source %s pushes its feed; only a source added with --pull-url is pulled", src.Name)
	}
	// The pull task skips a source that is not due (a schedule tick and
	// a catch-up may both enqueue one); this pull is asked for now.
	if err := m.Services.Sources.MarkPullDue(ctx, src.ID); err != nil {
		return err
	}
	queued, err := m.Queue.EnqueuePull(ctx, src.Name)
	if err != nil {
		return err
	}
	if !queued {
		fmt.Fprintf(m.Stdout, "a pull of %s is already queued or running; see `hub sources list` for its outcome\n", src.Name)
		return nil
	}
	fmt.Fprintf(m.Stdout, "pull of %s queued; the workers (`hub serve`, or `hub worker`) fetch it. `hub sources list` shows its last success, last error and next run\n", src.Name)
	return nil
}

func (m *Main) printCredentials(c *hub.SourceCredentials) {
	fmt.Fprintf(m.Stdout, `
  token:  %s
  secret: %s

These are shown once. The platform sends the token as "Authorization: Bearer <token>" and signs
each push with the secret (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).
`, c.Token, c.Secret)
}

func (m *Main) runSourcesList(ctx context.Context) error {
	if err := m.openDB(ctx); err != nil {
		return err
	}
	srcs, err := m.Services.Sources.FindSources(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tREGION\tFEED\tLAST SUCCESS\tLAST ERROR\tNEXT RUN")
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	for _, s := range srcs {
		feed := "push"
		if p := s.Pull; p != nil {
			feed = fmt.Sprintf("pull %s %s %s", p.Format, p.Mode, p.Schedule)
		}
		lastErr := "-"
		if s.Status.LastError != "" {
			lastErr = ts(s.Status.LastErrorAt) + " " + truncate(s.Status.LastError, 60)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.RegionCode, feed, ts(s.Status.LastSuccessAt), lastErr, ts(s.Status.NextRunAt))
	}
	return tw.Flush()
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
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
