package hub

import (
	"context"
	"time"
)

// Batch is one feed body a source pushed, the hub pulled, or an operator
// submitted with `hub ingest`. It is stored with its body before any worker
// sees it, and processed in chunks whose progress is committed with the data,
// so a crashed worker resumes where the last one stopped.
type Batch struct {
	ID             string // UUID
	SourceID       int64
	Source         string // source name
	Status         BatchStatus
	Format         FeedFormat
	RecordType     RecordType // for CSV: the file's one record type
	Mode           FeedMode   // delta or snapshot
	WebhookID      string     // the push's webhook-id, unique per source: a replay answers with this batch
	Filename       string     // as submitted, for operators; may be empty
	BodySize       int64
	BodySHA256     []byte
	Lines          int // records in the body: its non-blank lines
	ProcessedLines int // the physical line number (blank lines count) up to which outcomes are committed; where a retry resumes
	Counts         BatchCounts
	Error          string // why the whole batch failed, when it did
	ReceivedAt     time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
	Attempts       int
	TypesSeen      []RecordType // record types the batch held; a snapshot deletes only among these
	Swept          int          // snapshot: records deleted because the source stopped listing them
	SweepNote      string       // snapshot: why nothing was swept, when nothing was
	// PullRunID is set on the pages of a pulled snapshot: the run, not the
	// page, decides the sweep (see PullRun).
	PullRunID string
}

// SweepOutcome is what a processed snapshot's sweep did: the records it
// deleted, or why it did not sweep. Both are empty for a delta, before
// processing, and for a pulled page whose run decided nothing on it (the
// run's last page carries the outcome).
func (b *Batch) SweepOutcome() (swept *int, note string) {
	if b.Mode != ModeSnapshot || b.FinishedAt == nil {
		return nil, ""
	}
	if b.SweepNote != "" {
		return nil, b.SweepNote
	}
	if b.PullRunID != "" && b.Swept == 0 {
		return nil, ""
	}
	n := b.Swept
	return &n, ""
}

// PullRun is one pull of a snapshot source. Each page the hub fetched is a
// batch of the run; a page is only part of the catalogue, so the run sweeps
// once, after every page is stored and applied without a failed record,
// deleting what no page listed since StartedAt (after Grace).
type PullRun struct {
	ID        string // UUID
	SourceID  int64
	StartedAt time.Time
	Grace     time.Duration
	Pages     int        // set when every page is stored; 0 until then
	SettledAt *time.Time // when the run swept, or found it must not
	Swept     int        // records its sweep deleted
	SweepNote string     // why it did not sweep, when it did not
}

// BatchCounts tallies the outcome of a batch's records.
type BatchCounts struct {
	Created   int // new records
	Updated   int // records whose content changed
	Deleted   int // records deleted
	Unchanged int // same content, or this (id, updated_at) was applied before
	Stale     int // an older updated_at than the hub already has; ignored
	Failed    int // records with errors; see the batch's errors
}

// Add returns the sum of c and d.
func (c BatchCounts) Add(d BatchCounts) BatchCounts {
	return BatchCounts{c.Created + d.Created, c.Updated + d.Updated, c.Deleted + d.Deleted,
		c.Unchanged + d.Unchanged, c.Stale + d.Stale, c.Failed + d.Failed}
}

// Total is the number of records accounted for.
func (c BatchCounts) Total() int {
	return c.Created + c.Updated + c.Deleted + c.Unchanged + c.Stale + c.Failed
}

// BatchStatus is where a batch is in its life.
type BatchStatus string

// Batch statuses.
const (
	BatchReceived   BatchStatus = "received"
	BatchProcessing BatchStatus = "processing"
	BatchDone       BatchStatus = "done"
	BatchFailed     BatchStatus = "failed"
)

// FeedFormat is the encoding of a batch body.
type FeedFormat string

// Feed formats.
const (
	FormatNDJSON FeedFormat = "ndjson"
	FormatCSV    FeedFormat = "csv"
	FormatHSDS   FeedFormat = "hsds" // an Open Referral HSDS 3 tabular data package, zipped
)

// Chunk is a run of consecutive lines of a batch, applied in one
// transaction together with the batch's progress.
type Chunk struct {
	FromLine int // the batch's ProcessedLines before this chunk
	ToLine   int // ProcessedLines after it
	Records  []*FeedRecord
	Errors   []RecordError
	// Notices are errors about the feed rather than a record (a CSV
	// header's unknown column): stored with the errors, counted as no
	// record's failure.
	Notices []RecordError
	// Failed counts records the decoder rejected whose errors cannot be
	// matched to them by line (an HSDS package's errors are on rows of
	// several CSV files); they are in Notices.
	Failed int
}

// BatchService stores batches and applies them. Errors: ENOTFOUND for an
// unknown batch, ECONFLICT when another worker moved the batch on first.
type BatchService interface {
	// CreateBatch stores b and its body in one transaction: when it returns
	// nil, the batch is durable. It sets b.ID, b.Status and b.ReceivedAt.
	// ECONFLICT when the source already sent b.WebhookID.
	CreateBatch(ctx context.Context, b *Batch, body []byte) error
	// FindBatchByID returns a batch with its counts.
	FindBatchByID(ctx context.Context, id string) (*Batch, error)
	// FindBatchByWebhookID returns the batch a source pushed with webhookID, or ENOTFOUND.
	FindBatchByWebhookID(ctx context.Context, sourceID int64, webhookID string) (*Batch, error)
	// FindBatchErrors returns up to limit per-record errors of a batch, by line.
	FindBatchErrors(ctx context.Context, id string, limit int) ([]RecordError, error)
	// BatchBody returns the stored body.
	BatchBody(ctx context.Context, id string) ([]byte, error)
	// StartBatch marks a received or interrupted batch as processing and
	// counts the attempt. ECONFLICT when it is already done or failed.
	StartBatch(ctx context.Context, id string) (*Batch, error)
	// ApplyChunk applies c's records, stores its errors and advances the
	// batch's progress, all in one transaction. ECONFLICT when the batch's
	// progress is not c.FromLine (another worker got there first).
	ApplyChunk(ctx context.Context, id string, c *Chunk) (BatchCounts, error)
	// FinishBatch marks a batch done, or failed with a reason.
	FinishBatch(ctx context.Context, id string, status BatchStatus, reason string) error
	// SweepSnapshot deletes the records of types the source has not listed
	// since seenSince nor within grace; it returns how many it deleted.
	SweepSnapshot(ctx context.Context, sourceID int64, types []RecordType, seenSince time.Time, grace time.Duration) (int, error)
	// RecordSweep stores a snapshot batch's sweep outcome.
	RecordSweep(ctx context.Context, batchID string, deleted int, note string) error
	// FindUnfinishedBatches returns ids of batches received or processing
	// with no progress since before.
	FindUnfinishedBatches(ctx context.Context, before time.Time) ([]string, error)

	// CreatePullRun starts a run of a snapshot pull; its pages are then
	// stored with Batch.PullRunID set. It sets run.ID.
	CreatePullRun(ctx context.Context, run *PullRun) error
	// CompletePullRun records that all pages of a run are stored, then
	// settles the run if every page is already done.
	CompletePullRun(ctx context.Context, runID string, pages int) (*PullRun, error)
	// FinishPullPage marks a page of a run done and, in the same
	// transaction, settles the run when this was its last page to finish:
	// it sweeps (SweepSnapshot with the run's start and grace) when every
	// page applied without a failed record and some record was listed, and
	// otherwise records why not. A run settles once.
	FinishPullPage(ctx context.Context, batchID string) (*PullRun, error)
	// FindPullRun returns a run, or ENOTFOUND.
	FindPullRun(ctx context.Context, id string) (*PullRun, error)
}
