package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// Report is everything one run found; -json writes it as is.
type Report struct {
	Label    string   `json:"label,omitempty"`
	Started  string   `json:"started"`
	Finished string   `json:"finished"`
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	Data     Dataset  `json:"data"`
	Memory   Memory   `json:"memory"`
	Results  []Result `json:"results"`
	Delta    *Delta   `json:"delta,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Machine is where the bench ran.
type Machine struct {
	CPUs              int    `json:"cpus"`
	MemTotalBytes     int64  `json:"mem_total_bytes"`
	LoadAverageBefore string `json:"load_average_before"`
	GoVersion         string `json:"go_version"`
}

// Settings are the run's flags that shape its numbers.
type Settings struct {
	Hub             string `json:"hub"`
	HubVersion      string `json:"hub_version,omitempty"`
	Peer            string `json:"peer,omitempty"`
	DB              string `json:"db"`
	Concurrency     int    `json:"concurrency"`
	DurationPerSide string `json:"duration_per_side,omitempty"`
	RequestsPerSide int    `json:"requests_per_side,omitempty"`
	Warmup          string `json:"warmup"`
	Rounds          int    `json:"rounds"`
	HubRole         string `json:"hub_role"`
	GOMAXPROCS      int    `json:"bench_gomaxprocs"`
}

// Result is one query's numbers on both sides.
type Result struct {
	Name     string `json:"name"`
	About    string `json:"about"`
	Peer     string `json:"peer_kind,omitempty"`
	Check    Check  `json:"check"`
	Hub      Side   `json:"hub"`
	PeerSide *Side  `json:"peer,omitempty"`
	// RatioRPS is hub req/s ÷ peer req/s; RatioP99 hub p99 ÷ peer p99. 0:
	// no peer.
	RatioRPS float64 `json:"ratio_rps,omitempty"`
	RatioP99 float64 `json:"ratio_p99,omitempty"`
}

// Side is what one side of a query measured, over all its rounds.
type Side struct {
	Target      string  `json:"target"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
	RPS         float64 `json:"rps"`
	Latency     Summary `json:"latency"`
	CPU         CPUUse  `json:"cpu"`
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// fmtDur writes a latency with three significant digits, in ms.
func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "–"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

func fmtRPS(r float64) string {
	switch {
	case r == 0:
		return "–"
	case r < 100:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}

func fmtRatio(r float64) string {
	if r == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

func fmtBytes(n int64) string {
	if n <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func fmtCores(c float64) string {
	if c < 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f", c)
}

func fmtMS(c float64) string {
	if c < 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f", c)
}

// write prints the Markdown report (or the JSON with -json -) and writes
// the files -out and -json name.
func (b *Bench) write(rep *Report) error {
	var md strings.Builder
	markdown(&md, rep)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	js = append(js, '\n')
	if b.JSON == "-" {
		_, err = b.Stdout.Write(js)
	} else {
		_, err = io.WriteString(b.Stdout, md.String())
	}
	if err != nil {
		return err
	}
	if b.Out != "" {
		if err := os.WriteFile(b.Out, []byte(md.String()), 0o644); err != nil {
			return err
		}
	}
	if b.JSON != "" && b.JSON != "-" {
		if err := os.WriteFile(b.JSON, js, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// markdown writes the report: the table, then memory, checks, CPU, notes.
func markdown(w io.Writer, rep *Report) {
	label := ""
	if rep.Label != "" {
		label = " — " + rep.Label
	}
	fmt.Fprintf(w, "### hubbench%s — %s\n\n", label, rep.Started)
	m := rep.Machine
	fmt.Fprintf(w, "Machine: %d CPUs, %.1f GiB; load average before the run %s. The hub, the peer, PostgreSQL and this load generator share these CPUs.\n",
		m.CPUs, float64(m.MemTotalBytes)/(1<<30), m.LoadAverageBefore)
	d := rep.Data
	fmt.Fprintf(w, "Data (%s, live records): %d projects, %d organizations, %d volunteers, %d participations.",
		d.Database, d.Projects, d.Organizations, d.Volunteers, d.Participations)
	if d.StatisticsAsOf != "" {
		fmt.Fprintf(w, " Statistics build as of %s.", d.StatisticsAsOf)
	}
	fmt.Fprintln(w)
	s := rep.Settings
	if s.HubVersion != "" {
		fmt.Fprintf(w, "Hub: %s at %s.\n", s.HubVersion, s.Hub)
	}
	amount := s.DurationPerSide + " per query per side"
	if s.RequestsPerSide > 0 {
		amount = fmt.Sprintf("%d requests per query per side", s.RequestsPerSide)
	}
	fmt.Fprintf(w, "Load: %d clients in a closed loop, %s in %d alternating round(s) (hub then peer, then peer then hub), "+
		"after a %s warm-up of each; hub queries with a %s, c-volunteers and the exact statistics check with an admin key.\n",
		s.Concurrency, amount, s.Rounds, s.Warmup, s.HubRole)
	peer := "no PostGraphile"
	if s.Peer != "" {
		peer = "PostGraphile 5 at " + s.Peer
	}
	fmt.Fprintf(w, "Peers: %s for a–e; bare PostgreSQL through pgx on the same database (%s) for f, the same GROUP BY over the raw tables "+
		"(PostGraphile has no equivalent of the hub's protected statistics), and for g, a GIN tsvector query with ts_rank and facet counts.\n\n", peer, s.DB)

	fmt.Fprintln(w, "| query | hub req/s | p50 | p95 | p99 | peer | peer req/s | peer p99 | ratio req/s | ratio p99 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
	for _, r := range rep.Results {
		if r.Hub.Requests == 0 && r.Hub.Errors == 0 {
			continue
		}
		peerName, prps, pp99 := "–", "–", "–"
		if r.PeerSide != nil {
			peerName, prps, pp99 = r.Peer, fmtRPS(r.PeerSide.RPS), fmtDur(r.PeerSide.Latency.P99)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, fmtRPS(r.Hub.RPS),
			fmtDur(r.Hub.Latency.P50), fmtDur(r.Hub.Latency.P95), fmtDur(r.Hub.Latency.P99),
			peerName, prps, pp99, fmtRatio(r.RatioRPS), fmtRatio(r.RatioP99))
	}
	fmt.Fprintln(w, "\nratio req/s = hub req/s ÷ peer req/s (above 1: the hub answers more per second); "+
		"ratio p99 = hub p99 ÷ peer p99 (below 1: the hub's slowest 1 % are faster). "+
		"Latency is from sending the request to reading the last byte of the answer, at the bench.")
	mem := rep.Memory
	if mem.HubSamples > 0 || mem.HubVmHWM > 0 {
		fmt.Fprintf(w, "\nHub memory: peak RSS %s (process_resident_memory_bytes of GET /metrics, %d samples; peak during %s)",
			fmtBytes(mem.HubPeakRSS), mem.HubSamples, orDash(mem.HubPeakDuring))
		if mem.HubVmHWM > 0 {
			fmt.Fprintf(w, "; VmHWM %s (the kernel's high-water mark since `hub serve` started)", fmtBytes(mem.HubVmHWM))
		}
		fmt.Fprintln(w, ".")
	}
	if mem.PeerPeakRSS > 0 {
		fmt.Fprintf(w, "PostGraphile memory: peak RSS %s (peak during %s); VmHWM %s.\n", fmtBytes(mem.PeerPeakRSS),
			orDash(mem.PeerPeakDuring), fmtBytes(mem.PeerVmHWM))
	}

	fmt.Fprintln(w, "\nChecks, before the load (hub and peer asked the same question):")
	for _, r := range rep.Results {
		detail := strings.ReplaceAll(r.Check.Detail, "\n", "\n    ")
		fmt.Fprintf(w, "- %s (%s): **%s**: %s\n", r.Name, r.About, r.Check.Status, detail)
	}

	if hasLoad(rep) {
		fmt.Fprintln(w, "\nWhere the CPU went while each side was measured (cores: CPU seconds per second, 2.00 = both cores of this machine; "+
			"server: `hub serve` or PostGraphile's node, none for bare PostgreSQL; PostgreSQL: the backends connected to the benchmark's database; "+
			"others: the machine's busy CPU less those three and the bench, i.e. other programs and databases; ?: not measurable without the process's pid):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| query | side | req/s | server cores | PostgreSQL cores | bench cores | others cores | server CPU ms/req | PostgreSQL CPU ms/req |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range rep.Results {
			for _, sd := range []*Side{&r.Hub, r.PeerSide} {
				if sd == nil || sd.Requests == 0 {
					continue
				}
				c := sd.CPU
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, sd.Target, fmtRPS(sd.RPS),
					fmtCores(c.Server), fmtCores(c.PG), fmtCores(c.Bench), fmtCores(c.Others), fmtMS(c.ServerMSPerReq), fmtMS(c.PGMSPerReq))
			}
		}
	}
	if d := rep.Delta; d != nil {
		fmt.Fprintf(w, "\nA small push at this scale: %d rounds of %d volunteers of source %s, each round moving every one to another region and direction.\n\n",
			d.Rounds, d.Records, d.Source)
		if d.Error != "" {
			fmt.Fprintf(w, "It stopped: %s\n", d.Error)
		} else {
			fmt.Fprintln(w, "| | p50 | p95 | max |")
			fmt.Fprintln(w, "|---|---:|---:|---:|")
			for _, row := range []struct {
				name string
				s    Summary
			}{{"batch applied (the hub's started → finished, statistics included)", d.Apply},
				{"batch done → statistics show it", d.Visible}, {"push → statistics show it", d.PushToVisible}} {
				fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row.name, fmtDur(row.s.P50), fmtDur(row.s.P95), fmtDur(row.s.Max))
			}
			if d.Rebuilt {
				fmt.Fprintln(w, "\nThe statistics build changed during the phase: a rebuild counted some round, not the deltas.")
			}
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

func hasLoad(rep *Report) bool {
	for _, r := range rep.Results {
		if r.Hub.Requests > 0 {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
