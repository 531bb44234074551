package postgres_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// Concurrency of the caches of counts (counts.go) and statistics answers.
// The tracers hold a statement back to make the interleaving happen; the
// assertions are about values and errors, never time.

// slowTracer delays the first cache-filling count: in TraceQueryStart when
// startDelay (before the statement is sent), in TraceQueryEnd otherwise
// (after the server answered, i.e. the snapshot is already taken).
type slowTracer struct {
	armed      atomic.Bool
	startDelay bool
	d          time.Duration
}

func (s *slowTracer) hit(sql string) bool {
	return strings.HasPrefix(sql, "SELECT (SELECT count(*)") && s.armed.CompareAndSwap(true, false)
}

func (s *slowTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if s.startDelay && s.hit(d.SQL) {
		time.Sleep(s.d)
	} else if !s.startDelay && strings.HasPrefix(d.SQL, "SELECT (SELECT count(*)") {
		return context.WithValue(ctx, slowKey{}, true)
	}
	return ctx
}

type slowKey struct{}

func (s *slowTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if !s.startDelay && ctx.Value(slowKey{}) != nil && s.armed.CompareAndSwap(true, false) {
		time.Sleep(s.d)
	}
}

// TestCountAskedAfterAWriteSeesIt: a count asked after a write committed,
// while an older count of the same filter is still on its way, counts the
// write (it once shared that older count).
func TestCountAskedAfterAWriteSeesIt(t *testing.T) {
	t.Parallel()
	tr := &slowTracer{d: 800 * time.Millisecond}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = tr })
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	seed.Apply(testutil.Volunteer("v1", "KZ-11"), testutil.Volunteer("v2", "KZ-11"), testutil.Volunteer("v3", "KZ-11"))
	ctx := context.Background()
	vols := postgres.NewVolunteerService(db)
	f := hub.VolunteerFilter{Scope: hub.AllPeople}
	tr.armed.Store(true)
	var wg sync.WaitGroup
	wg.Add(1)
	var first int
	go func() { defer wg.Done(); first, _ = vols.CountVolunteers(ctx, f) }()
	time.Sleep(200 * time.Millisecond) // A's statement has run (3 volunteers) and is "on the wire"
	v4 := testutil.Volunteer("v4", "KZ-11")
	v4.UpdatedAt = v4.UpdatedAt.Add(time.Hour)
	seed.Apply(v4) // committed
	var live int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM volunteers WHERE deleted_at IS NULL`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	got, err := vols.CountVolunteers(ctx, f) // starts after the commit
	wg.Wait()
	t.Logf("first=%d, live count(*) before second request=%d, second request's totalCount=%d (err %v)", first, live, got, err)
	if got != live {
		t.Errorf("a count asked after the write committed returned %d, count(*) is %d", got, live)
	}
}

// TestCountSurvivesAnotherClientGoingAway: a client that goes away while
// another asks the same count fails only itself.
func TestCountSurvivesAnotherClientGoingAway(t *testing.T) {
	t.Parallel()
	tr := &slowTracer{d: 500 * time.Millisecond, startDelay: true}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = tr })
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	seed.Apply(testutil.Volunteer("v1", "KZ-11"))
	vols := postgres.NewVolunteerService(db)
	f := hub.VolunteerFilter{Scope: hub.AllPeople}
	tr.armed.Store(true)
	ctxA, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = vols.CountVolunteers(ctxA, f) }()
	time.Sleep(100 * time.Millisecond)
	go func() { time.Sleep(100 * time.Millisecond); cancel() }() // client A disconnects
	_, err := vols.CountVolunteers(context.Background(), f)      // client B, never cancelled
	wg.Wait()
	t.Logf("client B's error: %v", err)
	if err != nil {
		t.Errorf("client B failed because client A went away: %v", err)
	}
}

type slowBatch struct{ armed atomic.Bool }

func (s *slowBatch) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}
func (s *slowBatch) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (s *slowBatch) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if s.armed.CompareAndSwap(true, false) {
		time.Sleep(500 * time.Millisecond)
	}
	return ctx
}
func (s *slowBatch) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (s *slowBatch) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestStatisticsSurviveAnotherClientGoingAway: callers of one question
// share one reading of the build, and one of them going away does not fail
// the others.
func TestStatisticsSurviveAnotherClientGoingAway(t *testing.T) {
	t.Parallel()
	tr := &slowBatch{}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = tr })
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	seed.Apply(testutil.Volunteer("v1", "KZ-11"))
	stats := postgres.NewStatisticsService(db)
	if _, err := stats.RebuildStatistics(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion}}
	tr.armed.Store(true)
	ctxA, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = stats.Statistics(ctxA, q, false) }()
	time.Sleep(100 * time.Millisecond)
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err := stats.Statistics(context.Background(), q, false)
	wg.Wait()
	t.Logf("client B's error: %v", err)
	if err != nil {
		t.Errorf("client B failed because client A went away: %v", err)
	}
}
