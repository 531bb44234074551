package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestMarkdownTable(t *testing.T) {
	t.Parallel()
	rep := &Report{Label: "demo", Started: "2026-12-02T03:40:08Z", Machine: Machine{CPUs: 2, MemTotalBytes: 24 << 30},
		Settings: Settings{Concurrency: 10, DurationPerSide: "10s", Warmup: "2s", Rounds: 2, HubRole: "dashboard key"},
		Results: []Result{
			{Name: "a-projects", About: "100 projects", Peer: peerPostGraphile, Check: Check{statusEqual, "71 projects"},
				Hub:      Side{Target: "hub", Requests: 1760, RPS: 176, Latency: Summary{P50: 54500 * time.Microsecond, P95: 98 * time.Millisecond, P99: 119 * time.Millisecond}},
				PeerSide: &Side{Target: peerPostGraphile, Requests: 3720, RPS: 372, Latency: Summary{P99: 49200 * time.Microsecond}},
				RatioRPS: 176.0 / 372, RatioP99: 119 / 49.2},
			{Name: "g-search-typo", Peer: "PostgreSQL tsvector", Check: Check{statusNotCompared, "different matching"},
				Hub: Side{Target: "hub", Requests: 10, RPS: 5.5, Latency: Summary{P99: 2760 * time.Microsecond}}},
		}}
	var b strings.Builder
	markdown(&b, rep)
	md := b.String()
	for _, want := range []string{
		"| query | hub req/s | p50 | p95 | p99 | peer | peer req/s | peer p99 | ratio req/s | ratio p99 |",
		"| a-projects | 176 | 54.5 ms | 98.0 ms | 119 ms | PostGraphile | 372 | 49.2 ms | 0.47 | 2.42 |",
		"| g-search-typo | 5.5 | – | – | 2.76 ms | – | – | – | – | – |",
		"- a-projects (100 projects): **equal**: 71 projects",
		"### hubbench — demo — 2026-12-02T03:40:08Z",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	c, err := ParseFlags([]string{"-db", "postgres://x@h/db", "-c", "3", "-only", "^a-", "-duration", "3s", "-requests", "0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Concurrency != 3 || !c.Only.MatchString("a-projects") || c.Only.MatchString("b-organizations") || c.Duration != 3*time.Second {
		t.Errorf("config = %+v", c)
	}
	for _, args := range [][]string{
		{"-db", "", "-list=false"},
		{"-db", "x", "-c", "0"},
		{"-db", "x", "-hub", "ftp://h"},
		{"-db", "x", "-only", "("},
		{"-db", "x", "-hub-pprof", "http://127.0.0.1:1"},
		{"-db", "x", "extra"},
	} {
		if _, err := ParseFlags(args, io.Discard); err == nil {
			t.Errorf("ParseFlags(%q) accepted", args)
		}
	}
}

func TestEveryQueryHasItsTexts(t *testing.T) {
	t.Parallel()
	b := &Bench{Config: &Config{PeerQueries: "../../bench/postgraphile/queries"}}
	qs := b.queries()
	if err := b.loadPeerDocs(qs); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, q := range qs {
		if names[q.Name] {
			t.Errorf("two queries are named %s", q.Name)
		}
		names[q.Name] = true
		if !strings.Contains(q.HubDoc, "query ") || q.check == nil {
			t.Errorf("%s: no hub query or no check", q.Name)
		}
		switch q.Peer {
		case peerPostGraphile:
			if !strings.Contains(q.PeerDoc, "query ") {
				t.Errorf("%s: no PostGraphile query", q.Name)
			}
		case peerPostgres:
			if !strings.HasPrefix(q.SQL, "SELECT") && !strings.HasPrefix(q.SQL, "WITH") {
				t.Errorf("%s: SQL %q", q.Name, q.SQL)
			}
		default:
			t.Errorf("%s: no peer", q.Name)
		}
	}
	// The peer's c-volunteers lists participations newest first, as the hub does.
	if !strings.Contains(b.peerDocs["c-volunteers.graphql"], "participations(first: 5, orderBy: PRIMARY_KEY_DESC") {
		t.Error("bench/postgraphile/queries/c-volunteers.graphql does not order participations newest first")
	}
	if err := (&Bench{Config: &Config{PeerQueries: t.TempDir()}}).loadPeerDocs(qs); err == nil {
		t.Error("a directory without the peer's queries was accepted")
	}
}
