package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// gqlAnswerError is one error of a GraphQL gqlAnswer.
type gqlAnswerError struct {
	Message    string
	Path       []any
	Extensions struct{ Code string }
}

// gqlAnswer is a decoded GraphQL gqlAnswer.
type gqlAnswer struct {
	Data   map[string]any
	Errors []gqlAnswerError
	raw    string
}

// ask runs query as the caller of token ("" for anonymous).
func (e *env) ask(t *testing.T, token, query string) gqlAnswer {
	t.Helper()
	var opts []client.Option
	if token != "" {
		opts = append(opts, client.AddHeader("Authorization", "Bearer "+token))
	}
	raw, err := e.client.RawPost(query, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var a gqlAnswer
	b, _ := json.Marshal(raw)
	a.raw = string(b)
	a.Data, _ = raw.Data.(map[string]any)
	if len(raw.Errors) > 0 && string(raw.Errors) != "null" {
		if err := json.Unmarshal(raw.Errors, &a.Errors); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// jsonAt follows a path of keys and indexes through decoded JSON.
func jsonAt(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// personalVolunteer is a volunteer with every personal field set.
// seedPersonalVolunteers seeds n volunteers v0… with personal parts.
func (e *env) seedPersonalVolunteers(n int) {
	recs := make([]*hub.FeedRecord, n)
	for i := range recs {
		recs[i] = personalVolunteer(fmt.Sprintf("v%d", i), i)
	}
	e.seed.Apply(recs...)
}

func personalVolunteer(id string, i int) *hub.FeedRecord {
	r := testutil.Volunteer(id, "KZ-11")
	birth := time.Date(1998, 4, 15, 0, 0, 0, 0, time.UTC)
	consent := time.Date(2024, 9, 1, 10, 0, 0, 0, time.UTC)
	r.Personal = &hub.VolunteerPersonal{FullName: fmt.Sprintf("Айгерим Сапарова %03d", i), Phone: fmt.Sprintf("+7 701 000 %04d", i),
		Email: fmt.Sprintf("aigerim.%03d@example.kz", i), IIN: fmt.Sprintf("9804154%05d", i), BirthDate: &birth,
		ConsentRef: fmt.Sprintf("consent-2024-%03d", i), ConsentAt: &consent}
	return r
}

func (e *env) volunteerGID(t *testing.T, extID string) string {
	t.Helper()
	var id int64
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT record_id FROM provenance WHERE record_type = 'volunteer' AND external_id = $1`,
		extID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return hub.GlobalID("Volunteer", id)
}

// accessLog returns the access log's entries, oldest first.
func (e *env) accessLog(t *testing.T) []hub.PersonalAccess {
	t.Helper()
	ps := postgres.NewPersonalService(e.db)
	page, err := ps.FindPersonalAccesses(context.Background(), hub.PersonalAccessFilter{}, hub.Page{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []hub.PersonalAccess
	for _, edge := range page.Edges {
		out = append(out, *edge.Node)
	}
	slices.Reverse(out)
	return out
}

// Every personal field × every role: only an admin key gets the value, and
// each of its reads leaves exactly one log entry naming the field. The
// platform that reported the volunteer (its key or its source's token) gets
// the public part and FORBIDDEN for the personal field alone; another
// platform finds no such volunteer; callers who read no records of people
// get the volunteer refused (@people). None of them leaves an entry.
func TestPersonal_FieldsByRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	testutil.SeederFor(t, e.db, f.source).Apply(personalVolunteer("v1", 1))
	gid := e.volunteerGID(t, "v1")
	_, dbID, _ := strings.Cut(mustDecode(t, gid), ":")

	fields := []struct {
		name  string
		enum  hub.PersonalField
		value string
	}{
		{"fullName", hub.PersonalFullName, "Айгерим Сапарова 001"},
		{"phone", hub.PersonalPhone, "+7 701 000 0001"},
		{"email", hub.PersonalEmail, "aigerim.001@example.kz"},
		{"birthDate", hub.PersonalBirthDate, "1998-04-15"},
		{"iin", hub.PersonalIIN, "980415400001"},
		{"consentRef", hub.PersonalConsentRef, "consent-2024-001"},
		{"consentAt", hub.PersonalConsentAt, "2024-09-01T10:00:00Z"},
	}
	callers := []struct {
		name, token string
		admin       bool
		refused     string // the code refusing the whole volunteer
	}{
		{"anonymous", "", false, "UNAUTHENTICATED"},
		{"researcher", f.tokens["kimep"], false, "FORBIDDEN"},
		{"dashboard", f.tokens["ministry"], false, "FORBIDDEN"},
		{"another platform", f.tokens["other-push"], false, "NOT_FOUND"},
		{"platform key", f.tokens["akmola-push"], false, ""},
		{"source token", f.tokens["source"], false, ""},
		{"admin", f.tokens["ops"], true, ""},
	}
	for _, field := range fields {
		for _, c := range callers {
			before := len(e.accessLog(t))
			a := e.ask(t, c.token, fmt.Sprintf(`{ volunteer(id: %q) { id ageBand personal { %s } } }`, gid, field.name))
			log := e.accessLog(t)
			if c.refused != "" {
				if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != c.refused || fmt.Sprint(a.Errors[0].Path) != "[volunteer]" ||
					jsonAt(a.Data, "volunteer") != nil || strings.Contains(a.raw, field.value) {
					t.Errorf("%s, %s: %s; want %s for the volunteer", c.name, field.name, a.raw, c.refused)
				}
				if len(log) != before {
					t.Errorf("%s, %s: a refused read was logged", c.name, field.name)
				}
				continue
			}
			if jsonAt(a.Data, "volunteer", "id") != gid || jsonAt(a.Data, "volunteer", "ageBand") != "AGE_25_34" {
				t.Errorf("%s, %s: the public part is missing: %s", c.name, field.name, a.raw)
			}
			if c.admin {
				if len(a.Errors) != 0 || jsonAt(a.Data, "volunteer", "personal", field.name) != field.value {
					t.Errorf("%s, %s: %s; want %q", c.name, field.name, a.raw, field.value)
				}
				if len(log) != before+1 {
					t.Fatalf("%s, %s: %d log entries for one read", c.name, field.name, len(log)-before)
				}
				got := log[len(log)-1]
				if got.KeyName != "ops" || got.Role != hub.RoleAdmin || fmt.Sprint(got.VolunteerID) != dbID ||
					!slices.Equal(got.Fields, []hub.PersonalField{field.enum}) {
					t.Errorf("%s, %s: log entry %+v", c.name, field.name, got)
				}
				continue
			}
			if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != "FORBIDDEN" || fmt.Sprint(a.Errors[0].Path) != "[volunteer personal]" ||
				jsonAt(a.Data, "volunteer", "personal") != nil || strings.Contains(a.raw, field.value) {
				t.Errorf("%s, %s: %s; want FORBIDDEN for personal only", c.name, field.name, a.raw)
			}
			if len(log) != before {
				t.Errorf("%s, %s: a refused read was logged", c.name, field.name)
			}
		}
	}
}

func mustDecode(t *testing.T, gid string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		t.Fatalf("%q is not a global id", gid)
	}
	return string(b)
}

// Aliases with different fields are two reads, each logged with its own
// fields; the same selection twice is one. A selection of no personal field
// asks only whether there is a personal part, and is logged with none.
func TestPersonal_LogNamesTheFieldsOfEachSelection(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	e.seed.Apply(personalVolunteer("v1", 1), testutil.Volunteer("v2", "KZ-11"))
	gid, plain := e.volunteerGID(t, "v1"), e.volunteerGID(t, "v2")
	a := e.ask(t, f.tokens["ops"], fmt.Sprintf(`{
		volunteer(id: %q) { a: personal { iin phone } b: personal { ...P } c: personal { phone iin } d: personal { __typename } }
		other: volunteer(id: %q) { personal { iin } }
	} fragment P on VolunteerPersonal { fullName fullName @include(if: true) email @skip(if: true) }`, gid, plain))
	if len(a.Errors) != 0 || jsonAt(a.Data, "volunteer", "a", "iin") != "980415400001" || jsonAt(a.Data, "volunteer", "b", "fullName") == nil ||
		jsonAt(a.Data, "volunteer", "d", "__typename") != "VolunteerPersonal" || jsonAt(a.Data, "other", "personal") != nil {
		t.Fatalf("%s", a.raw)
	}
	var got [][]hub.PersonalField
	for _, entry := range e.accessLog(t) {
		got = append(got, entry.Fields)
	}
	slices.SortFunc(got, func(x, y []hub.PersonalField) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
	want := [][]hub.PersonalField{nil, {hub.PersonalFullName}, {hub.PersonalPhone, hub.PersonalIIN}}
	slices.SortFunc(want, func(x, y []hub.PersonalField) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logged fields %v, want %v (the volunteer without a personal part is not logged)", got, want)
	}
}

// A page of 50 volunteers with their personal parts costs one statement
// for the personal parts, which logs all 50 reads; the count does not grow
// with the page. A caller who may not see them costs none: their platform
// gets the public parts and FORBIDDEN for each personal part, a dashboard
// the whole list refused.
func TestStatementCount_VolunteersPersonal(t *testing.T) {
	t.Parallel()
	const query = `{ volunteers(first: 50) { edges { node { ageBand personal { fullName iin birthDate } } } } }`
	counts := map[int]int{}
	for _, n := range []int{5, 50} {
		e := setup(t)
		f := setupAuth(t, e)
		e.seed = testutil.SeederFor(t, e.db, f.source)
		e.seedPersonalVolunteers(n)
		for _, k := range []string{"ops", "akmola-push", "ministry"} {
			e.ask(t, f.tokens[k], `{ regions { code } }`) // the key's first use is written once; not counted
		}

		e.counter.Reset()
		a := e.ask(t, f.tokens["ops"], query)
		stmts := e.counter.Statements()
		if len(a.Errors) != 0 || len(jsonAt(a.Data, "volunteers", "edges").([]any)) != n {
			t.Fatalf("%d volunteers: %s", n, a.raw)
		}
		for i := range n {
			if jsonAt(a.Data, "volunteers", "edges", i, "node", "personal", "iin") == nil {
				t.Fatalf("volunteer %d without its IIN: %s", i, a.raw)
			}
		}
		personal := 0
		for _, s := range stmts {
			if strings.Contains(s, "volunteer_personal") {
				personal++
			}
		}
		if personal != 1 {
			t.Errorf("%d volunteers: %d statements read personal data, want 1:\n%s", n, personal, strings.Join(stmts, "\n---\n"))
		}
		if log := e.accessLog(t); len(log) != n {
			t.Errorf("%d volunteers read: %d log entries", n, len(log))
		}
		counts[n] = len(stmts)
		t.Logf("%d volunteers with personal parts: %d statements:\n%s", n, len(stmts), strings.Join(stmts, "\n---\n"))

		// Their platform asking the same: FORBIDDEN for each personal
		// part, the public part served, and nothing read or logged.
		e.counter.Reset()
		a = e.ask(t, f.tokens["akmola-push"], query)
		for _, s := range e.counter.Statements() {
			if strings.Contains(s, "volunteer_personal") {
				t.Errorf("a platform's query read personal data: %s", s)
			}
		}
		if len(a.Errors) != n || a.Errors[0].Extensions.Code != "FORBIDDEN" || jsonAt(a.Data, "volunteers", "edges", n-1, "node", "ageBand") == nil {
			t.Errorf("platform: %d errors: %s", len(a.Errors), a.raw)
		}
		// A dashboard: the list refused, and no volunteer read at all.
		e.counter.Reset()
		a = e.ask(t, f.tokens["ministry"], query)
		for _, s := range e.counter.Statements() {
			if strings.Contains(s, "volunteers") {
				t.Errorf("a dashboard's query read volunteers: %s", s)
			}
		}
		if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != "FORBIDDEN" || jsonAt(a.Data, "volunteers") != nil {
			t.Errorf("dashboard: %s", a.raw)
		}
		if log := e.accessLog(t); len(log) != n {
			t.Errorf("a refused read was logged")
		}
	}
	if counts[5] != counts[50] {
		t.Fatalf("statement count grows with rows: 5 volunteers → %d, 50 → %d", counts[5], counts[50])
	}
}

// When the log cannot be written, the personal data is not returned.
func TestPersonal_NotReturnedWhenTheLogFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	e.seed.Apply(personalVolunteer("v1", 1))
	gid := e.volunteerGID(t, "v1")
	if _, err := e.db.Pool.Exec(context.Background(), `ALTER TABLE personal_access_log ADD CONSTRAINT refuse CHECK (false) NOT VALID`); err != nil {
		t.Fatal(err)
	}
	a := e.ask(t, f.tokens["ops"], fmt.Sprintf(`{ volunteer(id: %q) { ageBand personal { fullName iin } } }`, gid))
	if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != "INTERNAL_SERVER_ERROR" || jsonAt(a.Data, "volunteer", "personal") != nil ||
		jsonAt(a.Data, "volunteer", "ageBand") == nil || strings.Contains(a.raw, "980415400001") || strings.Contains(a.raw, "Айгерим") {
		t.Fatalf("%s", a.raw)
	}
}

// The access log through GraphQL: admins only, filtered, paged, with the
// volunteer it names.
func TestPersonalDataAccessLog(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	e.seed.Apply(personalVolunteer("v1", 1), personalVolunteer("v2", 2))
	v1, v2 := e.volunteerGID(t, "v1"), e.volunteerGID(t, "v2")
	token, err := postgres.NewKeyService(e.db).CreateKey(context.Background(), &hub.APIKey{Name: "night-ops", Role: hub.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	e.ask(t, f.tokens["ops"], fmt.Sprintf(`{ a: volunteer(id: %q) { personal { iin } } b: volunteer(id: %q) { personal { phone email } } }`, v1, v2))
	e.ask(t, token, fmt.Sprintf(`{ volunteer(id: %q) { personal { fullName } } }`, v1))

	const q = `query($v: ID, $k: String, $after: String) {
		personalDataAccessLog(volunteerId: $v, keyName: $k, first: 2, after: $after) {
			totalCount pageInfo { hasNextPage endCursor }
			edges { node { at keyName role volunteerId volunteer { id } fields } } } }`
	page := func(token string, vars map[string]any) gqlAnswer {
		t.Helper()
		var opts []client.Option
		for k, v := range vars {
			opts = append(opts, client.Var(k, v))
		}
		opts = append(opts, client.AddHeader("Authorization", "Bearer "+token))
		raw, err := e.client.RawPost(q, opts...)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(raw)
		var a gqlAnswer
		a.raw = string(b)
		a.Data, _ = raw.Data.(map[string]any)
		if len(raw.Errors) > 0 && string(raw.Errors) != "null" {
			_ = json.Unmarshal(raw.Errors, &a.Errors)
		}
		return a
	}
	a := page(f.tokens["ops"], nil)
	if len(a.Errors) != 0 || jsonAt(a.Data, "personalDataAccessLog", "totalCount") != 3.0 ||
		jsonAt(a.Data, "personalDataAccessLog", "pageInfo", "hasNextPage") != true {
		t.Fatalf("first page: %s", a.raw)
	}
	newest := jsonAt(a.Data, "personalDataAccessLog", "edges", 0, "node").(map[string]any)
	if newest["keyName"] != "night-ops" || newest["role"] != "ADMIN" || newest["volunteerId"] != v1 ||
		jsonAt(newest, "volunteer", "id") != v1 || fmt.Sprint(newest["fields"]) != "[FULL_NAME]" {
		t.Errorf("newest entry: %v", newest)
	}
	// The first request's two reads are one statement, in no set order.
	firstTwo := []string{fmt.Sprint(jsonAt(a.Data, "personalDataAccessLog", "edges", 1, "node", "fields"))}
	a = page(f.tokens["ops"], map[string]any{"after": jsonAt(a.Data, "personalDataAccessLog", "pageInfo", "endCursor")})
	if len(a.Errors) != 0 || len(jsonAt(a.Data, "personalDataAccessLog", "edges").([]any)) != 1 ||
		jsonAt(a.Data, "personalDataAccessLog", "pageInfo", "hasNextPage") != false {
		t.Errorf("second page: %s", a.raw)
	}
	firstTwo = append(firstTwo, fmt.Sprint(jsonAt(a.Data, "personalDataAccessLog", "edges", 0, "node", "fields")))
	slices.Sort(firstTwo)
	if fmt.Sprint(firstTwo) != "[[IIN] [PHONE EMAIL]]" {
		t.Errorf("the first request's entries name %v", firstTwo)
	}
	for name, tc := range map[string]struct {
		vars map[string]any
		want float64
	}{
		"volunteer":  {map[string]any{"v": v1}, 2},
		"key":        {map[string]any{"k": "ops"}, 2},
		"both":       {map[string]any{"v": v2, "k": "night-ops"}, 0},
		"other type": {map[string]any{"v": hub.GlobalID("Project", 1)}, -1},
	} {
		a := page(f.tokens["ops"], tc.vars)
		if tc.want < 0 {
			if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
				t.Errorf("%s: %s", name, a.raw)
			}
			continue
		}
		if len(a.Errors) != 0 || jsonAt(a.Data, "personalDataAccessLog", "totalCount") != tc.want {
			t.Errorf("%s: %s", name, a.raw)
		}
	}

	// Anyone else: FORBIDDEN for the log, the rest of the gqlAnswer served.
	for name, token := range map[string]string{"anonymous": "", "researcher": f.tokens["kimep"], "dashboard": f.tokens["ministry"],
		"platform": f.tokens["akmola-push"], "source": f.tokens["source"]} {
		a := e.ask(t, token, `{ regions { code } personalDataAccessLog { totalCount edges { node { keyName } } } }`)
		if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != "FORBIDDEN" || fmt.Sprint(a.Errors[0].Path) != "[personalDataAccessLog]" ||
			jsonAt(a.Data, "personalDataAccessLog") != nil || len(jsonAt(a.Data, "regions").([]any)) != 20 {
			t.Errorf("%s: %s", name, a.raw)
		}
	}
}

// Personal values never reach the logs: not when served, not when refused,
// not when reading fails.
func TestPersonal_NeverLogged(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	rec := personalVolunteer("v1", 1)
	e.seed.Apply(rec)
	gid := e.volunteerGID(t, "v1")
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := graph.WithPrincipal(f.auth, nil, log, graph.NewHandler(e.r, log, graph.HandlerOptions{}))
	query := fmt.Sprintf(`{"query":"{ volunteer(id: \"%s\") { personal { fullName phone email iin birthDate consentRef } } }"}`, gid)
	do := func(token string) string {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(query))
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Body.String()
	}
	if body := do(f.tokens["ops"]); !strings.Contains(body, rec.Personal.IIN) {
		t.Fatalf("admin read: %s", body)
	}
	do(f.tokens["ministry"])
	do("")
	// A read that fails: the personal part sealed under a key the ring
	// does not hold.
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE volunteer_personal SET sealed = set_byte(sealed, length(sealed) - 1, 0)`); err != nil {
		t.Fatal(err)
	}
	if body := do(f.tokens["ops"]); !strings.Contains(body, "INTERNAL_SERVER_ERROR") || strings.Contains(body, rec.Personal.IIN) {
		t.Fatalf("a read that cannot open the data: %s", body)
	}
	if !strings.Contains(logs.String(), "graphql resolver failed") {
		t.Fatalf("the failure was not logged:\n%s", logs.String())
	}
	p := rec.Personal
	for _, v := range []string{p.FullName, p.Phone, p.Email, p.IIN, p.BirthDate.Format(time.DateOnly), p.ConsentRef} {
		if strings.Contains(logs.String(), v) {
			t.Errorf("the logs hold a personal value:\n%s", logs.String())
		}
	}
}

// Every read of a personal part is logged once, however a query reaches
// it: two root fields listing the same volunteers at once, or one
// volunteer asked for alone and in a list. Both resolve concurrently, so
// each query runs 10 times to meet the interleavings.
func TestPersonalReadLoggedOncePerRequest(t *testing.T) {
	const n = 50
	e := setup(t)
	f := setupAuth(t, e)
	e.seedPersonalVolunteers(n)
	logged := func() int {
		var c int
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM personal_access_log`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	list := `volunteers(first: 50) { edges { node { personal { iin } } } }`
	for name, q := range map[string]string{
		"two lists at once":          `{ a: ` + list + ` b: ` + list + ` }`,
		"one volunteer and the list": fmt.Sprintf(`{ v: volunteer(id: %q) { personal { iin } } %s }`, e.volunteerGID(t, "v0"), list),
	} {
		for run := range 10 {
			before := logged()
			e.counter.Reset()
			if a := e.ask(t, f.tokens["ops"], q); len(a.Errors) != 0 {
				t.Fatalf("%s: %s", name, a.raw)
			}
			reads := 0
			for _, s := range e.counter.Statements() {
				if strings.Contains(s, "volunteer_personal") {
					reads++
				}
			}
			// The lone volunteer may be read on its own before the list
			// takes the rest: two reads, never a volunteer read twice.
			if got := logged() - before; got != n || reads < 1 || reads > 2 {
				t.Errorf("%s, run %d: %d access-log rows and %d reads of personal parts, want %d and 1 or 2", name, run+1, got, reads, n)
			}
		}
	}
}
