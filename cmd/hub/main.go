// Command hub is Birgemiz Hub in one binary: the GraphQL API, the feed
// workers, migrations, and the operator commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `hub — Birgemiz Hub, the national volunteer-data hub

Usage:
  hub serve                     serve the GraphQL API (and run the workers in-process
                                when MEILI_URL is empty)
  hub worker                    run the feed workers alone (scale-out)
  hub migrate                   create the database if needed and migrate it
  hub demo [--load-only]        load the bundled demo data through the feed pipeline,
                                then serve it; --scale region|metro|national [--revision N]
                                loads a synthetic dataset instead (N: its Nth nightly snapshot)
  hub ingest FILE --source NAME submit a local NDJSON feed as a batch and follow it
  hub sources add NAME --kind KIND [--region KZ-xx] [--description TEXT]
  hub sources add NAME --kind KIND --pull-url URL [--format F --schedule S --mode M --grace D]
  hub sources list              sources with their last success, last error and next pull
  hub sources rotate NAME       new token and secret; the old ones stay valid for --grace
  hub sources pull NAME         pull a pulled source now, outside its schedule
  hub keys create NAME --role ROLE [--source NAME]
                                an API key (researcher, dashboard, platform with its
                                source, admin); its token is shown once
  hub keys list                 keys with role, source, prefix, created, last used, revoked
  hub keys revoke NAME          refuse the key's token from now on
  hub personal status           which keys of HUB_SECRET_KEYS seal volunteers' personal data
  hub personal rekey            re-seal personal data sealed with older keys under the
                                current (first) key, so the older keys can be removed
  hub reindex                   rebuild the search index from PostgreSQL and swap it in
  hub search check [--repair]   compare the search index with PostgreSQL (and repair drift)
  hub statistics rebuild        count every statistic afresh from the records and swap it in
  hub statistics check          compare the stored statistics with a fresh count, cell by cell
  hub help                      this text and the configuration variables

Configuration comes from the environment:
`

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hub:", err)
		}
		os.Exit(1)
	}
}

// Run runs one subcommand. End-to-end tests call it directly.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return flag.ErrHelp
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	cmd, rest := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		printUsage(stdout)
		return nil
	}
	m := NewMain(cfg, newLogger(cfg, stderr), stdout, stderr)
	defer m.Close()
	switch cmd {
	case "serve":
		return m.runServe(ctx, rest)
	case "worker":
		return m.runWorker(ctx, rest)
	case "migrate":
		return m.runMigrate(ctx, rest)
	case "demo":
		return m.runDemo(ctx, rest)
	case "ingest":
		return m.runIngest(ctx, rest)
	case "sources":
		return m.runSources(ctx, rest)
	case "keys":
		return m.runKeys(ctx, rest)
	case "personal":
		return m.runPersonal(ctx, rest)
	case "reindex":
		return m.runReindex(ctx, rest)
	case "search":
		return m.runSearch(ctx, rest)
	case "statistics":
		return m.runStatistics(ctx, rest)
	}
	printUsage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, v := range configVars {
		def := v[1]
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-24s %s\n  %-24s default: %s\n", v[0], v[2], "", def)
	}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Garbage collection defaults, unless GOGC or GOMEMLIMIT say otherwise. A
// GraphQL answer allocates a great deal that dies at once, while the live
// heap stays small (about 10 MiB serving the API): with Go's default of
// collecting whenever the heap doubles, the collector ran about 6 times a
// second under 10 clients and took a third of the CPU. Collecting at five
// times the live heap, with a soft limit that makes it collect sooner as
// the heap nears 128 MiB, spends far less CPU and keeps the resident size
// under the 300 MB budget (BENCHMARKS.md): the embedded search index is
// memory-mapped beside the heap (144 MiB at national scale). With a 256 MiB
// limit the process peaked at 338 MiB, with 128 MiB at 198 MiB, for the
// same CPU per request.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 128 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
