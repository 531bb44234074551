package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
)

// These tests run the whole hub against a throwaway database and Redis
// database testutil.RedisDBHub; they share that Redis database, so they do
// not run in parallel.

func testEnv(t *testing.T) func(string) string {
	t.Helper()
	dbURL := testutil.CreateDatabase(t)
	testutil.Redis(t, testutil.RedisDBHub)
	env := map[string]string{
		"DATABASE_URL":         dbURL,
		"REDIS_ADDR":           testutil.RedisAddr(),
		"REDIS_DB":             "2",
		"HUB_ADDR":             "127.0.0.1:0",
		"HUB_DATA_DIR":         t.TempDir(),
		"HUB_LOG_LEVEL":        "warn",
		"HUB_SHUTDOWN_TIMEOUT": "5s",
	}
	return func(k string) string { return env[k] }
}

// startHub loads the demo data and serves it on a free port, the way
// `hub demo` does; it returns the base URL.
func startHub(t *testing.T, getenv func(string) string) (*Main, string) {
	t.Helper()
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	m := NewMain(cfg, newLogger(cfg, &logs), io.Discard, io.Discard)
	t.Cleanup(m.Close)
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	if err := m.open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.openSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.startWorkers(); err != nil {
		t.Fatal(err)
	}
	if err := m.listen(); err != nil {
		t.Fatal(err)
	}
	batches, err := m.loadDemo(ctx, DefaultDemoVolunteers)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo loaded in %s", time.Since(start))
	for _, b := range batches {
		if b.Status != hub.BatchDone || b.Counts.Failed != 0 {
			t.Fatalf("demo batch %s: %s, %d failed: %s", b.Source, b.Status, b.Counts.Failed, logs.String())
		}
	}
	done := make(chan error, 1)
	go func() { done <- m.serveHTTP(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("graceful shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not shut down within 10 s")
		}
	})
	return m, m.URL()
}

func postGraphQL(t *testing.T, url, query string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, out)
	}
	return out
}

var update = flag.Bool("update", false, "rewrite README.md's example answer with what the hub answers")

// readmeExample returns the example query of README.md and the answer it
// shows, so the README cannot drift from what the hub answers.
func readmeExample(t *testing.T) (query string, answer map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- example-query -->\\s*```graphql\\n(.*?)```.*?<!-- example-answer -->\\s*```json\\n(.*?)```")
	m := re.FindSubmatch(b)
	if m == nil {
		t.Fatal("README.md has no <!-- example-query --> / <!-- example-answer --> blocks")
	}
	if err := json.Unmarshal(m[2], &answer); err != nil {
		t.Fatalf("README example answer is not JSON: %v", err)
	}
	return string(m[1]), answer
}

func TestDemoServesReadmeExample(t *testing.T) {
	_, url := startHub(t, testEnv(t))

	query, want := readmeExample(t)
	got := postGraphQL(t, url, query)
	if *update {
		updateReadmeAnswer(t, url, query)
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		pretty, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("README example answer differs (-readme +hub):\n%s\nthe hub answers (go test ./cmd/hub -run README -update rewrites it):\n%s", diff, pretty)
	}

	// Every region has data: projects, and volunteers (counted, so a
	// region of 1 to 9 shows as suppressed, never as 0).
	regions := postGraphQL(t, url, `{ regions { code } }`)["data"].(map[string]any)["regions"].([]any)
	stats := postGraphQL(t, url, `{ statistics(measures: [PROJECTS, VOLUNTEERS], groupBy: [REGION]) { rows { keys values suppressed } } }`)
	rows := map[string][]any{}
	for _, r := range stats["data"].(map[string]any)["statistics"].(map[string]any)["rows"].([]any) {
		row := r.(map[string]any)
		rows[row["keys"].([]any)[0].(string)] = row["values"].([]any)
	}
	for _, r := range regions {
		code := r.(map[string]any)["code"].(string)
		v := rows[code]
		if len(v) != 2 || v[0] == nil || v[0].(float64) == 0 || v[1] != nil && v[1].(float64) == 0 {
			t.Errorf("region %s: %v projects and volunteers; every region should have demo data", code, v)
		}
	}
	if len(regions) != 20 {
		t.Errorf("%d regions, want 20", len(regions))
	}
}

// updateReadmeAnswer writes the hub's answer to query, fields in the order
// the hub sends them, into README.md's example-answer block.
func updateReadmeAnswer(t *testing.T, url, query string) {
	t.Helper()
	path := filepath.Join("..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	re := regexp.MustCompile("(?s)(<!-- example-answer -->\\s*```json\\n).*?(```)")
	out := re.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := re.FindSubmatch(m)
		return append(append(append([]byte{}, sub[1]...), pretty.Bytes()...), sub[2]...)
	})
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log("README.md example answer rewritten")
}

func TestSearchReindexAndCheckCommands(t *testing.T) {
	getenv := testEnv(t)
	_, url := startHub(t, getenv)

	// The demo's changes reach the index through the outbox within seconds.
	var total float64
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		res := postGraphQL(t, url, `{ search(query: "eriktiler", types: [PROJECT, ORGANIZATION]) { totalCount hits { node { __typename } highlights { snippet } } } }`)
		total = res["data"].(map[string]any)["search"].(map[string]any)["totalCount"].(float64)
		if total > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if total == 0 {
		t.Fatal("the demo data never became searchable")
	}

	var out, errOut bytes.Buffer
	ctx := context.Background()
	if err := Run(ctx, []string{"search", "check"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("search check: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "0 missing, 0 stale, 0 extra") {
		t.Fatalf("search check: %s", out.String())
	}
	out.Reset()
	if err := Run(ctx, []string{"reindex"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("reindex: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "index rebuilt and swapped in") {
		t.Fatalf("reindex: %s", out.String())
	}
	res := postGraphQL(t, url, `{ search(query: "eriktiler", types: [PROJECT, ORGANIZATION]) { totalCount } }`)
	if got := res["data"].(map[string]any)["search"].(map[string]any)["totalCount"].(float64); got != total {
		t.Fatalf("after reindex %v hits, before %v", got, total)
	}
}

func TestStatisticsRebuildAndCheckCommands(t *testing.T) {
	getenv := testEnv(t)
	startHub(t, getenv)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"statistics", "rebuild"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("statistics rebuild: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "statistics rebuilt as of") {
		t.Fatalf("statistics rebuild: %s", out.String())
	}
	out.Reset()
	if err := Run(ctx, []string{"statistics", "check"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("statistics check: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "the statistics equal a fresh count, cell by cell") || !strings.Contains(out.String(), "VOLUNTEER_HOURS") {
		t.Fatalf("statistics check: %s", out.String())
	}
	if err := Run(ctx, []string{"statistics", "recount"}, getenv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "usage: hub statistics") {
		t.Fatalf("statistics recount: %v", err)
	}
}

func TestHealthReadinessMetricsExplorer(t *testing.T) {
	_, url := startHub(t, testEnv(t))
	// A receipt read (here refused: no token) is a request of the feed API.
	if resp, err := http.Get(url + "/v1/batches/01a207ba-6a78-74bb-914a-783a45ce25d1"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("receipt without a token: %v %v", resp, err)
	}
	for path, want := range map[string]string{
		"/metrics ": `hub_http_request_duration_seconds_count{code="401",handler="feeds",method="get"} 1`,
		"/healthz":  `"status":"ok"`,
		"/readyz":   `"postgres":"ok"`,
		"/metrics":  `hub_batches{status="done"} 4`,
		"/":         "GraphiQL",
	} {
		resp, err := http.Get(url + strings.TrimSpace(path))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, body does not contain %q:\n%.300s", path, resp.StatusCode, want, b)
		}
	}
}

func TestIngestCommandReportsBadLines(t *testing.T) {
	getenv := testEnv(t)
	ctx := context.Background()
	// A worker must run for `hub ingest` to follow its batch to the end.
	cfg, _ := LoadConfig(getenv)
	w := NewMain(cfg, newLogger(cfg, io.Discard), io.Discard, io.Discard)
	t.Cleanup(w.Close)
	if err := w.open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.startWorkers(); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"sources", "add", "akmola-portal", "--kind", "regional_platform", "--region", "KZ-11"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("sources add: %v", err)
	}
	feed := filepath.Join(t.TempDir(), "feed.ndjson")
	lines := `{"type":"organization","id":"o1","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"Доброе сердце"},"region":"KZ-11"}}
{"type":"project","id":"p1","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"kk":"Таза әлем"},"region":"KZ-11","status":"ACTIVE","directions":["волонтерство на луне"]}}
{"type":"volunteer","id":"v1","updated_at":"2026-01-13T10:00:00Z","data":{"region":"KZ-11","iin":"990101300123","full_name":"Айгерим"}}
`
	if err := os.WriteFile(feed, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Run(ctx, []string{"ingest", feed, "--source", "akmola-portal"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"done", "line 2  data.directions[0]", "line 3  data.consent_ref"} {
		if !strings.Contains(got, want) {
			t.Errorf("ingest output lacks %q:\n%s", want, got)
		}
	}
	// Personal values sent without consent are neither stored nor echoed.
	for _, personal := range []string{"990101300123", "Айгерим"} {
		if strings.Contains(got, personal) || strings.Contains(errOut.String(), personal) {
			t.Errorf("ingest output echoes a personal value:\n%s", got)
		}
	}
	var n int
	if err := w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM volunteer_personal`).Scan(&n); err != nil || n != 0 {
		t.Errorf("volunteer_personal has %d rows (%v); personal data without consent must not be stored", n, err)
	}

	out.Reset()
	if err := Run(ctx, []string{"ingest", "--stats", feed, "--source", "akmola-portal"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("ingest --stats: %v", err)
	}
	for _, want := range []string{"records/s end to end", "raw COPY of the same", "ratio:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ingest --stats output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := Run(ctx, []string{"sources", "list"}, getenv, &out, &errOut); err != nil || !strings.Contains(out.String(), "akmola-portal") {
		t.Errorf("sources list: %v\n%s", err, out.String())
	}
	if err := Run(ctx, []string{"ingest", feed, "--source", "nobody"}, getenv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "hub sources add nobody") {
		t.Errorf("ingest for an unknown source: %v", err)
	}
	html := filepath.Join(t.TempDir(), "page.html")
	_ = os.WriteFile(html, []byte("<html>502 Bad Gateway</html>"), 0o644)
	if err := Run(ctx, []string{"ingest", html, "--source", "akmola-portal"}, getenv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not an NDJSON feed") {
		t.Errorf("ingest of an HTML page: %v", err)
	}
}

func TestConfigErrorsSayWhatToFix(t *testing.T) {
	for name, tc := range map[string]struct{ key, value, want string }{
		"database url": {"DATABASE_URL", "mysql://x", "DATABASE_URL must be a postgres:// URL"},
		"redis addr":   {"REDIS_ADDR", "localhost", "REDIS_ADDR must be host:port"},
		"redis db":     {"REDIS_DB", "sixteen", "REDIS_DB must be a number"},
		"log level":    {"HUB_LOG_LEVEL", "loud", "HUB_LOG_LEVEL must be"},
		"timeout":      {"HUB_SHUTDOWN_TIMEOUT", "soon", "HUB_SHUTDOWN_TIMEOUT must be a duration"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(func(k string) string {
				if k == tc.key {
					return tc.value
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Unreachable services are named with the fix.
	var out bytes.Buffer
	err := Run(context.Background(), []string{"migrate"}, func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
		}
		return ""
	}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL at 127.0.0.1:1") {
		t.Fatalf("migrate against a closed port: %v", err)
	}
}

// TestIngestStoresWhileRedisIsDown: with Redis unreachable, `hub ingest`
// still stores the batch (status received); the workers' reconciler
// queues it once Redis is back.
func TestIngestStoresWhileRedisIsDown(t *testing.T) {
	base := testEnv(t)
	getenv := func(k string) string {
		if k == "REDIS_ADDR" {
			return "127.0.0.1:1" // nothing listens there
		}
		return base(k)
	}
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"sources", "add", "akmola-portal", "--kind", "regional_platform"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("sources add: %v", err)
	}
	feed := filepath.Join(t.TempDir(), "feed.ndjson")
	if err := os.WriteFile(feed, []byte(`{"type":"organization","id":"o1","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"Доброе сердце"},"region":"KZ-11"}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Run(ctx, []string{"ingest", feed, "--source", "akmola-portal", "--wait=false"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("ingest with Redis down: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "stored") {
		t.Fatalf("output: %s", out.String())
	}
	cfg, _ := LoadConfig(getenv)
	m := NewMain(cfg, newLogger(cfg, io.Discard), io.Discard, io.Discard)
	t.Cleanup(m.Close)
	if err := m.openDB(ctx); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := m.DB.Pool.QueryRow(ctx, `SELECT status FROM batches`).Scan(&status); err != nil || status != "received" {
		t.Fatalf("batch status %q (%v), want one batch received", status, err)
	}
}
