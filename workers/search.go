package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/search"
)

// Task types of the search family. They run on QueueSearch, which only the
// process that owns the index consumes (with the embedded engine, `hub
// serve`; with Meilisearch, any worker).
const (
	TypeSearchSync    = "search:sync"
	TypeSearchReindex = "search:reindex"
	TypeSearchCheck   = "search:check"
	QueueSearch       = "search"
)

// syncBatch is how many outbox rows one engine write takes.
const syncBatch = 500

// NewSearchSyncTask returns a task that drains the search outbox.
func NewSearchSyncTask() (*asynq.Task, []asynq.Option) {
	return asynq.NewTask(TypeSearchSync, nil), []asynq.Option{asynq.Queue(QueueSearch), asynq.MaxRetry(10), asynq.Timeout(10 * time.Minute)}
}

// NewSearchReindexTask returns the task that rebuilds the index and swaps it in.
func NewSearchReindexTask() (*asynq.Task, []asynq.Option) {
	return asynq.NewTask(TypeSearchReindex, nil), []asynq.Option{asynq.Queue(QueueSearch), asynq.MaxRetry(2),
		asynq.Timeout(6 * time.Hour), asynq.Retention(24 * time.Hour), asynq.TaskID("search:reindex:" + strconv.FormatInt(time.Now().UnixNano(), 36))}
}

// CheckPayload asks the consistency check to repair what it finds, or only report.
type CheckPayload struct {
	Repair bool `json:"repair"`
}

// NewSearchCheckTask returns the task that compares the index with PostgreSQL.
func NewSearchCheckTask(repair bool) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(CheckPayload{Repair: repair})
	return asynq.NewTask(TypeSearchCheck, b), []asynq.Option{asynq.Queue(QueueSearch), asynq.MaxRetry(0),
		asynq.Timeout(time.Hour), asynq.Retention(24 * time.Hour), asynq.TaskID("search:check:" + strconv.FormatInt(time.Now().UnixNano(), 36))}
}

// Indexer keeps the search engine in step with PostgreSQL.
type Indexer struct {
	Engine        search.Engine
	Outbox        hub.SearchOutboxService
	Projects      hub.ProjectService
	Organizations hub.OrganizationService
	UNPlacements  hub.UNPlacementService
	Log           *slog.Logger
}

// Version is the version a document carries: its record's updated_at.
func Version(updatedAt time.Time) string { return strconv.FormatInt(updatedAt.UTC().UnixMicro(), 36) }

// Sync drains the outbox into the engine until it is empty.
func (ix *Indexer) Sync(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := ix.Outbox.DrainSearchOutbox(ctx, syncBatch, ix.apply)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Flush syncs and then waits until the outbox is empty, including rows
// another process's drain holds: when it returns, every change queued
// before the call is in the index.
func (ix *Indexer) Flush(ctx context.Context) error {
	for {
		if _, err := ix.Sync(ctx); err != nil {
			return err
		}
		n, err := ix.Outbox.PendingSearchChanges(ctx)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// apply writes changed records to the engine and removes deleted ones.
func (ix *Indexer) apply(ctx context.Context, changes []hub.SearchChange) error {
	byType := map[hub.RecordType][]int64{}
	for _, c := range changes {
		byType[c.Type] = append(byType[c.Type], c.ID)
	}
	var docs []search.Document
	var deletes []string
	for t, ids := range byType {
		found, err := ix.documents(ctx, t, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if d, ok := found[id]; ok {
				docs = append(docs, d)
			} else {
				deletes = append(deletes, search.DocID(docType(t), id))
			}
		}
	}
	if len(docs) > 0 {
		if err := ix.Engine.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	if len(deletes) > 0 {
		return ix.Engine.Delete(ctx, deletes)
	}
	return nil
}

// documents loads the live records among ids and builds their documents.
func (ix *Indexer) documents(ctx context.Context, t hub.RecordType, ids []int64) (map[int64]search.Document, error) {
	out := map[int64]search.Document{}
	switch t {
	case hub.TypeProject:
		ps, err := ix.Projects.FindProjectsByIDs(ctx, ids)
		for _, p := range ps {
			out[p.ID] = search.FromProject(p, Version(p.UpdatedAt))
		}
		return out, err
	case hub.TypeOrganization:
		os, err := ix.Organizations.FindOrganizationsByIDs(ctx, ids)
		for _, o := range os {
			out[o.ID] = search.FromOrganization(o, Version(o.UpdatedAt))
		}
		return out, err
	case hub.TypeUNPlacement:
		us, err := ix.UNPlacements.FindUNPlacementsByIDs(ctx, ids, hub.AllPeople)
		for _, u := range us {
			out[u.ID] = search.FromUNPlacement(u, Version(u.UpdatedAt))
		}
		return out, err
	}
	return nil, fmt.Errorf("%s is not searchable", t)
}

func docType(t hub.RecordType) search.DocType {
	switch t {
	case hub.TypeProject:
		return search.TypeProject
	case hub.TypeOrganization:
		return search.TypeOrganization
	}
	return search.TypeUNPlacement
}

// Reindex builds a new index from PostgreSQL and swaps it in; searches keep
// answering from the old one until the swap. It returns the documents written.
func (ix *Indexer) Reindex(ctx context.Context) (int, error) {
	n := 0
	err := ix.Engine.Rebuild(ctx, func(ctx context.Context, put func([]search.Document) error) error {
		for _, t := range hub.SearchableTypes {
			if err := ix.Outbox.EachLiveRecord(ctx, t, syncBatch, func(ids []int64) error {
				found, err := ix.documents(ctx, t, ids)
				if err != nil {
					return err
				}
				docs := make([]search.Document, 0, len(found))
				for _, id := range ids {
					if d, ok := found[id]; ok {
						docs = append(docs, d)
					}
				}
				n += len(docs)
				return put(docs)
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	// A record that changed while the rebuild read it could have reached
	// the new index in its older form; a check repairs such drift.
	_, err = ix.Check(ctx, true)
	return n, err
}

// CheckReport is what the consistency check found.
type CheckReport struct {
	Indexed  int      `json:"indexed"`  // documents in the index
	Expected int      `json:"expected"` // live searchable records in PostgreSQL
	Missing  []string `json:"missing"`  // in PostgreSQL, not in the index
	Stale    []string `json:"stale"`    // indexed in an older version
	Extra    []string `json:"extra"`    // in the index, not (or no longer) in PostgreSQL
	Repaired bool     `json:"repaired"`
}

// Drift is how many documents are wrong.
func (r *CheckReport) Drift() int { return len(r.Missing) + len(r.Stale) + len(r.Extra) }

// Check compares the index with PostgreSQL and, with repair, queues the
// missing and stale records, deletes the extra documents, and syncs.
func (ix *Indexer) Check(ctx context.Context, repair bool) (*CheckReport, error) {
	// Pending outbox rows are drift that is on its way; let them land first.
	if err := ix.Flush(ctx); err != nil {
		return nil, err
	}
	indexed, err := ix.Engine.Versions(ctx)
	if err != nil {
		return nil, err
	}
	r := &CheckReport{Indexed: len(indexed), Missing: []string{}, Stale: []string{}, Extra: []string{}}
	expected := map[string]bool{}
	var queue []hub.SearchChange
	for _, t := range hub.SearchableTypes {
		live, err := ix.Outbox.LiveRecordVersions(ctx, t)
		if err != nil {
			return nil, err
		}
		for id, at := range live {
			did := search.DocID(docType(t), id)
			expected[did] = true
			v, ok := indexed[did]
			switch {
			case !ok:
				r.Missing = append(r.Missing, did)
			case v != Version(at):
				r.Stale = append(r.Stale, did)
			default:
				continue
			}
			queue = append(queue, hub.SearchChange{Type: t, ID: id})
		}
	}
	for did := range indexed {
		if !expected[did] {
			r.Extra = append(r.Extra, did)
		}
	}
	r.Expected = len(expected)
	sort.Strings(r.Missing)
	sort.Strings(r.Stale)
	sort.Strings(r.Extra)
	if repair && r.Drift() > 0 {
		if err := ix.Outbox.QueueSearchChanges(ctx, queue); err != nil {
			return nil, err
		}
		if len(r.Extra) > 0 {
			if err := ix.Engine.Delete(ctx, r.Extra); err != nil {
				return nil, err
			}
		}
		if err := ix.Flush(ctx); err != nil {
			return nil, err
		}
		r.Repaired = true
	}
	return r, nil
}

// ProcessTask implements asynq.Handler for the search family.
func (ix *Indexer) ProcessTask(ctx context.Context, t *asynq.Task) error {
	switch t.Type() {
	case TypeSearchSync:
		n, err := ix.Sync(ctx)
		if n > 0 {
			ix.Log.DebugContext(ctx, "search index synced", "changes", n, "err", err)
		}
		return err
	case TypeSearchReindex:
		start := time.Now()
		n, err := ix.Reindex(ctx)
		if err != nil {
			return err
		}
		ix.Log.InfoContext(ctx, "search index rebuilt and swapped in", "documents", n, "duration", time.Since(start))
		return writeResult(t, map[string]any{"documents": n, "seconds": time.Since(start).Seconds()})
	case TypeSearchCheck:
		var p CheckPayload
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return fmt.Errorf("check payload: %v: %w", err, asynq.SkipRetry)
		}
		r, err := ix.Check(ctx, p.Repair)
		if err != nil {
			return err
		}
		if r.Drift() > 0 {
			ix.Log.WarnContext(ctx, "search index drift", "missing", len(r.Missing), "stale", len(r.Stale), "extra", len(r.Extra), "repaired", r.Repaired)
		}
		return writeResult(t, r)
	}
	return fmt.Errorf("unknown task %s: %w", t.Type(), asynq.SkipRetry)
}

func writeResult(t *asynq.Task, v any) error {
	b, _ := json.Marshal(v)
	if w := t.ResultWriter(); w != nil {
		_, err := w.Write(b)
		return err
	}
	return nil
}
