package exports_test

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/exports"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

type fixture struct {
	db      *postgres.DB
	handler http.Handler
	tokens  map[string]string
	stats   *postgres.StatisticsService
}

func setup(t *testing.T, volunteers int) *fixture {
	t.Helper()
	db := testutil.NewDB(t)
	testutil.LoadDemo(t, db, volunteers)
	keys := postgres.NewKeyService(db)
	f := &fixture{db: db, tokens: map[string]string{}, stats: postgres.NewStatisticsService(db)}
	for _, k := range []*hub.APIKey{{Name: "kimep", Role: hub.RoleResearcher}, {Name: "ministry", Role: hub.RoleDashboard}, {Name: "ops", Role: hub.RoleAdmin},
		{Name: "synthetic-push", Role: hub.RolePlatform, Source: "synthetic"}} {
		token, err := keys.CreateKey(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[k.Name] = token
	}
	f.tokens["forged"] = hub.KeyTokenPrefix + "forged"
	auth := &hub.Authenticator{Keys: keys, Sources: postgres.NewSourceService(db)}
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	h := &exports.Handler{Statistics: f.stats, Volunteers: postgres.NewVolunteerService(db), Log: log}
	h.Register(mux, func(next http.Handler) http.Handler {
		return graph.WithPrincipalFor(auth, nil, log, exports.WriteError, next)
	})
	f.handler = mux
	return f
}

// flushCounter is a ResponseWriter that counts flushes: a streamed body is
// flushed as it goes.
type flushCounter struct {
	*httptest.ResponseRecorder
	flushes int
}

func (w *flushCounter) Flush() { w.flushes++; w.ResponseRecorder.Flush() }

func (f *fixture) get(t *testing.T, key, path string) (*flushCounter, [][]string) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+f.tokens[key])
	}
	w := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
	f.handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return w, nil
	}
	recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", path, err)
	}
	return w, recs
}

// Statistics are for researchers (and admins); the volunteer list is a
// list of people, for admins and for a platform's own volunteers.
func TestExportsNeedAResearcherKey(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	for path, roles := range map[string]map[string]int{
		"/v1/exports/statistics.csv?measures=PROJECTS&groupBy=REGION": {"": 401, "ministry": 403, "kimep": 200, "ops": 200, "forged": 401, "synthetic-push": 403},
		"/v1/exports/volunteers.csv":                                  {"": 401, "ministry": 403, "kimep": 403, "ops": 200, "forged": 401, "synthetic-push": 200},
	} {
		for key, want := range roles {
			w, _ := f.get(t, key, path)
			if w.Code != want {
				t.Errorf("%s with key %q: %d %s, want %d", path, key, w.Code, w.Body, want)
			}
			// Every refusal, the bearer token's included, has the exports' shape.
			if want == 401 && !strings.HasPrefix(w.Body.String(), `{"error":{"code":"unauthorized"`) {
				t.Errorf("%s with key %q: %s, want the exports' error shape", path, key, w.Body)
			}
		}
	}
}

func TestStatisticsExport(t *testing.T) {
	t.Parallel()
	f := setup(t, 2000)
	path := "/v1/exports/statistics.csv?measures=VOLUNTEERS,VOLUNTEER_HOURS&groupBy=REGION,GENDER&year=2024&subtotals=true"
	_, recs := f.get(t, "kimep", path)
	if got := strings.Join(recs[0], ","); got != "region,gender,volunteers,volunteer_hours,suppressed,as_of" {
		t.Fatalf("header %s", got)
	}
	q, err := exports.ParseStatisticsQuery(httptest.NewRequest("GET", path, nil).URL.Query())
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.stats.Statistics(context.Background(), q, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != len(want.Rows) {
		t.Fatalf("%d CSV rows, %d in the GraphQL answer", len(recs)-1, len(want.Rows))
	}
	suppressed := 0
	for i, row := range want.Rows {
		rec := recs[i+1]
		for j, v := range row.Values {
			cell := rec[2+j]
			if (v == nil) != (cell == "") {
				t.Fatalf("row %v measure %d: CSV %q, answer %v", rec, j, cell, v)
			}
		}
		if row.Suppressed {
			suppressed++
			if rec[4] != "true" {
				t.Fatalf("row %v not marked suppressed", rec)
			}
		}
	}
	if suppressed == 0 {
		t.Fatal("no suppressed row in the researcher's export")
	}
	// The admin's export hides nothing.
	_, admin := f.get(t, "ops", path)
	for _, rec := range admin[1:] {
		if rec[2] == "" || rec[4] != "false" {
			t.Fatalf("admin row %v is suppressed", rec)
		}
	}

	for _, bad := range []struct{ query, want string }{
		{"measures=VOLUNTEERS&groupBy=REGION,DIRECTION,GENDER,AGE_BAND", "at most 3 dimensions"},
		{"measures=VOLUNTEERS&groupBy=YEAR&from=2025&to=2020", "inverted"},
		{"measures=VOLUNTEERS&city=Almaty", `unknown parameter \"city\"`},
		{"measures=VOLUNTEERS&region=KZ-11&region=KZ-15", "given 2 times"},
		{"measures=VOLUNTEERS&total=maybe", "true or false"},
	} {
		w, _ := f.get(t, "kimep", "/v1/exports/statistics.csv?"+bad.query)
		if w.Code != 400 || !strings.Contains(w.Body.String(), bad.want) {
			t.Errorf("%s: %d %s, want 400 with %q", bad.query, w.Code, w.Body, bad.want)
		}
	}
}

// TestVolunteerExport: every live volunteer once, the public part only (no
// name, phone, e-mail, IIN or birth date: an age band), streamed.
func TestVolunteerExport(t *testing.T) {
	t.Parallel()
	f := setup(t, 12000)
	w, recs := f.get(t, "ops", "/v1/exports/volunteers.csv")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	header := recs[0]
	for _, personal := range []string{"full_name", "phone", "email", "iin", "birth_date", "birth_year"} {
		if slices.Contains(header, personal) {
			t.Fatalf("the export has a %s column", personal)
		}
	}
	var live int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM volunteers WHERE deleted_at IS NULL`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != live {
		t.Fatalf("%d rows, %d live volunteers", len(recs)-1, live)
	}
	// No personal value the hub holds appears anywhere in the file.
	body := w.Body.String()
	checked := 0
	for _, p := range testutil.PersonalParts(t, f.db) { // the table holds them sealed
		for _, v := range []string{p.FullName, p.Phone, p.Email, p.IIN} {
			if len(v) >= 6 && strings.Contains(body, v) {
				t.Fatalf("the export contains a personal value")
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("the demo data holds no personal part to check against")
	}
	bands := map[string]bool{}
	for _, rec := range recs[1:] {
		bands[rec[3]] = true
	}
	if len(bands) < 4 || bands[""] {
		t.Fatalf("age bands %v", bands)
	}
	if w.flushes < 2 {
		t.Fatalf("%d flushes for %d rows: the export is not streamed", w.flushes, live)
	}
	if _, err := io.Copy(io.Discard, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d volunteers exported in %d flushes", live, w.flushes)

	// One region only.
	_, akmola := f.get(t, "ops", "/v1/exports/volunteers.csv?region=kz-11")
	for _, rec := range akmola[1:] {
		if rec[1] != "KZ-11" {
			t.Fatalf("region filter let %v through", rec)
		}
	}
	if w, _ := f.get(t, "ops", "/v1/exports/volunteers.csv?region=Almaty"); w.Code != 400 {
		t.Fatalf("bad region: %d", w.Code)
	}
}

// Free text a source sent cannot run as a spreadsheet formula when the
// file is opened, whether the spreadsheet splits cells on "," or on ";"
// (every list item is guarded), and no value breaks a line; a volunteer
// without hours has 0 hours.
func TestVolunteerExportCells(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	v := testutil.Volunteer("csv-1", "KZ-63")
	v.Volunteer.Skills = []string{`=HYPERLINK("http://example.org","x")`, `+cmd|' /C calc'!A0`, "first\naid", "@SUM(A1)\r\n=1+1"}
	v.Volunteer.Languages = []string{"kk", "+ru", "-en"}
	testutil.NewSeeder(t, f.db, "csv-portal").Apply(v)
	w, recs := f.get(t, "ops", "/v1/exports/volunteers.csv?region=KZ-63")
	var row []string
	for _, rec := range recs[1:] {
		if strings.Contains(rec[5], "first aid") {
			row = rec
		}
	}
	if row == nil {
		t.Fatalf("the volunteer is not in the export: %v", recs)
	}
	want := `'=HYPERLINK("http://example.org","x");'+cmd|' /C calc'!A0;first aid;'@SUM(A1) =1+1`
	if row[5] != want || row[4] != "kk;'+ru;'-en" || row[9] != "0" {
		t.Errorf("skills %q (want %q), languages %q, total_hours %q", row[5], want, row[4], row[9])
	}
	for i, line := range strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n") {
		if strings.Count(line, ",") < len(recs[0])-1 || strings.ContainsRune(line, '\r') {
			t.Fatalf("line %d of the file is a broken record: %q", i+1, line)
		}
	}
}

// A platform's volunteer export holds the volunteers its source reported,
// with its own participations, memberships and name only.
func TestVolunteerExportOfAPlatform(t *testing.T) {
	t.Parallel()
	f := setup(t, 100)
	testutil.NewSeeder(t, f.db, "other-portal").Apply(testutil.Volunteer("other-1", "KZ-63"), testutil.Volunteer("other-2", "KZ-11"))
	_, all := f.get(t, "ops", "/v1/exports/volunteers.csv")
	w, own := f.get(t, "synthetic-push", "/v1/exports/volunteers.csv")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var want int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(DISTINCT pv.record_id) FROM provenance pv JOIN sources s ON s.id = pv.source_id
		JOIN volunteers v ON v.id = pv.record_id AND v.deleted_at IS NULL
		WHERE pv.record_type = 'volunteer' AND pv.deleted_at IS NULL AND s.name = 'synthetic'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want == 0 || len(own)-1 != want || len(own) >= len(all) {
		t.Fatalf("the platform's export has %d rows; it reported %d volunteers, the hub holds %d", len(own)-1, want, len(all)-1)
	}
	for _, rec := range own[1:] {
		if rec[11] != "synthetic" {
			t.Fatalf("a row names sources %q", rec[11])
		}
	}
}
