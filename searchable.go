package hub

import (
	"context"
	"time"
)

// SearchableTypes are the record types the search index holds. Volunteers
// and participations are never indexed.
var SearchableTypes = [...]RecordType{TypeProject, TypeOrganization, TypeUNPlacement}

// SearchChange names a searchable record that changed (or was deleted)
// and must be written to the search index.
type SearchChange struct {
	Type RecordType
	ID   int64
}

// SearchOutboxService is the transactional outbox between PostgreSQL and
// the search engine: every change to a searchable record adds a row in the
// same transaction as the change, so the index can never miss one.
type SearchOutboxService interface {
	// DrainSearchOutbox takes up to limit pending changes (skipping those
	// another drain holds), passes them to apply, and removes them only if
	// apply succeeds. It returns how many changes it took.
	DrainSearchOutbox(ctx context.Context, limit int, apply func(ctx context.Context, changes []SearchChange) error) (int, error)
	// QueueSearchChanges adds changes to the outbox (the consistency check's repair).
	QueueSearchChanges(ctx context.Context, changes []SearchChange) error
	// PendingSearchChanges counts the changes not yet drained.
	PendingSearchChanges(ctx context.Context) (int, error)
	// LiveRecordVersions returns each live record of type t with its updated_at.
	LiveRecordVersions(ctx context.Context, t RecordType) (map[int64]time.Time, error)
	// EachLiveRecord calls fn with the ids of the live records of type t, in
	// ascending chunks of at most size.
	EachLiveRecord(ctx context.Context, t RecordType, size int, fn func(ids []int64) error) error
}
