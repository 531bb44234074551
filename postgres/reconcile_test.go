package postgres_test

import (
	"context"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
)

func orgWith(id, bin, name, region string) *hub.FeedRecord {
	r := orgRec(id, t0, name)
	r.Organization.BIN, r.Organization.RegionCode = bin, region
	return withHash(r)
}

func volWith(id, iin, phone string, consent bool) *hub.FeedRecord {
	r := &hub.FeedRecord{Type: hub.TypeVolunteer, ExternalID: id, Op: hub.OpUpsert, UpdatedAt: t0,
		Volunteer: &hub.Volunteer{RegionCode: "KZ-11", Gender: hub.GenderFemale, Status: hub.VolunteerActive}}
	if consent {
		at := t0
		r.Personal = &hub.VolunteerPersonal{IIN: iin, Phone: phone, ConsentRef: "c-" + id, ConsentAt: &at}
	}
	return withHash(r)
}

func (f *fixture) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReconcileAcrossSources(t *testing.T) {
	t.Parallel()
	f := setup(t)
	b := MustCreateSource(t, f.sources, "national-platform")

	f.applyBatch(t, f.source, 10,
		orgWith("a1", "123456789012", "Доброе сердце", "KZ-11"),
		orgWith("a2", "", "«Семья Лутошкиных»", "KZ-11"),
		orgWith("a3", "", "Jas Otan", "KZ-75"),
		orgWith("a4", "111111111111", "Союз юристов", "KZ-75"),
		volWith("v1", "990101300123", "+7 (700) 123-45-67", true),
		volWith("v2", "", "8 701 000 00 01", true),
		volWith("v3", "", "", false),
	)
	f.applyBatch(t, b, 10,
		orgWith("n1", "123456789012", "ОФ Доброе сердце Lider.kz", "KZ-11"), // same BIN, other name
		orgWith("n2", "", "Семья Лутошкиных", "KZ-11"),                      // same name, no BIN
		orgWith("n3", "", "Jas Otan", "KZ-71"),                              // same name, other region
		orgWith("n4", "222222222222", "Союз юристов", "KZ-75"),              // same name, other BIN
		volWith("w1", "990101300123", "", true),                             // same IIN
		volWith("w2", "", "+77010000001", true),                             // same phone, other form
		volWith("w3", "", "", false),                                        // nothing to match by
	)
	if got := f.count(t, `SELECT count(*) FROM organizations`); got != 6 {
		t.Errorf("organizations = %d, want 6 (a1=n1, a2=n2; a3≠n3, a4≠n4)", got)
	}
	if got := f.count(t, `SELECT count(*) FROM volunteers`); got != 4 {
		t.Errorf("volunteers = %d, want 4 (v1=w1, v2=w2; v3≠w3)", got)
	}
	// Both sources are kept on the merged records.
	var id int64
	_ = f.db.Pool.QueryRow(context.Background(), `SELECT record_id FROM provenance WHERE external_id = 'a1'`).Scan(&id)
	prov, err := postgres.NewProvenanceService(f.db).FindProvenance(context.Background(), hub.TypeOrganization, []int64{id})
	if err != nil || len(prov[id]) != 2 {
		t.Fatalf("provenance of the merged organization: %v %v", prov[id], err)
	}
	// The raw identifiers are stored only in the personal part; matching uses keyed hashes.
	if got := f.count(t, `SELECT count(*) FROM volunteer_identities WHERE position(convert_to('990101300123', 'UTF8') in hash) > 0`); got != 0 {
		t.Fatal("an identifier is stored in the clear for matching")
	}
	// One source deleting a merged record leaves it while the other reports it.
	f.applyBatch(t, b, 10, delRec(hub.TypeOrganization, "n1", t0.Add(time.Hour)))
	if got := f.count(t, `SELECT count(*) FROM organizations WHERE deleted_at IS NULL`); got != 6 {
		t.Errorf("after one source's delete: %d live organizations, want 6", got)
	}
	f.applyBatch(t, f.source, 10, delRec(hub.TypeOrganization, "a1", t0.Add(time.Hour)))
	if got := f.count(t, `SELECT count(*) FROM organizations WHERE deleted_at IS NULL`); got != 5 {
		t.Errorf("after both sources' deletes: %d live organizations, want 5", got)
	}
}

func TestSnapshotSweep(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return clock }

	f.applyBatch(t, f.source, 10, orgRec("o1", t0, "A"), orgRec("o2", t0, "B"), projRec("p1", "o1", t0, "P"))
	// The next snapshot lists only o1, three days later.
	clock = clock.Add(72 * time.Hour)
	since := clock
	f.applyBatch(t, f.source, 10, orgRec("o1", t0, "A"))
	types := []hub.RecordType{hub.TypeOrganization}
	n, err := f.batches.SweepSnapshot(ctx, f.source.ID, types, since, 7*24*time.Hour)
	if err != nil || n != 0 {
		t.Fatalf("within the grace: swept %d, %v; want 0", n, err)
	}
	// Eight days after o2 was last listed, it goes; the project (a type the
	// snapshot did not hold) stays.
	clock = clock.Add(6 * 24 * time.Hour)
	since = clock
	f.applyBatch(t, f.source, 10, orgRec("o1", t0, "A"))
	n, err = f.batches.SweepSnapshot(ctx, f.source.ID, types, since, 7*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("after the grace: swept %d, %v; want 1", n, err)
	}
	if got := f.count(t, `SELECT count(*) FROM organizations WHERE deleted_at IS NULL`); got != 1 {
		t.Errorf("%d live organizations, want 1", got)
	}
	if got := f.count(t, `SELECT count(*) FROM projects WHERE deleted_at IS NULL`); got != 1 {
		t.Errorf("%d live projects, want 1: a snapshot of organizations deletes no project", got)
	}
	if got := f.count(t, `SELECT count(*) FROM search_outbox WHERE record_type = 'organization'`); got < 3 {
		t.Errorf("the sweep's delete did not reach the search outbox")
	}
}
