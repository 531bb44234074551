// Command hubbench drives a running hub over HTTP at a fixed concurrency
// with the national dashboards' mix of queries, and the same questions to
// a comparison peer: PostGraphile 5 on the same database for the record
// queries, bare PostgreSQL (pgx) for statistics and search, which
// PostGraphile has no equivalent of. Before any load it checks that hub
// and peer answer each question with equal data; then it runs hub and
// peer in alternating rounds and reports requests per second and latency
// percentiles per query, their ratios, the hub's peak resident memory and
// where the CPU went. BENCHMARKS.md says how to run it and how to read it;
// scripts/benchmark starts everything it needs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes of Run.
const (
	exitOK       = 0
	exitFailed   = 1 // a check found unequal answers, or requests failed under load
	exitUsage    = 2
	exitSetupErr = 3 // the hub, the peer or the database could not be reached or prepared
)

// Config is what the flags set.
type Config struct {
	HubURL         string
	PeerURL        string // PostGraphile's /graphql; empty: no PostGraphile comparison
	DBURL          string // the database both serve, for bare PostgreSQL and for setting up the queries
	Concurrency    int
	Duration       time.Duration // measured time per query per side, split over the rounds
	Requests       int           // instead of Duration: requests per query per side
	Warmup         time.Duration // per query per side, before the first round
	Rounds         int
	AdminToken     string
	DashboardToken string
	Only           *regexp.Regexp
	Out            string // Markdown report file
	JSON           string // JSON report file ("-": stdout)
	PeerQueries    string // bench/postgraphile/queries
	HubPID         int
	PeerPID        int
	Deep           int // the deep page starts after this many projects
	Year           int // the year of the REGION × MONTH statistics; 0: the last full year with registrations
	Label          string
	HubVersion     string // what hub was measured, for the report (e.g. git describe --dirty)
	Search         searchWords
	SampleEvery    time.Duration
	StatsWait      time.Duration
	HubPprof       string // the hub's HUB_DEBUG_ADDR as a URL; with ProfileDir, a CPU profile per query
	ProfileDir     string
	CheckOnly      bool
	List           bool
	// The delta phase (delta.go): without a token it does not run.
	DeltaSource  string
	DeltaToken   string
	DeltaSecret  string
	DeltaRecords int
	DeltaRounds  int
}

type searchWords struct{ TwoWords, Common, Typo, KKLatin string }

// ParseFlags reads the command line; tokens default to HUBBENCH_ADMIN_TOKEN
// and HUBBENCH_DASHBOARD_TOKEN so that they need not show in ps.
func ParseFlags(args []string, stderr io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("hubbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hubbench -hub URL -db URL [-peer URL] [flags]\n\n"+
			"Drives a running hub (and PostGraphile / bare PostgreSQL on the same database) with the dashboard mix;\n"+
			"checks the answers are equal, then prints req/s and p50/p95/p99 per query as a Markdown table.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.HubURL, "hub", "http://127.0.0.1:18080", "the hub's base URL (POST /graphql, GET /metrics)")
	fs.StringVar(&c.PeerURL, "peer", "", "PostGraphile's GraphQL endpoint, e.g. http://127.0.0.1:5678/graphql (empty: record queries run on the hub only)")
	fs.StringVar(&c.DBURL, "db", os.Getenv("DATABASE_URL"), "the database hub and peer serve (bare PostgreSQL peer, ids, cursors, checks); default $DATABASE_URL")
	fs.IntVar(&c.Concurrency, "c", 10, "concurrent clients (closed loop: each sends its next request when the last one is answered)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured time per query per side (hub, peer), split over -rounds")
	fs.IntVar(&c.Requests, "requests", 0, "requests per query per side instead of -duration")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "unmeasured load per query per side before its first round")
	fs.IntVar(&c.Rounds, "rounds", 2, "alternating rounds per query (hub, peer, then peer, hub, …), so that background noise hits both")
	fs.StringVar(&c.AdminToken, "admin-token", os.Getenv("HUBBENCH_ADMIN_TOKEN"), "an admin API key's token (c-volunteers, the exact statistics check); default $HUBBENCH_ADMIN_TOKEN")
	fs.StringVar(&c.DashboardToken, "dashboard-token", os.Getenv("HUBBENCH_DASHBOARD_TOKEN"), "a dashboard API key's token for every other hub query (empty: anonymous); default $HUBBENCH_DASHBOARD_TOKEN")
	only := fs.String("only", "", "run only the queries whose name matches this regular expression")
	fs.StringVar(&c.Out, "out", "", "also write the Markdown report to this file")
	fs.StringVar(&c.JSON, "json", "", "write the results as JSON to this file (- for stdout, instead of the Markdown)")
	fs.StringVar(&c.PeerQueries, "peer-queries", "bench/postgraphile/queries", "directory of PostGraphile's queries")
	fs.IntVar(&c.HubPID, "hub-pid", 0, "pid of `hub serve` (peak RSS from /proc VmHWM, CPU from /proc); else sampled from GET /metrics")
	fs.IntVar(&c.PeerPID, "peer-pid", 0, "pid of PostGraphile's node process (its RSS and CPU)")
	fs.IntVar(&c.Deep, "deep", 50000, "d-page starts after this many live projects (capped at the projects there are, less a page)")
	fs.IntVar(&c.Year, "year", 0, "year of f-stats-region-month (0: the last full year with volunteer registrations)")
	fs.StringVar(&c.HubVersion, "hub-version", "", "which hub build is measured, for the report (scripts/benchmark gives `git describe --always --dirty`)")
	fs.StringVar(&c.Label, "label", "", "what the run is on, for the report (e.g. national, region, demo)")
	fs.StringVar(&c.Search.TwoWords, "search-two-words", "правовой грамотности", "g-search-two-words: two words")
	fs.StringVar(&c.Search.Common, "search-common", "волонтеры", "g-search-common: one common word")
	fs.StringVar(&c.Search.Typo, "search-typo", "граммотности", "g-search-typo: a word with a typo")
	fs.StringVar(&c.Search.KKLatin, "search-kk-latin", "quqyqtyq sauattylyq", "g-search-kk-latin: Kazakh in Latin script (құқықтық сауаттылық)")
	fs.DurationVar(&c.SampleEvery, "sample-every", 250*time.Millisecond, "how often the hub's RSS is sampled")
	fs.DurationVar(&c.StatsWait, "stats-wait", 10*time.Minute, "how long to wait for the hub's statistics build and search outbox before measuring")
	fs.StringVar(&c.HubPprof, "hub-pprof", "", "the hub's pprof listener (HUB_DEBUG_ADDR), e.g. http://127.0.0.1:18081: with -profile-dir, a CPU profile of the hub per query, taken in an extra unmeasured stretch of load")
	fs.StringVar(&c.ProfileDir, "profile-dir", "", "where the hub's CPU profiles go (QUERY.pprof; read with go tool pprof)")
	fs.StringVar(&c.DeltaSource, "delta-source", "bench-delta", "the source the delta phase pushes as")
	fs.StringVar(&c.DeltaToken, "delta-token", os.Getenv("HUBBENCH_DELTA_TOKEN"), "the delta source's token; empty: no delta phase; default $HUBBENCH_DELTA_TOKEN")
	fs.StringVar(&c.DeltaSecret, "delta-secret", os.Getenv("HUBBENCH_DELTA_SECRET"), "the delta source's signing secret; default $HUBBENCH_DELTA_SECRET")
	fs.IntVar(&c.DeltaRecords, "delta-records", 1000, "volunteers the delta phase changes per round")
	fs.IntVar(&c.DeltaRounds, "delta-rounds", 5, "rounds of the delta phase, each changing every one of its volunteers")
	fs.BoolVar(&c.CheckOnly, "check-only", false, "run the equality checks and exit, no load")
	fs.BoolVar(&c.List, "list", false, "print the queries (hub GraphQL, peer GraphQL or SQL) and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return nil, fmt.Errorf("-only: %w", err)
		}
		c.Only = re
	}
	return c, c.Validate()
}

// Validate reports a setting that cannot work.
func (c *Config) Validate() error {
	if c.List {
		return nil
	}
	switch {
	case c.DBURL == "":
		return errors.New("-db (or DATABASE_URL) is required: the bench reads ids and cursors and runs the bare-PostgreSQL peer there")
	case c.Concurrency < 1:
		return errors.New("-c must be at least 1")
	case c.Rounds < 1:
		return errors.New("-rounds must be at least 1")
	case c.Requests < 0:
		return errors.New("-requests must not be negative")
	case c.Requests == 0 && c.Duration <= 0:
		return errors.New("-duration must be positive (or give -requests)")
	case c.Warmup < 0:
		return errors.New("-warmup must not be negative")
	case c.SampleEvery <= 0:
		return errors.New("-sample-every must be positive")
	case c.DeltaToken != "" && (c.DeltaRecords < 1 || c.DeltaRounds < 1 || c.AdminToken == "" || c.DeltaSecret == ""):
		return errors.New("the delta phase needs -delta-secret, -delta-records and -delta-rounds of at least 1, and -admin-token (exact statistics)")
	case (c.HubPprof == "") != (c.ProfileDir == ""):
		return errors.New("-hub-pprof and -profile-dir go together")
	}
	for _, u := range []struct{ flag, v string }{{"-hub", c.HubURL}, {"-peer", c.PeerURL}} {
		if u.v == "" && u.flag == "-peer" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s: %q is not an http(s) URL", u.flag, u.v)
		}
	}
	return nil
}

// Run runs the bench and returns the process's exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := ParseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "hubbench:", err)
		return exitUsage
	}
	b := &Bench{Config: cfg, Stdout: stdout, Stderr: stderr}
	if cfg.List {
		if err := b.list(); err != nil {
			fmt.Fprintln(stderr, "hubbench:", err)
			return exitSetupErr
		}
		return exitOK
	}
	return b.Run(ctx)
}

// logf writes progress to stderr, so that stdout holds only the report.
func (b *Bench) logf(format string, args ...any) {
	fmt.Fprintf(b.Stderr, "hubbench: "+format+"\n", args...)
}

// redactURL drops a password from a database URL for the report.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxx")
		}
	}
	return u.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
