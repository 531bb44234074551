package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// TypeSourcePull is the task that fetches a pulled source's feed, page by
// page, and stores each page as a batch.
const TypeSourcePull = "source:pull"

// Limits and timing of pulls.
const (
	DefaultMaxPageBytes = 256 << 20 // bytes of one page, after any gzip
	DefaultMaxPages     = 10_000    // pages of one run
	// PullMaxRetry is how often a failed pull is retried, with asynq's
	// backoff, before it waits for the next scheduled run.
	PullMaxRetry = 5
	// PullTimeout bounds one attempt.
	PullTimeout = 30 * time.Minute
	// PullUniqueFor is how long asynq holds a source's pull slot: while a
	// pull of the source is queued, running or waiting for a retry, another
	// is refused. It covers the attempts and their backoff. A pull given up
	// on (a 404) keeps the slot until it expires, which only delays the
	// next try at a broken source.
	PullUniqueFor = 2 * time.Hour
	// DefaultPullSyncEvery is how often the schedule is read from
	// PostgreSQL, so a new source is scheduled within it.
	DefaultPullSyncEvery = 30 * time.Second

	dueSlack     = 10 * time.Second // a tick this early still runs
	catchUpAfter = time.Minute      // a source overdue this long is pulled without waiting for a tick
)

// PullPayload names the source a pull task fetches. It holds nothing else:
// asynq's uniqueness is per payload, and there must be one pull per source.
type PullPayload struct {
	Source string `json:"source"`
}

// NewSourcePullTask returns the task that pulls a source. asynq.Unique makes
// it one pull per source in flight, whichever process or schedule tick
// enqueues it.
func NewSourcePullTask(source string) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(PullPayload{Source: source})
	return asynq.NewTask(TypeSourcePull, b), []asynq.Option{
		asynq.Queue(QueueIngest), asynq.MaxRetry(PullMaxRetry), asynq.Timeout(PullTimeout), asynq.Unique(PullUniqueFor),
	}
}

// EnqueuePull asks for a pull of source now. It reports false, and no
// error, when a pull of the source is already queued, running or waiting
// for a retry.
//
// A pull that failed for good is archived by asynq with its uniqueness
// slot still held (for PullUniqueFor); its outcome is on the source
// already (hub sources list), so the archived task is deleted, which frees
// the slot, and the pull is enqueued.
func (e *Enqueuer) EnqueuePull(ctx context.Context, source string) (bool, error) {
	task, opts := NewSourcePullTask(source)
	_, err := e.client.EnqueueContext(ctx, task, opts...)
	if isDuplicate(err) && e.deleteArchivedPull(task) {
		_, err = e.client.EnqueueContext(ctx, task, opts...)
	}
	if isDuplicate(err) {
		return false, nil
	}
	return err == nil, err
}

// deleteArchivedPull deletes the archived pull tasks with task's payload
// and reports whether it deleted any.
func (e *Enqueuer) deleteArchivedPull(task *asynq.Task) bool {
	archived, err := e.inspector.ListArchivedTasks(QueueIngest, asynq.PageSize(1000))
	if err != nil {
		return false
	}
	deleted := false
	for _, a := range archived {
		if a.Type == TypeSourcePull && bytes.Equal(a.Payload, task.Payload()) && e.inspector.DeleteTask(QueueIngest, a.ID) == nil {
			deleted = true
		}
	}
	return deleted
}

// PullState is where a pulled source's next run resumes: the cursor the
// source gave last (sent back as ?cursor= to a delta feed) and the
// validators of the first page (sent as If-None-Match and
// If-Modified-Since). It is stored as JSON in the source's cursor
// (hub.SourceStatus.Cursor), and moves only when a run stored every page.
type PullState struct {
	Cursor       string `json:"cursor,omitempty"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// ParsePullState reads a stored state; a value that is not one is taken
// as a bare cursor.
func ParsePullState(s string) PullState {
	var st PullState
	if s == "" {
		return st
	}
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		return PullState{Cursor: s}
	}
	return st
}

// String is the stored form.
func (s PullState) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// PullOutcome is what one pull did.
type PullOutcome struct {
	NotModified bool     // the source answered 304: nothing new
	Pages       int      // pages fetched
	Batches     []string // the batches stored, in page order (a blank page stores none)
	Run         *hub.PullRun
}

// Puller handles source:pull. It fetches a source's feed page by page and
// stores each page as a batch, as a push would be stored, then enqueues it;
// the batch processor applies it.
//
// Snapshot sources. A snapshot is the source's whole catalogue, and a page
// is only part of it: sweeping after each page, as a pushed snapshot
// batch does, would delete what the other pages list. So the pages of one
// pull are batches of one hub.PullRun, started at the pull's start, and
// the run sweeps once, with that start as seenSince, when the last of its
// pages has applied. Nothing waits for that: whichever comes last, the
// final page's FinishPullPage or the puller's CompletePullRun (the pages
// may all be applied before the puller has stored the last one), settles
// the run under the run's row lock, in the transaction that marks the page
// done, so a crash repeats it rather than losing it and two pages
// finishing at once cannot both miss it (or both sweep). A puller that
// waited for its pages instead would hold a worker slot the pages need
// (and deadlock with one worker), and a sweep task would poll. A run
// whose fetch failed part-way never completes, so it never sweeps; an
// empty snapshot stores no pages and has no run; a run with a failed page
// or record settles without sweeping and says why.
type Puller struct {
	Sources hub.SourceService
	Batches hub.BatchService
	Client  *http.Client // NewPullClient when nil
	// Enqueue tells the workers about a stored batch. Its failure is logged:
	// the batch is stored, and the reconciler enqueues it.
	Enqueue func(ctx context.Context, batchID string) error
	Now     func() time.Time
	Log     *slog.Logger

	MaxPageBytes int64 // 0 means DefaultMaxPageBytes
	MaxPages     int   // 0 means DefaultMaxPages
}

// NewPullClient returns the HTTP client pulls use: bounded waits to
// connect, for TLS and for the response headers, and for a whole page, so
// a source that hangs fails the attempt (asynq retries it) instead of
// holding a worker.
func NewPullClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: t, Timeout: 10 * time.Minute}
}

// pullError is a failed pull. Its message is recorded on the source and
// logged, so it names URLs by host and path only: a query may hold the
// cursor or a key. permanent means retrying cannot help (a 404, a body
// that is not a feed): the task is not retried and the source waits for
// its next scheduled run.
type pullError struct {
	msg       string
	permanent bool
}

func (e *pullError) Error() string { return e.msg }

func permanent(format string, args ...any) error {
	return &pullError{msg: fmt.Sprintf(format, args...), permanent: true}
}

func transient(format string, args ...any) error {
	return &pullError{msg: fmt.Sprintf(format, args...)}
}

// ProcessTask implements asynq.Handler.
func (p *Puller) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var payload PullPayload
	if err := json.Unmarshal(t.Payload(), &payload); err != nil || payload.Source == "" {
		return fmt.Errorf("pull task payload %q: %v: %w", t.Payload(), err, asynq.SkipRetry)
	}
	src, err := p.Sources.FindSourceByName(ctx, payload.Source)
	if hub.ErrorCode(err) == hub.ENOTFOUND {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	} else if err != nil {
		return err
	}
	if retried, _ := asynq.GetRetryCount(ctx); retried == 0 && !p.due(src) {
		p.Log.DebugContext(ctx, "pull not due: pulled already", "source", src.Name, "next_run", src.Status.NextRunAt)
		return nil
	}
	_, err = p.Run(ctx, src)
	var pe *pullError
	if errors.As(err, &pe) && pe.permanent {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// due reports whether a scheduled pull should run. Every worker process
// schedules every pulled source, and an "@every" schedule ticks relative to
// each process's start, so the stored next run decides, not the tick: a
// tick before it finds the source pulled by another process already.
// Retries always run.
func (p *Puller) due(src *hub.Source) bool {
	next := src.Status.NextRunAt
	return next == nil || !p.Now().Add(dueSlack).Before(*next)
}

// Pull pulls the source called name now, due or not.
func (p *Puller) Pull(ctx context.Context, name string) (*PullOutcome, error) {
	src, err := p.Sources.FindSourceByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, src)
}

// Run pulls src once and records the outcome on it: the last success and
// the new state, or the error with the state unchanged; and the next run.
func (p *Puller) Run(ctx context.Context, src *hub.Source) (*PullOutcome, error) {
	if src.Pull == nil {
		return nil, permanent("source %q is not pulled: it has no pull URL", src.Name)
	}
	start := p.Now()
	log := p.Log.With("source", src.Name, "url", safeURL(src.Pull.URL), "mode", src.Pull.Mode)
	var next *time.Time
	if sched, err := cron.ParseStandard(src.Pull.Schedule); err == nil {
		// From the start, so a tick one interval later finds the run due.
		n := sched.Next(start.UTC())
		next = &n
	} else {
		log.WarnContext(ctx, "the pull schedule is not a cron spec; the source is pulled only on request", "schedule", src.Pull.Schedule, "err", err)
	}
	state := ParsePullState(src.Status.Cursor)
	out, newState, err := p.fetch(ctx, src, state, start, log)
	// Recorded even when the task's context is cancelled (a shutdown).
	rctx := context.WithoutCancel(ctx)
	if err != nil {
		msg := err.Error()
		var pe *pullError
		if !errors.As(err, &pe) {
			msg = "internal error during the pull; operators have the details in the logs"
		}
		log.WarnContext(ctx, "pull failed", "err", err, "pages", out.Pages, "batches", len(out.Batches))
		if rerr := p.Sources.RecordSourceRun(rctx, src.ID, msg, nil, next); rerr != nil {
			return out, errors.Join(err, rerr)
		}
		return out, err
	}
	cursor := newState.String()
	if err := p.Sources.RecordSourceRun(rctx, src.ID, "", &cursor, next); err != nil {
		return out, err
	}
	log.InfoContext(ctx, "pulled", "not_modified", out.NotModified, "pages", out.Pages, "batches", len(out.Batches))
	return out, nil
}

// fetch follows the source's pages from its URL, storing each as a batch,
// and returns the state to resume from next time.
func (p *Puller) fetch(ctx context.Context, src *hub.Source, state PullState, start time.Time, log *slog.Logger) (*PullOutcome, PullState, error) {
	cfg := src.Pull
	out := &PullOutcome{}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return out, state, permanent("the pull URL of source %q is not an http(s) URL", src.Name)
	}
	if cfg.Mode == hub.ModeDelta && state.Cursor != "" {
		q := u.Query()
		q.Set("cursor", state.Cursor)
		u.RawQuery = q.Encode()
	}
	maxPages := p.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	newState := state
	visited := map[string]bool{}
	var run *hub.PullRun
	for page := 1; ; page++ {
		if page > maxPages {
			return out, state, permanent("%s has more than %d pages in one pull; serve larger pages", safeURL(cfg.URL), maxPages)
		}
		visited[u.String()] = true
		resp, err := p.get(ctx, u, page, state, cfg)
		if err != nil {
			return out, state, err
		}
		if resp.StatusCode == http.StatusNotModified {
			// Only the first page is conditional: nothing is new.
			resp.Body.Close()
			out.NotModified = true
			return out, state, nil
		}
		body, err := p.readPage(resp, u, page)
		if err != nil {
			return out, state, err
		}
		out.Pages = page
		if page == 1 {
			newState.ETag, newState.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		}
		if c := firstNonEmpty(resp.Header.Get("X-Hub-Cursor"), resp.Header.Get("X-Next-Cursor")); c != "" {
			newState.Cursor = c
		}
		next, err := nextLink(resp.Header.Values("Link"), resp.Request.URL)
		if err != nil {
			return out, state, permanent("page %d of %s: %v", page, safeURL(u.String()), err)
		}

		if !blank(body) {
			b := &hub.Batch{SourceID: src.ID, Source: src.Name, Format: cfg.Format, RecordType: cfg.RecordType, Mode: cfg.Mode,
				Filename: fmt.Sprintf("%s page %d, pulled %s", safeURL(cfg.URL), page, start.UTC().Format(time.RFC3339))}
			if cfg.Format == "" {
				b.Format = hub.FormatNDJSON
			}
			if err := checkPage(b, body, src, start); err != nil {
				return out, state, permanent("page %d of %s is not a feed: %s", page, safeURL(u.String()), hub.ErrorMessage(err))
			}
			if cfg.Mode == hub.ModeSnapshot {
				if run == nil {
					run = &hub.PullRun{SourceID: src.ID, StartedAt: start, Grace: graceOf(src)}
					if err := p.Batches.CreatePullRun(ctx, run); err != nil {
						return out, state, fmt.Errorf("store the pull run: %w", err)
					}
					out.Run = run
				}
				b.PullRunID = run.ID
			}
			if err := p.Batches.CreateBatch(ctx, b, body); err != nil {
				return out, state, fmt.Errorf("store page %d: %w", page, err)
			}
			out.Batches = append(out.Batches, b.ID)
			if err := p.Enqueue(ctx, b.ID); err != nil {
				log.WarnContext(ctx, "page stored but not enqueued; the reconciler will enqueue it", "batch", b.ID, "err", err)
			}
		}
		if next == nil {
			break
		}
		if visited[next.String()] {
			return out, state, permanent("page %d of %s links back to an earlier page as rel=\"next\"", page, safeURL(u.String()))
		}
		u = next
	}
	if run != nil {
		settled, err := p.Batches.CompletePullRun(ctx, run.ID, len(out.Batches))
		if err != nil {
			return out, state, fmt.Errorf("complete the pull run: %w", err)
		}
		out.Run = settled
		if settled.SettledAt != nil {
			log.InfoContext(ctx, "snapshot swept", "run", run.ID, "deleted", settled.Swept, "note", settled.SweepNote)
		}
	} else if cfg.Mode == hub.ModeSnapshot {
		log.WarnContext(ctx, "the snapshot held no records; nothing is deleted")
	}
	return out, newState, nil
}

// get requests one page. The first page carries the stored validators.
func (p *Puller) get(ctx context.Context, u *url.URL, page int, state PullState, cfg *hub.PullConfig) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, permanent("page %d of %s: %v", page, safeURL(u.String()), err)
	}
	req.Header.Set("Accept", acceptOf(cfg.Format))
	req.Header.Set("User-Agent", "birgemiz-hub (feed pull)")
	if page == 1 {
		if state.ETag != "" {
			req.Header.Set("If-None-Match", state.ETag)
		}
		if state.LastModified != "" {
			req.Header.Set("If-Modified-Since", state.LastModified)
		}
	}
	client := p.Client
	if client == nil {
		client = NewPullClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error quotes the whole URL, query and all; keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, transient("page %d: GET %s: %v", page, safeURL(u.String()), err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp, nil
	case resp.StatusCode == http.StatusNotModified && page == 1:
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	msg := fmt.Sprintf("page %d: GET %s answered %s", page, safeURL(u.String()), resp.Status)
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode == http.StatusTooManyRequests:
		return nil, transient("%s", msg)
	}
	return nil, permanent("%s; the hub expects 200 with a page, or 304 Not Modified", msg)
}

// readPage reads a 200 response's body within the page limit.
func (p *Puller) readPage(resp *http.Response, u *url.URL, page int) ([]byte, error) {
	defer resp.Body.Close()
	limit := p.MaxPageBytes
	if limit <= 0 {
		limit = DefaultMaxPageBytes
	}
	tooBig := func() error {
		return permanent("page %d of %s is larger than %d bytes; serve smaller pages", page, safeURL(u.String()), limit)
	}
	if resp.ContentLength > limit {
		return nil, tooBig()
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, transient("page %d of %s: reading the body: %v", page, safeURL(u.String()), err)
	}
	if int64(len(body)) > limit {
		return nil, tooBig()
	}
	return body, nil
}

// checkPage gives a pulled page the checks a pushed body gets before it is
// stored: it must be a feed of the source's format by the same Sniff rules
// (reader is what the batch processor decodes it with), and its records
// are counted as the push API counts them. An over-long NDJSON line, which
// the push API refuses with 413, is here that line's error when the batch
// is processed: there is nobody to answer 413 to.
func checkPage(b *hub.Batch, body []byte, src *hub.Source, at time.Time) error {
	probe := *b
	probe.ReceivedAt = at
	r, err := reader(&probe, body, src)
	if err != nil {
		return err
	}
	switch b.Format {
	case hub.FormatCSV:
		b.Lines = ingest.CountCSVRecords(body)
	case hub.FormatHSDS:
		if sr, ok := r.(*sliceReader); ok {
			b.Lines = len(sr.recs)
		}
	default:
		b.Lines = ingest.CountLines(body)
	}
	return nil
}

// finishPullPage finishes a page of a pulled snapshot: done, and the run
// settled if this was its last page to finish.
func (p *BatchProcessor) finishPullPage(ctx context.Context, b *hub.Batch, log *slog.Logger) error {
	run, err := p.Batches.FinishPullPage(ctx, b.ID)
	if err != nil {
		return err
	}
	if run.SettledAt != nil {
		log.InfoContext(ctx, "snapshot pull swept", "run", run.ID, "deleted", run.Swept, "note", run.SweepNote, "grace", run.Grace)
		if run.Swept > 0 && p.OnChange != nil {
			p.OnChange(ctx)
		}
	}
	return nil
}

// graceOf is how long a snapshot source's record may be missing before it
// is deleted.
func graceOf(src *hub.Source) time.Duration {
	if src.Pull != nil && src.Pull.Grace > 0 {
		return src.Pull.Grace
	}
	return hub.DefaultGrace
}

func acceptOf(f hub.FeedFormat) string {
	switch f {
	case hub.FormatCSV:
		return "text/csv"
	case hub.FormatHSDS:
		return "application/zip"
	}
	return "application/x-ndjson"
}

// blank reports whether a page holds nothing but white space: a page with
// no records, which is stored as no batch.
func blank(body []byte) bool {
	return len(bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))) == 0
}

// safeURL is a URL as logs and errors show it: scheme, host and path. The
// query may carry the cursor or an access key, the user info a password.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// nextLink returns the target of the rel="next" link among Link header
// values (RFC 8288), resolved against base, or nil when there is none.
func nextLink(values []string, base *url.URL) (*url.URL, error) {
	for _, v := range values {
		for _, l := range parseLinks(v) {
			for _, rel := range strings.Fields(l.rel) {
				if !strings.EqualFold(rel, "next") {
					continue
				}
				ref, err := url.Parse(l.target)
				if err != nil {
					return nil, errors.New(`its Link rel="next" target is not a URL`)
				}
				next := base.ResolveReference(ref)
				if next.Scheme != "http" && next.Scheme != "https" {
					return nil, errors.New(`its Link rel="next" target is not an http(s) URL`)
				}
				return next, nil
			}
		}
	}
	return nil, nil
}

type link struct{ target, rel string }

// parseLinks reads one Link field value: `<uri>; rel="next"; x=y, <uri2>;
// rel=prev`. A malformed rest of the value is ignored.
func parseLinks(s string) []link {
	var out []link
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" || s[0] != '<' {
			return out
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return out
		}
		l := link{target: strings.TrimSpace(s[1:end])}
		s = s[end+1:]
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] != ';' {
				break
			}
			s = strings.TrimLeft(s[1:], " \t")
			i := strings.IndexAny(s, "=;, \t")
			if i < 0 {
				i = len(s)
			}
			name := strings.ToLower(s[:i])
			s = strings.TrimLeft(s[i:], " \t")
			val := ""
			if s != "" && s[0] == '=' {
				s = strings.TrimLeft(s[1:], " \t")
				if s != "" && s[0] == '"' {
					var b strings.Builder
					j := 1
					for ; j < len(s) && s[j] != '"'; j++ {
						if s[j] == '\\' && j+1 < len(s) {
							j++
						}
						b.WriteByte(s[j])
					}
					val, s = b.String(), s[min(j+1, len(s)):]
				} else {
					j := strings.IndexAny(s, ";,")
					if j < 0 {
						j = len(s)
					}
					val, s = strings.TrimSpace(s[:j]), s[j:]
				}
			}
			if name == "rel" && l.rel == "" { // RFC 8288: a second rel is ignored
				l.rel = val
			}
		}
		out = append(out, l)
		if s != "" && s[0] != ',' {
			return out
		}
	}
}

// pullSchedule is the asynq PeriodicTaskConfigProvider of pulled sources:
// one source:pull entry per source, at its schedule. asynq's
// PeriodicTaskManager reads it every DefaultPullSyncEvery and registers or
// unregisters the difference, so a source added with `hub sources add` is
// scheduled within that. It also enqueues, at once, a pull for a source
// never pulled or overdue (a new source, or ticks missed while no worker
// ran, or an "@every" tick that lands after the due time): asynq.Unique
// keeps that from doubling a pull in flight.
type pullSchedule struct {
	sources hub.SourceService
	queue   *Enqueuer
	now     func() time.Time
	log     *slog.Logger

	mu     sync.Mutex
	warned map[string]string // source → the bad schedule already reported
}

// GetConfigs implements asynq.PeriodicTaskConfigProvider.
func (s *pullSchedule) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srcs, err := s.sources.FindSources(ctx)
	if err != nil {
		return nil, fmt.Errorf("pulled sources: %w", err)
	}
	now := s.now()
	var configs []*asynq.PeriodicTaskConfig
	for _, src := range srcs {
		if src.Pull == nil {
			continue
		}
		if _, err := cron.ParseStandard(src.Pull.Schedule); err != nil {
			s.warnOnce(src, err)
			continue
		}
		task, opts := NewSourcePullTask(src.Name)
		configs = append(configs, &asynq.PeriodicTaskConfig{Cronspec: src.Pull.Schedule, Task: task, Opts: opts})
		if next := src.Status.NextRunAt; next == nil || now.After(next.Add(catchUpAfter)) {
			if _, err := s.queue.EnqueuePull(ctx, src.Name); err != nil {
				s.log.WarnContext(ctx, "could not enqueue an overdue pull", "source", src.Name, "err", err)
			}
		}
	}
	return configs, nil
}

func (s *pullSchedule) warnOnce(src *hub.Source, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warned[src.Name] == src.Pull.Schedule {
		return
	}
	s.warned[src.Name] = src.Pull.Schedule
	s.log.Warn("source not scheduled: its pull schedule is not a cron spec or @every DURATION", "source", src.Name,
		"schedule", src.Pull.Schedule, "err", err)
}

// ValidSchedule reports whether spec is a schedule the scheduler reads: a
// cron spec ("0 3 * * *") or "@every 1h".
func ValidSchedule(spec string) bool {
	_, err := cron.ParseStandard(spec)
	return err == nil
}
