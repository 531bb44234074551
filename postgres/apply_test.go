package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

type fixture struct {
	db      *postgres.DB
	batches *postgres.BatchService
	sources *postgres.SourceService
	source  *hub.Source
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testutil.NewDB(t)
	f := &fixture{db: db, batches: postgres.NewBatchService(db), sources: postgres.NewSourceService(db)}
	f.source = MustCreateSource(t, f.sources, "test-platform")
	return f
}

func MustCreateSource(tb testing.TB, s *postgres.SourceService, name string) *hub.Source {
	tb.Helper()
	src := &hub.Source{Name: name, Kind: hub.SourceRegionalPlatform}
	if _, err := s.CreateSource(context.Background(), src); err != nil {
		tb.Fatal(err)
	}
	return src
}

// applyBatch stores and applies recs as one batch in chunks of chunkSize,
// the way the worker does, and returns the batch's final counts.
func (f *fixture) applyBatch(t *testing.T, src *hub.Source, chunkSize int, recs ...*hub.FeedRecord) hub.BatchCounts {
	t.Helper()
	ctx := context.Background()
	b := &hub.Batch{SourceID: src.ID, Lines: len(recs)}
	if err := f.batches.CreateBatch(ctx, b, []byte("test")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.batches.StartBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	var total hub.BatchCounts
	for from := 0; from < len(recs); from += chunkSize {
		to := min(from+chunkSize, len(recs))
		c, err := f.batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: from, ToLine: to, Records: recs[from:to]})
		if err != nil {
			t.Fatal(err)
		}
		total = total.Add(c)
	}
	if err := f.batches.FinishBatch(ctx, b.ID, hub.BatchDone, ""); err != nil {
		t.Fatal(err)
	}
	got, err := f.batches.FindBatchByID(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(total, got.Counts); diff != "" {
		t.Fatalf("stored counts differ from returned (-returned +stored):\n%s", diff)
	}
	return total
}

var t0 = time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC)

func withHash(r *hub.FeedRecord) *hub.FeedRecord {
	b, _ := json.Marshal([]any{r.Type, r.Op, r.Organization, r.Project, r.Volunteer, r.Participation, r.UNPlacement, r.Indicator,
		r.OrganizationRef, r.OrganizationRefs, r.VolunteerRef, r.ProjectRef, r.Personal})
	sum := sha256.Sum256(b)
	r.Hash = sum[:]
	return r
}

func orgRec(id string, at time.Time, name string) *hub.FeedRecord {
	return withHash(&hub.FeedRecord{Type: hub.TypeOrganization, ExternalID: id, Op: hub.OpUpsert, UpdatedAt: at,
		Organization: &hub.Organization{Name: hub.LocalizedText{RU: name}, Kind: hub.OrgNGO, RegionCode: "KZ-11", Directions: []string{"ECOLOGY"}}})
}

func projRec(id, orgRef string, at time.Time, title string) *hub.FeedRecord {
	return withHash(&hub.FeedRecord{Type: hub.TypeProject, ExternalID: id, Op: hub.OpUpsert, UpdatedAt: at, OrganizationRef: orgRef,
		Project: &hub.Project{Title: hub.LocalizedText{KK: title}, RegionCode: "KZ-11", Status: hub.StatusActive, Directions: []string{"ECOLOGY"}}})
}

func delRec(t hub.RecordType, id string, at time.Time) *hub.FeedRecord {
	return withHash(&hub.FeedRecord{Type: t, ExternalID: id, Op: hub.OpDelete, UpdatedAt: at})
}

func TestApplyChunk_Idempotent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()

	// The project arrives in the chunk before its organization.
	got := f.applyBatch(t, f.source, 1, projRec("p1", "o1", t0, "Таза әлем"), orgRec("o1", t0, "Экодвижение"))
	if diff := cmp.Diff(hub.BatchCounts{Created: 2}, got); diff != "" {
		t.Fatalf("first batch (-want +got):\n%s", diff)
	}
	var orgID *int64
	if err := f.db.Pool.QueryRow(ctx, `SELECT organization_id FROM projects`).Scan(&orgID); err != nil || orgID == nil {
		t.Fatalf("project's organization did not resolve when it arrived: %v %v", orgID, err)
	}

	// The same batch again changes nothing.
	got = f.applyBatch(t, f.source, 10, projRec("p1", "o1", t0, "Таза әлем"), orgRec("o1", t0, "Экодвижение"))
	if diff := cmp.Diff(hub.BatchCounts{Unchanged: 2}, got); diff != "" {
		t.Fatalf("repeated batch (-want +got):\n%s", diff)
	}

	// Newer wins, older loses, same updated_at with other content loses.
	got = f.applyBatch(t, f.source, 10,
		orgRec("o1", t0.Add(time.Hour), "Экодвижение Акмолы"),
		projRec("p1", "o1", t0.Add(-time.Hour), "ескі"),
		projRec("p1", "o1", t0, "басқа"))
	if diff := cmp.Diff(hub.BatchCounts{Updated: 1, Stale: 2}, got); diff != "" {
		t.Fatalf("mixed batch (-want +got):\n%s", diff)
	}
	var name, title string
	if err := f.db.Pool.QueryRow(ctx, `SELECT o.name_ru, p.title_kk FROM projects p JOIN organizations o ON o.id = p.organization_id`).Scan(&name, &title); err != nil {
		t.Fatal(err)
	}
	if name != "Экодвижение Акмолы" || title != "Таза әлем" {
		t.Fatalf("got name %q title %q", name, title)
	}

	// Delete, then an older upsert does not resurrect; a newer one does.
	got = f.applyBatch(t, f.source, 10, delRec(hub.TypeProject, "p1", t0.Add(2*time.Hour)), delRec(hub.TypeProject, "unknown", t0))
	if diff := cmp.Diff(hub.BatchCounts{Deleted: 1, Unchanged: 1}, got); diff != "" {
		t.Fatalf("delete batch (-want +got):\n%s", diff)
	}
	got = f.applyBatch(t, f.source, 10, projRec("p1", "o1", t0.Add(time.Hour), "ескі"))
	if diff := cmp.Diff(hub.BatchCounts{Stale: 1}, got); diff != "" {
		t.Fatalf("older upsert after delete (-want +got):\n%s", diff)
	}
	var live int
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM projects WHERE deleted_at IS NULL`).Scan(&live); err != nil || live != 0 {
		t.Fatalf("live projects = %d, %v; want 0", live, err)
	}
	got = f.applyBatch(t, f.source, 10, projRec("p1", "o1", t0.Add(3*time.Hour), "жаңа"))
	if diff := cmp.Diff(hub.BatchCounts{Created: 1}, got); diff != "" {
		t.Fatalf("newer upsert after delete (-want +got):\n%s", diff)
	}

	// Duplicate ids within one chunk: the newest applies.
	got = f.applyBatch(t, f.source, 10, orgRec("o2", t0, "A"), orgRec("o2", t0.Add(time.Minute), "B"), orgRec("o2", t0, "A"))
	if diff := cmp.Diff(hub.BatchCounts{Created: 1, Stale: 2}, got); diff != "" {
		t.Fatalf("duplicates (-want +got):\n%s", diff)
	}
	if err := f.db.Pool.QueryRow(ctx, `SELECT name_ru FROM organizations o JOIN provenance p ON p.record_id = o.id AND p.external_id = 'o2'`).Scan(&name); err != nil || name != "B" {
		t.Fatalf("o2 name = %q, %v; want B", name, err)
	}
}

func TestApplyChunk_RefusesOutOfOrderProgress(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	b := &hub.Batch{SourceID: f.source.ID, Lines: 2}
	if err := f.batches.CreateBatch(ctx, b, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.batches.StartBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: 0, ToLine: 1, Records: []*hub.FeedRecord{orgRec("o1", t0, "A")}}); err != nil {
		t.Fatal(err)
	}
	// A second worker that still believes the batch is at line 0.
	_, err := f.batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: 0, ToLine: 1, Records: []*hub.FeedRecord{orgRec("o1", t0, "A")}})
	if hub.ErrorCode(err) != hub.ECONFLICT {
		t.Fatalf("got %v, want ECONFLICT", err)
	}
}
