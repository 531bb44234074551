package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/demo"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/postgres"
)

// DefaultDemoVolunteers is how many synthetic volunteers `hub demo` makes.
const DefaultDemoVolunteers = 2000

// runDemo loads the bundled demo feeds through the normal pipeline (stored
// batches, asynq, the same workers) and then serves them.
func (m *Main) runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	loadOnly := fs.Bool("load-only", false, "load the demo data and exit instead of serving it")
	volunteers := fs.Int("volunteers", DefaultDemoVolunteers, "synthetic volunteers to generate")
	scaleName := fs.String("scale", "", "load a larger synthetic dataset instead of the small one: "+demo.ScaleNames())
	revision := fs.Int("revision", 0, "with --scale: the nightly snapshot to load, 0 the first; each later one changes about 1% of the records")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *volunteers < 0 {
		return fmt.Errorf("--volunteers %d: the number of synthetic volunteers cannot be negative", *volunteers)
	}
	var scale *demo.Scale
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["scale"] {
		if set["volunteers"] {
			return errors.New("--scale and --volunteers do not go together: a scale has its own number of volunteers " +
				"(" + scaleSizes() + "); use one or the other")
		}
		sc, err := demo.ScaleNamed(*scaleName)
		if err != nil {
			return fmt.Errorf("--scale: %w", err)
		}
		if *revision < 0 || *revision > 365 {
			return fmt.Errorf("--revision %d: a snapshot's revision is from 0 (the first) to 365", *revision)
		}
		sc.Revision = *revision
		scale = &sc
	} else if set["revision"] {
		return errors.New("--revision is a revision of a --scale dataset: give --scale too")
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
	if scale != nil {
		// A load's CPU profile: HUB_DEBUG_ADDR, as for hub serve.
		stopDebug := m.serveDebug()
		err := m.loadScale(ctx, *scale, start)
		stopDebug()
		if err != nil {
			return err
		}
	} else {
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
	}
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
		src, err := m.demoSource(ctx, f.Source)
		if err != nil {
			return nil, err
		}
		b, err := m.submitBatch(ctx, src, "demo/"+f.Name+".ndjson", f.Body, ingest.CountLines(f.Body))
		if err != nil {
			return nil, err
		}
		ids = append(ids, b.ID)
	}
	return m.follow(ctx, ids)
}

// demoSource returns the demo source s, creating it when it is missing.
func (m *Main) demoSource(ctx context.Context, s hub.Source) (*hub.Source, error) {
	src, err := m.Services.Sources.FindSourceByName(ctx, s.Name)
	if hub.ErrorCode(err) == hub.ENOTFOUND {
		src = &s
		_, err = m.Services.Sources.CreateSource(ctx, src) // demo sources do not push: their credentials are not needed
	}
	if err != nil {
		return nil, fmt.Errorf("demo source %s: %w", s.Name, err)
	}
	return src, nil
}

// scaleSizes says how many volunteers each scale has.
func scaleSizes() string {
	var s []string
	for _, sc := range demo.Scales() {
		s = append(s, fmt.Sprintf("%s: %s", sc.Name, thousands(sc.Volunteers)))
	}
	return strings.Join(s, "; ")
}

// revisionNote names a revision after the first, for the load's first line.
func revisionNote(r int) string {
	if r == 0 {
		return ""
	}
	return fmt.Sprintf(", revision %d: about 1%% of volunteers, participations and projects changed over revision %d", r, r-1)
}

// scaleWindow is how many batches of a scaled load may be stored and not
// yet applied: the workers always have the next batch while the generator
// makes the one after, and the database does not fill with waiting bodies.
const scaleWindow = 4

// loadScale generates a scaled dataset batch by batch and loads it through
// the pipeline, with the article feeds: each batch is stored and queued
// like a push, at most scaleWindow wait at a time, and a phase's batches
// are queued only once the phases they refer to are applied (a reference
// into a batch still being applied by the other worker would find nothing
// and never resolve). It then waits until the search index and the
// statistics have caught up, and reports the load time and rate.
func (m *Main) loadScale(ctx context.Context, sc demo.Scale, start time.Time) error {
	planStart := time.Now()
	gen := demo.NewScaleGenerator(sc)
	c := gen.Counts()
	fmt.Fprintf(m.Stdout, "%s scale: %s organizations, %s projects, %s volunteers, %s participations, %s UN placements, %s indicators "+
		"(%s records, source %s%s), planned in %s\n",
		sc.Name, thousands(c[hub.TypeOrganization]), thousands(c[hub.TypeProject]), thousands(c[hub.TypeVolunteer]),
		thousands(c[hub.TypeParticipation]), thousands(c[hub.TypeUNPlacement]), thousands(c[hub.TypeIndicator]),
		thousands(gen.Total()), sc.Source().Name, revisionNote(sc.Revision), time.Since(planStart).Round(time.Millisecond))
	t := &scaleTracker{m: m, start: time.Now(), phase: map[string]int{}}
	articles := demo.ArticleFeeds()
	t.total = gen.Total()
	for _, f := range articles {
		t.total += ingest.CountLines(f.Body)
	}
	t.startProgress()
	defer t.stopProgress()

	// The article feeds are other sources: nothing of the scale refers to them.
	for _, f := range articles {
		src, err := m.demoSource(ctx, f.Source)
		if err != nil {
			return err
		}
		lines := ingest.CountLines(f.Body)
		b, err := m.submitBatch(ctx, src, "demo/"+f.Name+".ndjson", f.Body, lines)
		if err != nil {
			return err
		}
		t.add(b, 0, lines)
	}
	src, err := m.demoSource(ctx, sc.Source())
	if err != nil {
		return err
	}
	err = gen.Generate(func(sb demo.ScaleBatch) error {
		if err := t.wait(ctx, func() bool { return t.unfinished(sb.Phase) == 0 && t.unfinished(0) < scaleWindow }); err != nil {
			return err
		}
		b, err := m.submitBatch(ctx, src, "demo/"+sb.Name+".ndjson", sb.Body, sb.Lines)
		if err != nil {
			return err
		}
		t.add(b, sb.Phase, sb.Lines)
		if sb.Lead {
			return t.settle(ctx, b.ID)
		}
		return nil
	})
	if err == nil {
		err = t.wait(ctx, func() bool { return t.unfinished(0) == 0 })
	}
	if err != nil {
		return err
	}
	applied := time.Since(t.start)
	t.stopProgress()
	m.printBatches(t.summary())
	if err := t.reportFailures(ctx); err != nil {
		return err
	}
	rate := float64(t.total) / applied.Seconds()
	fmt.Fprintf(m.Stdout, "records applied: %s in %s, %s records/s (generating and applying, %d batches)\n",
		thousands(t.total), applied.Round(time.Second), thousands(int(rate)), len(t.batches))

	// After the load the workers index the changed projects, organizations
	// and placements, and rebuild the statistics; until then search and
	// statistics answer from what they had.
	indexed, rebuilt, err := m.waitQueryable(ctx, t.start)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "search index up to date after %s; statistics rebuilt after %s\n",
		indexed.Round(time.Second), rebuilt.Round(time.Second))
	total := time.Since(start)
	fmt.Fprintf(m.Stdout, "%s data loaded and queryable in %s: %s records, %s records/s\n",
		sc.Name, total.Round(time.Second), thousands(t.total), thousands(int(float64(t.total)/total.Seconds())))
	return nil
}

// waitQueryable waits until the search outbox is drained and the statistics
// are not older than the records, and returns when each happened, since
// from. A statistics rebuild is asked for again while they are stale: the
// one the last chunk queued may have started before it (the workers' own
// check comes once a minute).
func (m *Main) waitQueryable(ctx context.Context, from time.Time) (indexed, rebuilt time.Duration, err error) {
	var lastAsk, lastLog time.Time
	for {
		pending, err := m.Services.SearchOutbox.PendingSearchChanges(ctx)
		if err != nil {
			return 0, 0, err
		}
		if pending == 0 && indexed == 0 {
			indexed = time.Since(from)
		}
		stale, err := m.Services.Statistics.StatisticsStale(ctx)
		if err != nil {
			return 0, 0, err
		}
		if !stale && rebuilt == 0 {
			rebuilt = time.Since(from)
		}
		if indexed > 0 && rebuilt > 0 {
			return indexed, rebuilt, nil
		}
		if stale && time.Since(lastAsk) > 5*time.Second {
			if err := m.Queue.EnqueueStatsRebuild(ctx); err != nil {
				m.Log.Warn("could not ask for a statistics rebuild; the workers' own check will", "err", err)
			}
			lastAsk = time.Now()
		}
		if time.Since(lastLog) > 10*time.Second {
			m.Log.Info("waiting for search and statistics", "search_changes_pending", pending, "statistics_stale", stale)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("stopped waiting; the workers finish indexing and the statistics when they run again: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// scaleTracker follows the batches of a scaled load.
type scaleTracker struct {
	m         *Main
	start     time.Time
	total     int // records to load
	submitted int // records stored as batches so far
	batches   []*hub.Batch
	phase     map[string]int
	bar       *progressbar.ProgressBar
	lastLog   time.Time
}

func (t *scaleTracker) add(b *hub.Batch, phase, lines int) {
	t.batches = append(t.batches, b)
	t.phase[b.ID] = phase
	t.submitted += lines
}

// unfinished counts the batches not yet done or failed, of the phases
// before phase (of every phase when it is 0); article batches (phase 0)
// hold up no phase.
func (t *scaleTracker) unfinished(phase int) int {
	n := 0
	for _, b := range t.batches {
		p := t.phase[b.ID]
		if b.Status != hub.BatchDone && b.Status != hub.BatchFailed && (phase == 0 || (p > 0 && p < phase)) {
			n++
		}
	}
	return n
}

// wait polls the batches until ready, showing progress, and stops at the
// first batch that failed or has failed records.
func (t *scaleTracker) wait(ctx context.Context, ready func() bool) error {
	for {
		applied := 0
		for i, b := range t.batches {
			if b.Status != hub.BatchDone && b.Status != hub.BatchFailed {
				nb, err := t.m.Services.Batches.FindBatchByID(ctx, b.ID)
				if err != nil {
					return err
				}
				t.batches[i], b = nb, nb
				if b.Status == hub.BatchFailed || b.Counts.Failed > 0 {
					t.stopProgress()
					if err := t.m.reportErrors(ctx, b); err != nil {
						return err
					}
					return fmt.Errorf("batch %s (%s) has %d failed records; stopped loading", b.ID, b.Filename, b.Counts.Failed)
				}
			}
			applied += min(b.ProcessedLines, b.Lines)
			if b.Status == hub.BatchDone {
				applied += b.Lines - min(b.ProcessedLines, b.Lines)
			}
		}
		t.progress(applied)
		if ready() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped loading; the batches stored so far will be processed: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// settle waits for a lead batch (demo.ScaleBatch.Lead) to be applied and
// for provenance, which every record is looked up in, to be analyzed with
// it: the worker's own upkeep after the batch may still be running, or may
// have read the table statistics before the batch's last chunk was counted
// in them.
func (t *scaleTracker) settle(ctx context.Context, id string) error {
	if err := t.wait(ctx, func() bool { return !t.pending(id) }); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		done, err := t.m.DB.Upkeep(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(done, func(u postgres.TableUpkeep) bool { return u.Table == "provenance" }) {
			return nil // analyzed, by the worker or just now
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nil
}

// pending reports whether batch id is not yet done or failed.
func (t *scaleTracker) pending(id string) bool {
	for _, b := range t.batches {
		if b.ID == id {
			return b.Status != hub.BatchDone && b.Status != hub.BatchFailed
		}
	}
	return false
}

func (t *scaleTracker) startProgress() {
	if f, ok := t.m.Stderr.(*os.File); ok && isTerminal(f) {
		t.bar = progressbar.NewOptions(t.total, progressbar.OptionSetWriter(t.m.Stderr), progressbar.OptionSetDescription("generating and applying"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth())
	}
	t.lastLog = time.Now()
}

func (t *scaleTracker) stopProgress() {
	if t.bar != nil {
		_ = t.bar.Finish()
		fmt.Fprintln(t.m.Stderr)
		t.bar = nil
	}
}

func (t *scaleTracker) progress(applied int) {
	if t.bar != nil {
		t.bar.Describe(fmt.Sprintf("generated %s, applying", thousands(t.submitted)))
		_ = t.bar.Set(applied)
		return
	}
	if time.Since(t.lastLog) > 10*time.Second {
		secs := time.Since(t.start).Seconds()
		t.m.Log.Info("loading", "generated", t.submitted, "applied", applied, "total", t.total, "batches", len(t.batches),
			"records_per_s", int(float64(applied)/secs), "elapsed", time.Since(t.start).Round(time.Second).String())
		t.lastLog = time.Now()
	}
}

// summary sums the receipts per source and phase, for one line each.
func (t *scaleTracker) summary() []*hub.Batch {
	var out []*hub.Batch
	at := map[string]*hub.Batch{}
	names := []string{"", "organizations", "projects", "volunteers", "un placements"}
	for _, b := range t.batches {
		key := b.Source
		if p := t.phase[b.ID]; p > 0 {
			key = fmt.Sprintf("%s %d %s", b.Source, p, names[p])
		}
		s := at[key]
		if s == nil {
			s = &hub.Batch{Source: key, Status: hub.BatchDone}
			at[key] = s
			out = append(out, s)
		}
		s.Lines += b.Lines
		s.Counts = s.Counts.Add(b.Counts)
		if b.Status != hub.BatchDone {
			s.Status = b.Status
		}
	}
	return out
}

// reportFailures prints the errors of any batch with failed records.
func (t *scaleTracker) reportFailures(ctx context.Context) error {
	failed := 0
	for _, b := range t.batches {
		if err := t.m.reportErrors(ctx, b); err != nil {
			return err
		}
		failed += b.Counts.Failed
	}
	if failed > 0 {
		return fmt.Errorf("%d records failed", failed)
	}
	return nil
}

// thousands writes n in groups of three: 1000000 is "1,000,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
