package postgres_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/secretbox"
)

var admin = hub.Principal{Role: hub.RoleAdmin, Key: "ops"}

// personalValues are the values of the personal parts of recs, as they
// could appear in a dump: the text values, and the birth dates as dates.
func personalValues(recs ...*hub.FeedRecord) []string {
	var out []string
	for _, r := range recs {
		if p := r.Personal; p != nil {
			out = append(out, p.FullName, p.Phone, p.Email, p.IIN, p.BirthDate.Format(time.DateOnly), p.ConsentRef)
		}
	}
	return out
}

// feedBody is an NDJSON body carrying recs' personal values, as a source
// would send them.
func feedBody(recs ...*hub.FeedRecord) []byte {
	var b strings.Builder
	for _, r := range recs {
		p := r.Personal
		fmt.Fprintf(&b, `{"type":"volunteer","id":%q,"data":{"full_name":%q,"phone":%q,"email":%q,"iin":%q,"birth_date":%q}}`+"\n",
			r.ExternalID, p.FullName, p.Phone, p.Email, p.IIN, p.BirthDate.Format(time.DateOnly))
	}
	return []byte(b.String())
}

// applyWithBody applies recs as one batch whose stored body is body.
func (f *fixture) applyWithBody(t *testing.T, src *hub.Source, body []byte, recs ...*hub.FeedRecord) string {
	t.Helper()
	ctx := context.Background()
	b := &hub.Batch{SourceID: src.ID, Lines: len(recs)}
	if err := f.batches.CreateBatch(ctx, b, body); err != nil {
		t.Fatal(err)
	}
	if _, err := f.batches.StartBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: 0, ToLine: len(recs), Records: recs}); err != nil {
		t.Fatal(err)
	}
	if err := f.batches.FinishBatch(ctx, b.ID, hub.BatchDone, ""); err != nil {
		t.Fatal(err)
	}
	return b.ID
}

func (f *fixture) volunteerID(t *testing.T, extID string) int64 {
	t.Helper()
	var id int64
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT record_id FROM provenance WHERE record_type = 'volunteer' AND external_id = $1`,
		extID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func allFields(id int64) hub.PersonalRead {
	return hub.PersonalRead{VolunteerID: id, Fields: hub.PersonalFields[:]}
}

// The personal part is sealed before it reaches PostgreSQL: no table, no
// dump and no table file holds a name, phone, e-mail, IIN or birth date,
// and neither does the stored feed body that carried them.
func TestPersonal_NoPlaintextAtRest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	var recs []*hub.FeedRecord
	for i := range 20 {
		recs = append(recs, personalRec(i, t0))
	}
	batchID := f.applyWithBody(t, f.source, feedBody(recs...), recs...)
	// An update rewrites rows (dead versions stay in the table's file
	// until a vacuum); they must be sealed too.
	later := make([]*hub.FeedRecord, 5)
	for i := range later {
		later[i] = personalRec(i, t0.Add(time.Hour))
		later[i].Personal.Email = fmt.Sprintf("new.%d@example.kz", i)
		later[i] = withHash(later[i])
	}
	f.applyWithBody(t, f.source, feedBody(later...), later...)

	testutil.AssertNoPlaintext(t, f.db, append(personalValues(recs...), personalValues(later...)...))

	// What is sealed still reads back.
	ps := postgres.NewPersonalService(f.db)
	id := f.volunteerID(t, "v7")
	got, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(id)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recs[7].Personal, got[id]); diff != "" {
		t.Errorf("personal part read back (-sent +read):\n%s", diff)
	}
	body, err := f.batches.BatchBody(ctx, batchID)
	if err != nil || string(body) != string(feedBody(recs...)) {
		t.Errorf("feed body read back: %v", err)
	}
	// A sealed personal part moved to another volunteer does not open there.
	if _, err := f.db.Pool.Exec(ctx, `UPDATE volunteer_personal SET sealed = (SELECT sealed FROM volunteer_personal WHERE volunteer_id = $1)
		WHERE volunteer_id = $2`, id, f.volunteerID(t, "v8")); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(f.volunteerID(t, "v8"))}); err == nil ||
		strings.Contains(err.Error(), recs[7].Personal.IIN) {
		t.Errorf("a personal part moved to another volunteer: %v", err)
	}
}

// Deletes, and upserts without a personal part, erase it; updates replace it.
func TestPersonal_ApplyReplacesAndErases(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ps := postgres.NewPersonalService(f.db)
	f.applyBatch(t, f.source, 10, personalRec(1, t0), personalRec(2, t0), personalRec(3, t0))
	v1, v2, v3 := f.volunteerID(t, "v1"), f.volunteerID(t, "v2"), f.volunteerID(t, "v3")

	changed := personalRec(1, t0.Add(time.Hour))
	changed.Personal.Phone = "+7 777 000 11 22"
	withHash(changed)
	without := personalRec(2, t0.Add(time.Hour))
	without.Personal = nil
	withHash(without)
	f.applyBatch(t, f.source, 10, changed, without, delRec(hub.TypeVolunteer, "v3", t0.Add(time.Hour)))

	got, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(v1), allFields(v2), allFields(v3)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[v1] == nil || got[v1].Phone != "+7 777 000 11 22" {
		t.Fatalf("after update, upsert without personal part, delete: %d personal parts, v1 %+v", len(got), got[v1] != nil)
	}
	if parts := testutil.PersonalParts(t, f.db); len(parts) != 1 || parts[v1].Phone != "+7 777 000 11 22" {
		t.Errorf("%d personal parts stored, want v1's only", len(parts))
	}
}

func TestReadPersonal_LogsEveryRead(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	clock := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return clock }
	ps := postgres.NewPersonalService(f.db)
	plain := personalRec(3, t0)
	plain.Personal = nil
	f.applyBatch(t, f.source, 10, personalRec(1, t0), personalRec(2, t0), withHash(plain))
	v1, v2, v3 := f.volunteerID(t, "v1"), f.volunteerID(t, "v2"), f.volunteerID(t, "v3")
	logged := func() int { return f.count(t, `SELECT count(*) FROM personal_access_log`) }

	// Only admin keys read, and a refused read is not logged.
	for _, p := range []hub.Principal{
		{Role: hub.RoleAnonymous}, {Role: hub.RoleResearcher, Key: "kimep"}, {Role: hub.RoleDashboard, Key: "ministry"},
		{Role: hub.RolePlatform, Key: "akmola-push"}, {Role: hub.RoleAdmin}, // an admin without a key name cannot be logged
	} {
		if got, err := ps.ReadPersonal(ctx, p, []hub.PersonalRead{allFields(v1)}); hub.ErrorCode(err) != hub.EFORBIDDEN || got != nil {
			t.Errorf("%+v: %v %v; want EFORBIDDEN", p, got, err)
		}
	}
	if n := logged(); n != 0 {
		t.Fatalf("%d log entries after refused reads", n)
	}

	// One entry per read that found a personal part, naming its fields.
	got, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{
		{VolunteerID: v1, Fields: []hub.PersonalField{hub.PersonalFullName, hub.PersonalIIN}},
		{VolunteerID: v2, Fields: []hub.PersonalField{hub.PersonalPhone}},
		{VolunteerID: v3, Fields: []hub.PersonalField{hub.PersonalPhone}},
	})
	if err != nil || len(got) != 2 || got[v1].IIN == "" || got[v2].Phone == "" {
		t.Fatalf("read: %d parts, %v", len(got), err)
	}
	page, err := ps.FindPersonalAccesses(ctx, hub.PersonalAccessFilter{}, hub.Page{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	var entries []hub.PersonalAccess
	for _, e := range page.Edges {
		x := *e.Node
		x.ID = 0
		entries = append(entries, x)
	}
	want := []hub.PersonalAccess{ // newest first
		{At: clock, KeyName: "ops", Role: hub.RoleAdmin, VolunteerID: v2, Fields: []hub.PersonalField{hub.PersonalPhone}},
		{At: clock, KeyName: "ops", Role: hub.RoleAdmin, VolunteerID: v1, Fields: []hub.PersonalField{hub.PersonalFullName, hub.PersonalIIN}},
	}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Fatalf("log (-want +got):\n%s", diff)
	}

	// Filters and pages.
	clock = clock.Add(time.Hour)
	for _, key := range []string{"ops", "ops", "night-ops"} {
		if _, err := ps.ReadPersonal(ctx, hub.Principal{Role: hub.RoleAdmin, Key: key}, []hub.PersonalRead{allFields(v1)}); err != nil {
			t.Fatal(err)
		}
	}
	later := clock
	for name, tc := range map[string]struct {
		f    hub.PersonalAccessFilter
		want int
	}{
		"all":           {hub.PersonalAccessFilter{}, 5},
		"volunteer":     {hub.PersonalAccessFilter{VolunteerID: &v1}, 4},
		"key":           {hub.PersonalAccessFilter{KeyName: "night-ops"}, 1},
		"from":          {hub.PersonalAccessFilter{From: &later}, 3},
		"to, exclusive": {hub.PersonalAccessFilter{To: &later}, 2},
		"nobody":        {hub.PersonalAccessFilter{KeyName: "nobody"}, 0},
	} {
		n, err := ps.CountPersonalAccesses(ctx, tc.f)
		if err != nil || n != tc.want {
			t.Errorf("%s: count %d, %v; want %d", name, n, err, tc.want)
		}
		var seen int
		after := ""
		for {
			p, err := ps.FindPersonalAccesses(ctx, tc.f, hub.Page{First: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			seen += len(p.Edges)
			if !p.HasNextPage {
				break
			}
			after = p.Edges[len(p.Edges)-1].Cursor
		}
		if seen != tc.want {
			t.Errorf("%s: paged through %d entries, want %d", name, seen, tc.want)
		}
	}
	if _, err := ps.CountPersonalAccesses(ctx, hub.PersonalAccessFilter{From: &later, To: &clock}); err != nil {
		t.Errorf("an empty range is valid: %v", err)
	}
	before := later.Add(-time.Minute)
	if _, err := ps.CountPersonalAccesses(ctx, hub.PersonalAccessFilter{From: &later, To: &before}); hub.ErrorCode(err) != hub.EINVALID {
		t.Errorf("inverted range: %v", err)
	}

	// The log is append-only.
	for _, q := range []string{`UPDATE personal_access_log SET key_name = 'nobody'`, `DELETE FROM personal_access_log`, `TRUNCATE personal_access_log`} {
		if _, err := f.db.Pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}

	// When the log cannot be written, nothing is read.
	if _, err := f.db.Pool.Exec(ctx, `ALTER TABLE personal_access_log ADD CONSTRAINT refuse CHECK (false) NOT VALID`); err != nil {
		t.Fatal(err)
	}
	got, err = ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(v1)})
	if err == nil || got != nil {
		t.Fatalf("read with a failing log: %v, %d parts", err, len(got))
	}
}

// Keys rotate: new writes use the current key, reads accept every key of
// the ring, rekey re-seals the rest, and then the old key can go. Matching
// across sources keeps working after the key its hashes came from is gone.
func TestPersonal_KeyRotation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ps := postgres.NewPersonalService(f.db)
	key := func() string { return base64.StdEncoding.EncodeToString(secretbox.Random(secretbox.KeySize)) }
	a, b := "a:"+key(), "b:"+key()
	ring := func(spec string) *secretbox.Keyring {
		k, err := secretbox.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	keyUse := func() *postgres.SealedKeyUse {
		u, err := ps.SealedKeyUse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	readAll := func(want int) {
		t.Helper()
		var reads []hub.PersonalRead
		for i := range 4 {
			reads = append(reads, allFields(f.volunteerID(t, fmt.Sprintf("v%d", i))))
		}
		got, err := ps.ReadPersonal(ctx, admin, reads)
		if err != nil || len(got) != want {
			t.Fatalf("read %d personal parts, %v; want %d", len(got), err, want)
		}
		for _, r := range reads {
			if got[r.VolunteerID].IIN == "" {
				t.Fatalf("volunteer %d read back without its IIN", r.VolunteerID)
			}
		}
	}

	// Written under A.
	f.db.Keys = ring(a)
	recs := []*hub.FeedRecord{personalRec(0, t0), personalRec(1, t0), personalRec(2, t0)}
	firstBatch := f.applyWithBody(t, f.source, feedBody(recs...), recs...)

	// B becomes current; A stays to read.
	f.db.Keys = ring(b + "," + a)
	recs = append(recs, personalRec(3, t0))
	f.applyWithBody(t, f.source, feedBody(recs[3]), recs[3])
	if diff := cmp.Diff(&postgres.SealedKeyUse{Personal: map[string]int{"a": 3, "b": 1}, Bodies: map[string]int{"a": 1, "b": 1}, MatchKey: "a"},
		keyUse()); diff != "" {
		t.Fatalf("keys in use before rekey (-want +got):\n%s", diff)
	}
	readAll(4)

	// Without A, what A sealed cannot be read, and the error says which
	// key is missing but no value.
	f.db.Keys = ring(b)
	_, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(f.volunteerID(t, "v0"))})
	if err == nil || !strings.Contains(err.Error(), `"a"`) || strings.Contains(err.Error(), recs[0].Personal.IIN) {
		t.Fatalf("read under a missing key: %v", err)
	}
	if _, err := ps.RekeyPersonal(ctx, nil); err == nil {
		t.Fatal("rekey without the old key succeeded")
	}

	// Rekey with both, then remove A.
	f.db.Keys = ring(b + "," + a)
	var progress []postgres.Resealed
	n, err := ps.RekeyPersonal(ctx, func(r postgres.Resealed) { progress = append(progress, r) })
	if err != nil || n != (postgres.Resealed{Personal: 3, Bodies: 1}) || len(progress) != 2 {
		t.Fatalf("rekey: %+v %v, progress %v", n, err, progress)
	}
	if diff := cmp.Diff(&postgres.SealedKeyUse{Personal: map[string]int{"b": 4}, Bodies: map[string]int{"b": 2}, MatchKey: "b"}, keyUse()); diff != "" {
		t.Fatalf("keys in use after rekey (-want +got):\n%s", diff)
	}
	if n, err := ps.RekeyPersonal(ctx, nil); err != nil || n != (postgres.Resealed{}) {
		t.Fatalf("second rekey: %+v %v; want nothing to do", n, err)
	}
	f.db.Keys = ring(b)
	readAll(4)
	if body, err := f.batches.BatchBody(ctx, firstBatch); err != nil || !strings.Contains(string(body), recs[0].Personal.IIN) {
		t.Fatalf("first batch's body after rekey: %v", err)
	}

	// The same person from another source is still matched by IIN: the
	// matching key survived A's removal.
	other := MustCreateSource(t, f.sources, "national-platform")
	same := personalRec(0, t0)
	same.ExternalID = "nat-0"
	withHash(same)
	f.applyBatch(t, other, 10, same)
	if f.volunteerID(t, "nat-0") != f.volunteerID(t, "v0") {
		t.Fatal("after the key rotation, the same IIN from another source is another volunteer")
	}
}

// Migration 10 seals the personal parts and feed bodies already stored in
// plain columns, and leaves no plaintext in the tables' files; down opens
// them again.
func TestMigration10_SealsExistingRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := testutil.Keys(t)
	open := func(k *secretbox.Keyring) *postgres.DB {
		db := postgres.NewDB(testutil.CreateEmptyDatabase(t))
		db.Keys = k
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		if err := db.MigrateTo(ctx, 9); err != nil {
			t.Fatal(err)
		}
		return db
	}
	birth := time.Date(1987, 4, 12, 0, 0, 0, 0, time.UTC)
	values := []string{"Серік Жұмабаев", "+7 705 123 45 67", "serik.zh@example.kz", "870412300123", "1987-04-12"}
	const batchID = "0192b3c4-0000-7000-8000-000000000001"
	seed := func(db *postgres.DB) int64 {
		var src, id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO sources (name, kind) VALUES ('old-portal', 'REGIONAL_PLATFORM') RETURNING id`).
			Scan(&src); err != nil {
			t.Fatal(err)
		}
		if err := db.Pool.QueryRow(ctx, `INSERT INTO volunteers (source_id, region_code, gender, status, created_at, updated_at)
			VALUES ($1, 'KZ-11', 'MALE', 'ACTIVE', now(), now()) RETURNING id`, src).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for _, s := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO volunteer_personal (volunteer_id, full_name, phone, email, iin, birth_date, consent_ref, consent_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'consent-1', '2024-09-01T00:00:00Z', now())`,
				[]any{id, values[0], values[1], values[2], values[3], birth}},
			{`INSERT INTO volunteer_identities (kind, hash, volunteer_id) VALUES ('iin', $1, $2)`, []any{keys.MatchHash("iin", values[3]), id}},
			{`INSERT INTO batches (id, source_id, status, format, body_size, body_sha256, lines, received_at, progressed_at)
				VALUES ($1, $2, 'done', 'ndjson', 1, '\x00', 1, now(), now())`, []any{batchID, src}},
			{`INSERT INTO batch_bodies (batch_id, body) VALUES ($1, $2)`, []any{batchID, []byte(strings.Join(values, ","))}},
		} {
			if _, err := db.Pool.Exec(ctx, s.sql, s.args...); err != nil {
				t.Fatalf("%s: %v", s.sql, err)
			}
		}
		return id
	}

	// Without keys, migration 10 refuses and changes nothing.
	bare := open(nil)
	seed(bare)
	if err := bare.Migrate(ctx, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "HUB_SECRET_KEYS") {
		t.Fatalf("migration without keys: %v", err)
	}
	if cur, _, err := bare.SchemaVersion(ctx); err != nil || cur != 9 {
		t.Fatalf("after the refused migration: version %d, %v", cur, err)
	}

	db := open(keys)
	id := seed(db)
	// Before the migration the values are in the clear, and every check
	// of AssertNoPlaintext sees them (so that it proves something after).
	rec := &recordingTB{T: t}
	testutil.AssertNoPlaintext(rec, db, values)
	for _, where := range []string{"table public.volunteer_personal", "table public.batch_bodies", "pg_dump", "the file of volunteer_personal",
		"the file of batch_bodies"} {
		if !strings.Contains(strings.Join(rec.errors, "\n"), where+" holds") {
			t.Errorf("before migration 10, AssertNoPlaintext did not find the values in %s; it found:\n%s", where, strings.Join(rec.errors, "\n"))
		}
	}
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	testutil.AssertNoPlaintext(t, db, values)
	ps := postgres.NewPersonalService(db)
	got, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(id)})
	if err != nil {
		t.Fatal(err)
	}
	consentAt := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	want := &hub.VolunteerPersonal{FullName: values[0], Phone: values[1], Email: values[2], IIN: values[3], BirthDate: &birth,
		ConsentRef: "consent-1", ConsentAt: &consentAt}
	if diff := cmp.Diff(want, got[id], cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Fatalf("migrated personal part (-want +got):\n%s", diff)
	}
	body, err := postgres.NewBatchService(db).BatchBody(ctx, batchID)
	if err != nil || string(body) != strings.Join(values, ",") {
		t.Fatalf("migrated body: %q %v", body, err)
	}
	// The identity hashed before the migration still matches: the ring's
	// matching key was pinned.
	f := &fixture{db: db, batches: postgres.NewBatchService(db), sources: postgres.NewSourceService(db)}
	src := MustCreateSource(t, f.sources, "new-portal")
	vol := personalRec(0, t0)
	vol.Personal.IIN = values[3]
	f.applyBatch(t, src, 10, withHash(vol))
	if f.volunteerID(t, "v0") != id {
		t.Fatal("the identity stored before migration 10 no longer matches")
	}

	// Down opens the data again, and up seals it again.
	if err := db.MigrateDownTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	var name, iin string
	if err := db.Pool.QueryRow(ctx, `SELECT full_name, iin FROM volunteer_personal WHERE volunteer_id = $1`, id).Scan(&name, &iin); err != nil ||
		name != vol.Personal.FullName || iin != values[3] {
		t.Fatalf("after down: %v", err)
	}
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got, err := ps.ReadPersonal(ctx, admin, []hub.PersonalRead{allFields(id)}); err != nil || got[id].IIN != values[3] {
		t.Fatalf("after down and up: %v", err)
	}
}

// recordingTB records the errors a check reports instead of failing.
type recordingTB struct {
	*testing.T
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
