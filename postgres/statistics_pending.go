package postgres

import (
	"context"
	"strings"
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

// pendingBatch is one batch's changes, per build they were counted against
// (a rebuild between two chunks already counts the earlier ones).
type pendingBatch struct {
	chunks int
	builds map[int64]map[string]*hub.Cell // build → cell name → change
}

// pendingName names a cell among all measures' cells.
func pendingName(c *hub.Cell) string {
	return string(c.Measure) + "\x00" + dimsKey(c.Dims) + "\x00" + strings.Join(c.Keys, "\x1f")
}

// add sums a committed chunk's changes, counted against build, into the
// batch's.
func (p *statPending) add(batch uuid.UUID, build int64, cells []*hub.Cell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.batches == nil {
		p.batches = map[uuid.UUID]*pendingBatch{}
	}
	b := p.batches[batch]
	if b == nil {
		b = &pendingBatch{builds: map[int64]map[string]*hub.Cell{}}
		p.batches[batch] = b
	}
	b.chunks++
	sum := b.builds[build]
	if sum == nil {
		sum = make(map[string]*hub.Cell, len(cells))
		b.builds[build] = sum
	}
	for _, c := range cells {
		name := pendingName(c)
		s := sum[name]
		if s == nil {
			sum[name] = c
			continue
		}
		s.Value += c.Value
		s.People += c.People
		s.Key += c.Key
		s.SumSq += c.SumSq
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
	if p != nil {
		held = p.chunks
	}
	if chunks == 0 && held == 0 {
		return p, nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, statLock); err != nil {
		return p, err
	}
	if held != chunks {
		if _, err := tx.Exec(ctx, `UPDATE stat_state SET uncounted_at = clock_timestamp()`); err != nil {
			return p, err
		}
	} else {
		var build int64
		err := tx.QueryRow(ctx, `SELECT id FROM stat_builds WHERE is_current`).Scan(&build)
		if err != nil && err != pgx.ErrNoRows {
			return p, err
		}
		if cells := p.builds[build]; build != 0 && len(cells) > 0 {
			list := make([]*hub.Cell, 0, len(cells))
			for _, c := range cells {
				list = append(list, c)
			}
			if err := writeDelta(ctx, tx, build, list); err != nil {
				return p, err
			}
		}
	}
	_, err := tx.Exec(ctx, `UPDATE batches SET stat_chunks = 0 WHERE id = $1`, batch)
	return p, err
}
