package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/ingest/hsds"
)

// Task types of the batch family.
const (
	TypeBatchProcess   = "batch:process"
	TypeBatchReconcile = "batch:reconcile"
)

// QueueIngest is the queue batch tasks run on.
const QueueIngest = "ingest"

// DefaultChunkSize is how many records a batch applies per transaction:
// large enough for set-based writes to pay, small enough that a crash
// repeats little work.
const DefaultChunkSize = 5000

// BatchPayload names the batch a task processes; the body stays in PostgreSQL.
type BatchPayload struct {
	BatchID string `json:"batch_id"`
}

// NewBatchProcessTask returns the task that processes a stored batch. Its
// task id is derived from the batch id, so enqueueing it again while it is
// pending or running is refused by asynq instead of running it twice.
func NewBatchProcessTask(batchID string) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(BatchPayload{BatchID: batchID})
	return asynq.NewTask(TypeBatchProcess, b), []asynq.Option{
		asynq.TaskID("batch:" + batchID), asynq.Queue(QueueIngest), asynq.MaxRetry(20), asynq.Timeout(6 * time.Hour),
	}
}

// BatchProcessor applies stored batches. A retry (or a second worker after
// a crash) resumes at the first line not yet committed.
type BatchProcessor struct {
	Batches   hub.BatchService
	Sources   hub.SourceService
	ChunkSize int
	Log       *slog.Logger
	// AfterChunk, when set, is called after each committed chunk (tests use
	// it to crash a worker mid-batch).
	AfterChunk func(batchID string, c *hub.Chunk)
	// OnChange, when set, is called after a chunk that created, updated or
	// deleted records: the search index has changes to pick up.
	OnChange func(ctx context.Context)
	// Upkeep, when set, runs after each finished batch (see Deps.Upkeep).
	Upkeep func(ctx context.Context) error
}

// ProcessTask implements asynq.Handler.
func (p *BatchProcessor) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var payload BatchPayload
	if err := json.Unmarshal(t.Payload(), &payload); err != nil || payload.BatchID == "" {
		return fmt.Errorf("batch task payload %q: %v: %w", t.Payload(), err, asynq.SkipRetry)
	}
	err := p.Process(ctx, payload.BatchID)
	if err == nil || hub.ErrorCode(err) == hub.EINVALID || hub.ErrorCode(err) == hub.ENOTFOUND {
		if err != nil {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return nil
	}
	// A transient failure: asynq retries with backoff. On the last attempt
	// the batch is marked failed so it does not sit in "processing".
	if retried, ok := asynq.GetRetryCount(ctx); ok {
		if max, ok := asynq.GetMaxRetry(ctx); ok && retried >= max {
			p.Log.ErrorContext(ctx, "batch failed after retries", "batch", payload.BatchID, "attempts", retried+1, "err", err)
			if ferr := p.Batches.FinishBatch(context.WithoutCancel(ctx), payload.BatchID, hub.BatchFailed,
				"internal error while applying the batch; operators have the details in the logs"); ferr != nil {
				return errors.Join(err, ferr)
			}
		}
	}
	return err
}

// Process applies one batch from where its progress stands to its end.
func (p *BatchProcessor) Process(ctx context.Context, batchID string) error {
	log := p.Log.With("batch", batchID)
	b, err := p.Batches.StartBatch(ctx, batchID)
	if hub.ErrorCode(err) == hub.ECONFLICT {
		log.InfoContext(ctx, "batch already finished; nothing to do")
		return nil
	} else if err != nil {
		return err
	}
	log = log.With("source", b.Source, "attempt", b.Attempts)
	log.InfoContext(ctx, "batch processing", "lines", b.Lines, "resume_at_line", b.ProcessedLines)
	body, err := p.Batches.BatchBody(ctx, batchID)
	if err != nil {
		return err
	}
	src, err := p.Sources.FindSourceByName(ctx, b.Source)
	if err != nil {
		return err
	}
	dec, err := reader(b, body, src)
	if err != nil {
		log.WarnContext(ctx, "batch rejected whole", "reason", hub.ErrorMessage(err))
		return p.Batches.FinishBatch(ctx, batchID, hub.BatchFailed, hub.ErrorMessage(err))
	}

	size := p.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	chunk := &hub.Chunk{FromLine: b.ProcessedLines}
	var total hub.BatchCounts
	flush := func(toLine int) error {
		chunk.ToLine = toLine
		counts, err := p.Batches.ApplyChunk(ctx, batchID, chunk)
		if err != nil {
			return err
		}
		total = total.Add(counts)
		if p.OnChange != nil && counts.Created+counts.Updated+counts.Deleted > 0 {
			p.OnChange(ctx)
		}
		if p.AfterChunk != nil {
			p.AfterChunk(batchID, chunk)
		}
		chunk = &hub.Chunk{FromLine: toLine}
		return nil
	}
	for {
		rec, errs, err := dec.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if dec.Line() <= b.ProcessedLines {
			continue // committed by an earlier attempt
		}
		if rec != nil {
			chunk.Records = append(chunk.Records, rec)
		}
		if csv, ok := dec.(*ingest.CSVDecoder); ok && rec == nil && dec.Line() == csv.HeaderLine() {
			chunk.Notices = append(chunk.Notices, errs...) // about the header, not a record
		} else if sr, ok := dec.(*sliceReader); ok && rec == nil && len(errs) > 0 {
			// An HSDS package's errors, on rows of several CSV files: stored
			// as they are, and the records they rejected counted by number.
			chunk.Notices = append(chunk.Notices, errs...)
			chunk.Failed += sr.rejected
		} else {
			chunk.Errors = append(chunk.Errors, errs...)
		}
		if len(chunk.Records)+len(chunk.Errors) >= size {
			if err := flush(dec.Line()); err != nil {
				return err
			}
		}
	}
	if dec.Line() > chunk.FromLine {
		if err := flush(dec.Line()); err != nil {
			return err
		}
	}
	if b.PullRunID != "" {
		// A page of a pulled snapshot: its run sweeps, once, when its last
		// page finishes (see pull.go).
		if err := p.finishPullPage(ctx, b, log); err != nil {
			return err
		}
	} else {
		if b.Mode == hub.ModeSnapshot {
			// Before finishing: a crash between the two repeats the sweep,
			// which is idempotent, rather than skipping it.
			if err := p.sweep(ctx, b.ID, src); err != nil {
				return err
			}
		}
		if err := p.Batches.FinishBatch(ctx, batchID, hub.BatchDone, ""); err != nil {
			return err
		}
	}
	log.InfoContext(ctx, "batch done", "created", total.Created, "updated", total.Updated, "deleted", total.Deleted,
		"unchanged", total.Unchanged, "stale", total.Stale, "failed", total.Failed)
	if p.Upkeep != nil && total.Created+total.Updated+total.Deleted > 0 {
		// The batch is done either way; the reconcile schedule tries again.
		if err := p.Upkeep(ctx); err != nil {
			log.WarnContext(ctx, "table upkeep after the batch failed", "err", err)
		}
	}
	return nil
}

// reader returns the decoder for a batch's format, with the source's own
// category words; an error when the body is not a feed of that format.
func reader(b *hub.Batch, body []byte, src *hub.Source) (ingest.RecordReader, error) {
	opts := ingest.Options{Categories: src.Categories}
	switch b.Format {
	case hub.FormatNDJSON, "":
		if err := ingest.Sniff(body); err != nil {
			return nil, err
		}
		return ingest.NewDecoderOptions(bytes.NewReader(body), opts), nil
	case hub.FormatCSV:
		if err := ingest.SniffCSV(body, b.RecordType); err != nil {
			return nil, err
		}
		return ingest.NewCSVDecoder(bytes.NewReader(body), b.RecordType, opts), nil
	case hub.FormatHSDS:
		pkg, err := hsds.ReadZip(body)
		if err != nil {
			return nil, err
		}
		res, err := hsds.DecodePackage(pkg, hsds.Options{UpdatedAt: b.ReceivedAt, Categories: src.Categories})
		if err != nil {
			return nil, err
		}
		return &sliceReader{errs: res.Errors, recs: res.Records, rejected: res.Rejected}, nil
	}
	return nil, hub.Errorf(hub.EINVALID, "unknown feed format %q", b.Format)
}

// sliceReader serves records decoded in one go (an HSDS package) one step
// at a time: first the package's errors, then each record. Its Line is the
// step, which is what progress counts; the records and errors keep the
// rows of their CSV files for operators.
type sliceReader struct {
	errs     []hub.RecordError
	recs     []*hub.FeedRecord
	rejected int // records the errors kept out
	step     int
}

func (r *sliceReader) Next() (*hub.FeedRecord, []hub.RecordError, error) {
	defer func() { r.step++ }()
	switch {
	case r.step == 0 && len(r.errs) > 0:
		return nil, r.errs, nil
	case r.step == 0:
		r.step++
		fallthrough
	default:
		i := r.step - 1
		if i >= len(r.recs) {
			r.step--
			return nil, nil, io.EOF
		}
		return r.recs[i], nil, nil
	}
}

func (r *sliceReader) Line() int { return r.step }

// sweep deletes what a snapshot no longer lists, after the grace. It never
// sweeps after a snapshot in which a record failed: a record the source
// listed but the hub could not read was still listed.
func (p *BatchProcessor) sweep(ctx context.Context, batchID string, src *hub.Source) error {
	b, err := p.Batches.FindBatchByID(ctx, batchID)
	if err != nil {
		return err
	}
	accepted := b.Counts.Total() - b.Counts.Failed
	switch {
	case b.Counts.Failed > 0:
		return p.Batches.RecordSweep(ctx, batchID, 0, fmt.Sprintf("not swept: %d records failed, and a snapshot deletes only after every record applied", b.Counts.Failed))
	case accepted == 0:
		return p.Batches.RecordSweep(ctx, batchID, 0, "not swept: the snapshot held no records")
	}
	grace := hub.DefaultGrace
	if src.Pull != nil && src.Pull.Grace > 0 {
		grace = src.Pull.Grace
	}
	n, err := p.Batches.SweepSnapshot(ctx, src.ID, b.TypesSeen, *b.StartedAt, grace)
	if err != nil {
		return err
	}
	p.Log.InfoContext(ctx, "snapshot swept", "batch", batchID, "source", src.Name, "deleted", n, "grace", grace)
	return p.Batches.RecordSweep(ctx, batchID, n, "")
}

// Reconciler rescues batches that are stored but lost: with no task
// (received while Redis was down, or whose task vanished with a Redis
// flush), or whose task was left active by a worker that died (see
// Enqueuer.RescueBatch). asynq refuses a duplicate of a task that still
// exists, and a dead worker's batch gets one copy per attempt; when asynq
// later revives the dead worker's task as well, chunk progress lets only
// one of them apply each chunk, so a rerun resumes, never repeats.
type Reconciler struct {
	Batches hub.BatchService
	Queue   *Enqueuer
	// After is how long a batch may make no progress before it is considered lost.
	After time.Duration
	Now   func() time.Time
	Log   *slog.Logger
	// Upkeep, when set, runs on every reconcile (see Deps.Upkeep).
	Upkeep func(ctx context.Context) error
}

// NewBatchReconcileTask returns the periodic reconcile task.
func NewBatchReconcileTask() *asynq.Task { return asynq.NewTask(TypeBatchReconcile, nil) }

// ProcessTask implements asynq.Handler.
func (r *Reconciler) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	_, err := r.Reconcile(ctx)
	if r.Upkeep != nil {
		err = errors.Join(err, r.Upkeep(ctx))
	}
	return err
}

// Reconcile enqueues every lost batch and returns how many it enqueued.
func (r *Reconciler) Reconcile(ctx context.Context) (int, error) {
	ids, err := r.Batches.FindUnfinishedBatches(ctx, r.Now().Add(-r.After))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		b, err := r.Batches.FindBatchByID(ctx, id)
		if err != nil {
			return n, err
		}
		enqueued, err := r.Queue.RescueBatch(ctx, id, b.Attempts)
		if err != nil {
			return n, err
		}
		if enqueued {
			n++
			r.Log.InfoContext(ctx, "re-enqueued a lost batch", "batch", id, "attempts", b.Attempts)
		}
	}
	return n, nil
}
