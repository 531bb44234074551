package main

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// target is one side of a query under load: do sends request number i and
// returns once its answer has been read whole. Request i uses variant
// i mod the number of variants, so concurrent clients ask for different
// ids where the query has several.
type target struct {
	name string
	do   func(ctx context.Context, i int, buf *bytes.Buffer) error
}

// httpTarget posts the prepared bodies, one per variant.
func httpTarget(name string, c *gqlClient, bodies [][]byte) target {
	return target{name: name, do: func(ctx context.Context, i int, buf *bytes.Buffer) error {
		_, err := c.send(ctx, bodies[i%len(bodies)], buf)
		return err
	}}
}

// sqlTarget runs one statement per request with the arguments of a
// variant and decodes every row into Go values, as a client that uses the
// answer must.
func sqlTarget(name string, pool *pgxpool.Pool, sql string, args [][]any) target {
	return target{name: name, do: func(ctx context.Context, i int, _ *bytes.Buffer) error {
		var a []any
		if len(args) > 0 {
			a = args[i%len(args)]
		}
		rows, err := pool.Query(ctx, sql, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				return err
			}
		}
		return rows.Err()
	}}
}

// phase is what one stretch of load on one side measured.
type phase struct {
	Requests int
	Errors   int
	FirstErr string
	Lat      []time.Duration
	Wall     time.Duration
}

// maxPhaseErrors stops a phase whose requests keep failing: its numbers
// would mean nothing, and a failing side answers fast enough to spin.
const maxPhaseErrors = 50

// runLoad keeps conc clients busy on t, each sending its next request as
// soon as its last one is answered (a closed loop), for dur, or for n
// requests in all when n > 0. Requests started before the deadline are
// finished and counted; Wall runs until the last one is answered.
func runLoad(ctx context.Context, t target, conc int, dur time.Duration, n int) phase {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		failed   atomic.Int64
		mu       sync.Mutex
		wg       sync.WaitGroup
		out      phase
		deadline = time.Now().Add(dur)
		start    = time.Now()
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			lat := make([]time.Duration, 0, 1024)
			errs, firstErr := 0, ""
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if (n > 0 && i >= int64(n)) || (n == 0 && !time.Now().Before(deadline)) {
					break
				}
				t0 := time.Now()
				err := t.do(ctx, int(i), &buf)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					if failed.Add(1) >= maxPhaseErrors {
						cancel()
					}
					continue
				}
				lat = append(lat, d)
			}
			mu.Lock()
			defer mu.Unlock()
			out.Lat = append(out.Lat, lat...)
			out.Requests += len(lat)
			out.Errors += errs
			if out.FirstErr == "" {
				out.FirstErr = firstErr
			}
		}()
	}
	wg.Wait()
	out.Wall = time.Since(start)
	return out
}
