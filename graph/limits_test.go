package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/introspection"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// The limits of the public endpoint (SECURITY.md), tested over HTTP
// through the real middleware on a real database: each refused request
// is checked for its status, its error code, and that no SQL ran.

// limitEnv is a database, its statement counter, and the GraphQL handler
// with options, behind WithPrincipal as cmd/hub mounts it.
type limitEnv struct {
	db      *postgres.DB
	counter *testutil.StatementCounter
	seed    *testutil.Seeder
	r       *graph.Resolver
	auth    *hub.Authenticator
	handler http.Handler
}

func newResolver(t *testing.T, db *postgres.DB) *graph.Resolver {
	t.Helper()
	r, _ := testutil.Resolver(t, db, func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) })
	return r
}

func setupLimits(t *testing.T, opts graph.HandlerOptions) *limitEnv {
	t.Helper()
	counter := &testutil.StatementCounter{}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = counter })
	e := &limitEnv{db: db, counter: counter, seed: testutil.NewSeeder(t, db, "test-platform"), r: newResolver(t, db)}
	e.auth = &hub.Authenticator{Keys: postgres.NewKeyService(db), Sources: e.r.SourceService}
	e.handler = e.newHandler(opts)
	return e
}

// newHandler is another replica of the endpoint over the same database.
// Its rate limiter, if any, also counts failed credentials, as in cmd/hub.
func (e *limitEnv) newHandler(opts graph.HandlerOptions) http.Handler {
	log := slog.New(slog.DiscardHandler)
	return graph.WithPrincipal(e.auth, opts.RateLimiter, log, graph.NewHandler(e.r, log, opts))
}

// answer is an HTTP answer of the endpoint.
type answer struct {
	status int
	header http.Header
	body   string
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// codes returns the errors' extension codes, in order.
func (a answer) codes() []string {
	var out []string
	for _, e := range a.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

// only reports whether the answer has errors and all carry code.
func (a answer) only(code string) bool {
	cs := a.codes()
	for _, c := range cs {
		if c != code {
			return false
		}
	}
	return len(cs) > 0
}

func (a answer) String() string {
	b := a.body
	if len(b) > 600 {
		b = b[:600] + "…"
	}
	return fmt.Sprintf("%d %s", a.status, b)
}

// request is one HTTP request to a handler.
type request struct {
	get    string // a GET with this query string instead of a POST
	body   io.Reader
	length int64 // -1: chunked, no Content-Length
	token  string
	remote string
	header map[string]string
}

func serve(t *testing.T, h http.Handler, rq request) answer {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/graphql", rq.body)
	if rq.get != "" {
		r = httptest.NewRequest(http.MethodGet, "/graphql?"+rq.get, nil)
	}
	r.Header.Set("Content-Type", "application/json")
	if rq.length != 0 {
		r.ContentLength = rq.length
	}
	if rq.token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.token)
	}
	if rq.remote != "" {
		r.RemoteAddr = rq.remote
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	a := answer{status: w.Code, header: w.Header(), body: w.Body.String()}
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, a)
	}
	return a
}

// post sends one operation as JSON.
func post(t *testing.T, h http.Handler, query string, vars map[string]any) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return serve(t, h, request{body: bytes.NewReader(b)})
}

// refusedBeforeSQL checks that a refused request ran no SQL at all.
func (e *limitEnv) refusedBeforeSQL(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || !a.only(code) || len(a.Data) > 0 && string(a.Data) != "null" {
		t.Errorf("%s: got %s, want %d with only %s errors and no data", what, a, status, code)
	}
	if stmts := e.counter.Statements(); len(stmts) > 0 {
		t.Errorf("%s: %d SQL statements ran before the refusal: %s", what, len(stmts), stmts[0])
	}
}

// deepQuery returns a valid query nested depth fields deep: projects →
// organization → projects … ending on id.
func deepQuery(depth int) string {
	// projects{edges{node{ is 3 levels, each organization{projects{edges{node{
	// 4 more, organization{ 1 more, id the last.
	k, extra := (depth-4)/4, (depth-4)%4
	if extra > 1 {
		panic("deepQuery: depth must be 4k+4 or 4k+5")
	}
	q := "{ projects(first: 1) { edges { node { " + strings.Repeat("organization { projects(first: 1) { edges { node { ", k)
	closing := strings.Repeat("} } } } ", k) + "} } } }"
	if extra == 1 {
		q += "organization { "
		closing = "} " + closing
	}
	return q + "id " + closing
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	e.seed.Apply(testutil.Org("o1", "Ұйым", "KZ-11"), testutil.Project("p1", "o1", "Жоба", "KZ-11"))

	ok := post(t, e.handler, deepQuery(20), nil)
	if ok.status != http.StatusOK || len(ok.Errors) > 0 || !strings.Contains(string(ok.Data), `"id"`) {
		t.Fatalf("a query 20 fields deep (the limit) is refused: %s", ok)
	}
	e.counter.Reset()
	deep := post(t, e.handler, deepQuery(21), nil)
	e.refusedBeforeSQL(t, "21 fields deep", deep, http.StatusUnprocessableEntity, graph.CodeComplexityLimit)
	if len(deep.Errors) > 0 && !strings.Contains(deep.Errors[0].Message, "21 fields deep; the limit is 20") {
		t.Errorf("message does not say how deep: %q", deep.Errors[0].Message)
	}
	e.counter.Reset()
	deeper := post(t, e.handler, deepQuery(401), nil)
	e.refusedBeforeSQL(t, "401 fields deep", deeper, http.StatusUnprocessableEntity, graph.CodeComplexityLimit)
}

func TestFieldLimit_AliasAndFragmentBombs(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range n {
			fmt.Fprintf(&b, "a%d: %s ", i, field)
		}
		return b.String() + "}"
	}

	if a := post(t, e.handler, aliases(500, "__typename"), nil); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("500 fields (the limit) refused: %s", a)
	}
	e.counter.Reset()
	a := post(t, e.handler, aliases(501, "__typename"), nil)
	e.refusedBeforeSQL(t, "501 aliased fields", a, http.StatusUnprocessableEntity, graph.CodeComplexityLimit)

	// Each alias would be a query of its own: 400 root connections, 800
	// fields, cost 400.
	e.counter.Reset()
	a = post(t, e.handler, aliases(400, "projects(first: 1) { totalCount }"), nil)
	e.refusedBeforeSQL(t, "400 aliased connections", a, http.StatusUnprocessableEntity, graph.CodeComplexityLimit)

	// A fragment bomb: 40 tokens per level, each level doubling, 2^30
	// fields once expanded. Refused quickly, without walking the
	// expansion.
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range 30 {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d a%d: __typename ...F%d }\n", i, i+1, i, i+1)
	}
	b.WriteString("fragment F30 on Query { __typename }\n")
	e.counter.Reset()
	start := time.Now()
	a = post(t, e.handler, b.String(), nil)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the fragment bomb took %s to refuse", took)
	}
	if !a.only(graph.CodeComplexityLimit) {
		t.Errorf("fragment bomb: %s", a)
	}
	if len(e.counter.Statements()) > 0 {
		t.Errorf("fragment bomb ran SQL")
	}
}

func TestCostLimit(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	e.seedOrgsWithProjects(12, 2)

	for _, tc := range []struct {
		name, query string
		cost        int // 0: within the limit
	}{
		{"cost bomb: three levels of first: 100", `{ organizations(first: 100) { edges { node { projects(first: 100) { edges { node {
			participations(first: 100) { edges { node { id } } } } } } } } } }`, 100 * (1 + 100*(1+100*1))},
		{"10 organizations × 99 projects: 1,000, the limit", `{ organizations(first: 10) { edges { node {
			projects(first: 99) { edges { node { id } } } } } } }`, 0},
		{"10 organizations × 100 projects: 1,010", `{ organizations(first: 10) { edges { node {
			projects(first: 100) { edges { node { id } } } } } } }`, 1010},
		{"search hits with 10 projects each", `{ search(query: "", first: 100) { hits { node {
			... on Organization { projects(first: 10) { edges { node { id } } } } } } } }`, 1100},
		{"nodes by id with projects", `{ nodes(ids: ["` + strings.Repeat(`T3JnYW5pemF0aW9uOjE", "`, 99) + `T3JnYW5pemF0aW9uOjE"]) {
			... on Organization { projects(first: 10) { edges { node { id } } } } } }`, 100 * 11},
		// Scalars, regions, directions and page info are free: a full
		// page of projects with their organization costs 200.
		{"100 projects with their organization", `{ projects(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
			id title description region { code name } directions { code name } organization { name region { name } } } } } }`, 0},
	} {
		e.counter.Reset()
		a := post(t, e.handler, tc.query, nil)
		if tc.cost == 0 {
			if a.status != http.StatusOK || a.only(graph.CodeComplexityLimit) {
				t.Errorf("%s: %s", tc.name, a)
			}
			continue
		}
		e.refusedBeforeSQL(t, tc.name, a, http.StatusUnprocessableEntity, graph.CodeComplexityLimit)
		if want := fmt.Sprintf("complexity %d, which exceeds the limit of 1000", tc.cost); len(a.Errors) > 0 && !strings.Contains(a.Errors[0].Message, want) {
			t.Errorf("%s: message %q, want %q", tc.name, a.Errors[0].Message, want)
		}
	}

	// A lower limit is taken.
	low := e.newHandler(graph.HandlerOptions{MaxCost: 10})
	if a := post(t, low, `{ projects(first: 11) { edges { node { id } } } }`, nil); !a.only(graph.CodeComplexityLimit) {
		t.Errorf("MaxCost 10, 11 projects: %s", a)
	}
}

func (e *limitEnv) seedOrgsWithProjects(orgs, perOrg int) {
	var recs []*hub.FeedRecord
	for o := range orgs {
		recs = append(recs, testutil.Org(fmt.Sprintf("o%d", o), fmt.Sprintf("Ұйым %03d", o), "KZ-11"))
		for p := range perOrg {
			recs = append(recs, testutil.Project(fmt.Sprintf("o%d-p%d", o, p), fmt.Sprintf("o%d", o), fmt.Sprintf("Жоба %03d-%02d", o, p), "KZ-11"))
		}
	}
	e.seed.Apply(recs...)
}

// first is 1–100 on every connection, nested ones included (their
// resolvers run only when there is a parent, so there is one of each), and
// out of range it is bad input, not a cost: the cost counts it as 100.
func TestFirstOutOfRange(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	e.seedOrgsWithProjects(1, 1)
	e.seed.Apply(testutil.Volunteer("v1", "KZ-11", "o0"), testutil.Participation("pa1", "v1", "o0-p0", 2))
	fields := map[string]string{
		"organizations":            `{ organizations(first: %d) { totalCount } }`,
		"projects":                 `{ projects(first: %d) { totalCount } }`,
		"volunteers":               `{ volunteers(first: %d) { totalCount } }`,
		"unPlacements":             `{ unPlacements(first: %d) { totalCount } }`,
		"search":                   `{ search(query: "", first: %d) { totalCount } }`,
		"Organization.projects":    `{ organizations(first: 1) { edges { node { projects(first: %d) { totalCount } } } } }`,
		"Project.participations":   `{ projects(first: 1) { edges { node { participations(first: %d) { totalCount } } } } }`,
		"Volunteer.participations": `{ volunteers(first: 1) { edges { node { participations(first: %d) { totalCount } } } } }`,
	}
	// As an admin: lists of people are for admins (@people).
	admin := asAdmin(graph.NewHandler(e.r, slog.New(slog.DiscardHandler), graph.HandlerOptions{}))
	for name, q := range fields {
		for _, n := range []int{0, -1, 101, 1_000_000} {
			a := post(t, admin, fmt.Sprintf(q, n), nil)
			if !a.only(graph.CodeBadUserInput) || !strings.Contains(a.Errors[0].Message, "first must be between 1 and 100") {
				t.Errorf("%s(first: %d): %s; want BAD_USER_INPUT", name, n, a)
			}
		}
		if a := post(t, admin, fmt.Sprintf(q, 100), nil); len(a.Errors) > 0 {
			t.Errorf("%s(first: 100): %s", name, a)
		}
	}
}

func TestBatchedRequestRefused(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	op := `{"query":"{ regions { code } organizations(first: 100) { totalCount } }"}`
	body := "[" + strings.TrimSuffix(strings.Repeat(op+",", 1000), ",") + "]"
	for name, b := range map[string]string{"1,000 operations": body, "one operation in an array": "[" + op + "]", "with leading space": "  \n" + body} {
		e.counter.Reset()
		a := serve(t, e.handler, request{body: strings.NewReader(b)})
		e.refusedBeforeSQL(t, name, a, http.StatusBadRequest, graph.CodeBadUserInput)
		if len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, "batched operations (a JSON array) are not supported") ||
			strings.Contains(a.body, "regions") {
			t.Errorf("%s: %s", name, a)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	padded := func(size int) string {
		head, tail := `{"query":"{ regions { code } `, `}"}`
		return head + strings.Repeat(" ", size-len(head)-len(tail)) + tail
	}
	if a := serve(t, e.handler, request{body: strings.NewReader(padded(graph.DefaultMaxBodyBytes))}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("a body of exactly 1 MiB is refused: %s", a)
	}
	big := padded(graph.DefaultMaxBodyBytes + 1)
	for name, rq := range map[string]request{
		"1 MiB + 1 with Content-Length": {body: strings.NewReader(big)},
		"1 MiB + 1 chunked":             {body: strings.NewReader(big), length: -1},
		"10 MiB chunked":                {body: io.LimitReader(zeros{}, 10<<20), length: -1},
		"a Content-Length of 10 GB":     {body: strings.NewReader(`{"query":"{ regions { code } }"}`), length: 10 << 30},
	} {
		e.counter.Reset()
		a := serve(t, e.handler, rq)
		e.refusedBeforeSQL(t, name, a, http.StatusRequestEntityTooLarge, graph.CodeRequestTooLarge)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// A body that cannot be decoded is answered 400 with what is wrong, never
// with the body: it may hold personal data.
func TestUndecodableBodyNotEchoed(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	const secret = "880101300123" // an IIN-shaped value
	for name, tc := range map[string]struct{ body, want string }{
		"variables not an object": {`{"query":"{ regions { code } }","variables":"` + secret + `"}`, `"variables" must be an object`},
		"query not a string":      {`{"query":{"iin":"` + secret + `"}}`, `"query" must be a string`},
		"cut short":               {`{"query":"{ regions { code } }","variables":{"iin":"` + secret, "empty or cut short"},
		"not JSON":                {`query=` + secret, "not valid JSON (at byte 1)"},
		"two values":              {`{"query":"{ regions { code } }"} {"iin":"` + secret + `"}`, "more than one JSON value"},
		"a string":                {`"` + secret + `"`, `must be a JSON object {"query": …, "variables": {…}, "operationName": …}: it is a JSON string`},
		"null":                    {` null `, `must be a JSON object {"query": …, "variables": {…}, "operationName": …}: it is null`},
	} {
		e.counter.Reset()
		a := serve(t, e.handler, request{body: strings.NewReader(tc.body)})
		e.refusedBeforeSQL(t, name, a, http.StatusBadRequest, graph.CodeBadUserInput)
		if strings.Contains(a.body, secret) || len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, tc.want) {
			t.Errorf("%s: %s; want %q and no echo of the body", name, a, tc.want)
		}
	}
}

// A GET whose variables or extensions are not a JSON object is a 400 with
// a code, like every other refusal.
func TestGetBadParams(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	for _, q := range []string{"variables=notjson", "variables=%5B1%5D", "extensions=%7B"} {
		e.counter.Reset()
		a := serve(t, e.handler, request{get: "query=%7B+regions+%7B+code+%7D+%7D&" + q})
		e.refusedBeforeSQL(t, q, a, http.StatusBadRequest, graph.CodeBadUserInput)
	}
	if a := serve(t, e.handler, request{get: "query=%7B+regions+%7B+code+%7D+%7D&variables=%7B%7D"}); a.status != http.StatusOK || len(a.Errors) != 0 {
		t.Errorf("empty variables: %s", a)
	}
}

// A POST that is not JSON is answered 415 with what to send, before it is
// read: form posts, text/plain and a missing Content-Type alike.
func TestPostNotJSONRefused(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "none"} {
		e.counter.Reset()
		a := serve(t, e.handler, request{body: strings.NewReader(`{"query":"{ regions { code } }"}`), header: map[string]string{"Content-Type": ct}})
		e.refusedBeforeSQL(t, ct, a, http.StatusUnsupportedMediaType, graph.CodeBadUserInput)
		if len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, "Content-Type: application/json") {
			t.Errorf("%s: %s", ct, a)
		}
	}
	e.counter.Reset()
	if a := serve(t, e.handler, request{body: strings.NewReader(`{"query":"{ regions { code } }"}`),
		header: map[string]string{"Content-Type": "application/json; charset=utf-8"}}); a.status != http.StatusOK || len(a.Errors) != 0 {
		t.Errorf("JSON with a charset: %s", a)
	}
}

// slowOrganizations makes organizations slow in PostgreSQL itself: a
// pg_sleep on the request's context before the real query.
type slowOrganizations struct {
	hub.OrganizationService
	db *postgres.DB
}

func (s slowOrganizations) FindOrganizations(ctx context.Context, f hub.OrganizationFilter, o hub.OrganizationOrder, p hub.Page) (*hub.Connection[*hub.Organization], error) {
	if _, err := s.db.Pool.Exec(ctx, "SELECT pg_sleep(30) /* slow-organizations */"); err != nil {
		return nil, fmt.Errorf("slow organizations: %w", err)
	}
	return s.OrganizationService.FindOrganizations(ctx, f, o, p)
}

func TestTimeoutCancelsResolversAndSQL(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	e.r.OrganizationService = slowOrganizations{e.r.OrganizationService, e.db}
	h := e.newHandler(graph.HandlerOptions{Timeout: 500 * time.Millisecond})

	start := time.Now()
	a := post(t, h, `{ regions { code } organizations(first: 5) { edges { node { name } } } }`, nil)
	took := time.Since(start)
	if took > 5*time.Second {
		t.Errorf("answered after %s; the timeout is 500ms", took)
	}
	if !a.only(graph.CodeTimeout) || !strings.Contains(a.Errors[0].Message, "limit of 500ms") {
		t.Fatalf("slow query: %s; want TIMEOUT", a)
	}
	// The sleep was cancelled in PostgreSQL, not left running.
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Second)
	for {
		var running int
		if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND query LIKE '%slow-organizations%' AND pid <> pg_backend_pid()`).Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pg_sleep still running in PostgreSQL %s after the timeout", time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The same handler answers fast queries as before.
	if a := post(t, h, `{ regions { code } }`, nil); len(a.Errors) > 0 {
		t.Errorf("after a timeout: %s", a)
	}
}

// The explorer's introspection query passes every limit.
func TestIntrospectionWithinLimits(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	a := post(t, e.handler, introspection.Query, nil)
	if a.status != http.StatusOK || len(a.Errors) > 0 || !strings.Contains(string(a.Data), `"OrganizationConnection"`) {
		t.Fatalf("introspection: %s", a)
	}
}

// A query with more tokens than the parser's limit is refused while
// parsing.
func TestTokenLimit(t *testing.T) {
	t.Parallel()
	e := setupLimits(t, graph.HandlerOptions{})
	q := "{ __typename" + strings.Repeat(" @a", graph.DefaultMaxTokens) + " }"
	a := post(t, e.handler, q, nil)
	if a.status != http.StatusUnprocessableEntity || !a.only("GRAPHQL_PARSE_FAILED") || !strings.Contains(a.Errors[0].Message, "token limit") {
		t.Fatalf("%d tokens: %s", graph.DefaultMaxTokens, a)
	}
}
