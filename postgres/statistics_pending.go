package postgres

import (
	"context"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// A batch's statistics are counted chunk by chunk, as each chunk applies,
// but written once, when the batch finishes: a chunk of a large batch
// moves most cells of a measure (every region, month, age band … it holds
// people of), so writing them per chunk would cost a national snapshot a
// rewrite of the cells per chunk. The cell changes of the batch's chunks
// are summed in this process until FinishBatch writes them in its own
// transaction, so a batch's figures appear in statistics together, at the
// moment its receipt says done.
//
// The chunk's transaction counts, durably, that it left changes to write
// (batches.stat_chunks). A batch finished by a process that does not hold
// all of them (the worker that applied some chunks died) cannot write
// them: it notes the changes as uncounted, and the statistics are rebuilt.

// statPending is the changes of the batches this process is applying.
type statPending struct {
	mu      sync.Mutex
	batches map[uuid.UUID]*pendingBatch
}

// pendingBatch is one batch's changes, counted per build they were read
// against (a rebuild between two chunks already counts the earlier ones),
// a lattice per measure whose cells hold the changes.
type pendingBatch struct {
	mu     sync.Mutex
	chunks int
	err    error // counting failed: the changes are lost
	builds map[int64]map[hub.Measure]*lattice
}

// add counts a committed chunk's facts into the batch's changes.
func (p *statPending) add(batch uuid.UUID, f *deltaFacts) {
	p.mu.Lock()
	if p.batches == nil {
		p.batches = map[uuid.UUID]*pendingBatch{}
	}
	b := p.batches[batch]
	if b == nil {
		b = &pendingBatch{builds: map[int64]map[hub.Measure]*lattice{}}
		p.batches[batch] = b
	}
	p.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.chunks++
	ls := b.builds[f.build]
	if ls == nil {
		ls = map[hub.Measure]*lattice{}
		b.builds[f.build] = ls
	}
	if err := f.count(ls); err != nil && b.err == nil {
		b.err = err
	}
}

// take removes and returns the batch's changes (nil when there are none).
func (p *statPending) take(batch uuid.UUID) *pendingBatch {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.batches[batch]
	delete(p.batches, batch)
	return b
}

// restore puts changes taken back, when writing them did not commit.
func (p *statPending) restore(batch uuid.UUID, b *pendingBatch) {
	if b == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.batches == nil {
		p.batches = map[uuid.UUID]*pendingBatch{}
	}
	p.batches[batch] = b
}

// writePending writes, in tx, the statistics the batch's chunks left: the
// changes this process summed, into the current build (changes counted
// against an older build are in the current one already, which was
// counted after them). If the batch's row counts chunks this process does
// not hold, they are lost: the changes are noted as uncounted instead, for
// a rebuild. It returns the changes taken, for restore if tx does not
// commit.
func (db *DB) writePending(ctx context.Context, tx pgx.Tx, batch uuid.UUID) (*pendingBatch, error) {
	var chunks int
	if err := tx.QueryRow(ctx, `SELECT stat_chunks FROM batches WHERE id = $1`, batch).Scan(&chunks); err != nil {
		return nil, err
	}
	p := db.statPending.take(batch)
	held := 0
	if p != nil && p.err == nil {
		held = p.chunks
	}
	if chunks == 0 && held == 0 {
		return p, nil
	}
	if held != chunks {
		if _, err := tx.Exec(ctx, `UPDATE stat_state SET uncounted_at = clock_timestamp()`); err != nil {
			return p, err
		}
	} else {
		// Not under statLock: chunks of other batches go on. A rebuild that
		// swaps in meanwhile was counted after this batch's chunks (it held
		// statLock from its snapshot), so only the changes counted against
		// the build current now are written into it.
		for attempt := 0; attempt < 2; attempt++ {
			var build int64
			err := tx.QueryRow(ctx, `SELECT id FROM stat_builds WHERE is_current`).Scan(&build)
			if err == pgx.ErrNoRows {
				break // none: the first query builds one from the records
			} else if err != nil {
				return p, err
			}
			written, err := writeDelta(ctx, tx, build, latticeDeltas(p.builds[build]))
			if err != nil {
				return p, err
			}
			if written {
				break
			}
			// Replaced between the two statements: once more, with the new one.
		}
	}
	_, err := tx.Exec(ctx, `UPDATE batches SET stat_chunks = 0 WHERE id = $1`, batch)
	return p, err
}
