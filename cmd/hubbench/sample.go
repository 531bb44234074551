package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every
// Linux the bench runs on (it is fixed by the kernel's ABI, not by HZ).
const clockTicks = 100

// promValue returns the value of an unlabelled metric in a Prometheus text
// exposition, such as process_resident_memory_bytes.
func promValue(text []byte, name string) (float64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || !strings.HasPrefix(rest, " ") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		return v, err == nil
	}
	return 0, false
}

// procStatusKB returns a field of /proc/PID/status in bytes (VmRSS, VmHWM).
func procStatusKB(pid int, field string) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	return statusField(b, field)
}

func statusField(status []byte, field string) (int64, bool) {
	for line := range strings.SplitSeq(string(status), "\n") {
		rest, ok := strings.CutPrefix(line, field+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		return kb * 1024, err == nil
	}
	return 0, false
}

// procCPU parses /proc/PID/stat: the process's name and its user + system
// CPU time in seconds (all its threads).
func procCPU(stat []byte) (comm string, seconds float64, ok bool) {
	s := string(stat)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	comm = s[open+1 : end]
	f := strings.Fields(s[end+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return comm, 0, false
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return comm, 0, false
	}
	return comm, (ut + st) / clockTicks, true
}

func pidCPU(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	_, s, ok := procCPU(b)
	return s, ok
}

// postgresCPU returns the CPU time of each backend connected to the
// benchmark's database (the hub's, the peer's and the bench's own
// connections, autovacuum on it), by pid; other databases' backends and
// the server's background processes are left out.
func (b *Bench) postgresCPU(ctx context.Context) (map[int]float64, bool) {
	rows, err := b.pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil, false
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, false
	}
	out := make(map[int]float64, len(pids))
	for _, pid := range pids {
		if s, ok := pidCPU(int(pid)); ok {
			out[int(pid)] = s
		}
	}
	return out, len(out) > 0
}

// cpuDelta is the CPU the processes of to used since from: a process new
// in to used all its time since, one gone from to is left out (its last
// moments are lost, never counted negative).
func cpuDelta(from, to map[int]float64) float64 {
	d := 0.0
	for pid, t := range to {
		if f, ok := from[pid]; ok && f <= t {
			d += t - f
		} else {
			d += t // new, or the pid was reused
		}
	}
	return d
}

// machineCPU returns the busy and total CPU seconds of all cores from
// /proc/stat's first line (busy: all but idle and iowait).
func machineCPU() (busy, total float64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	return parseMachineCPU(b)
}

func parseMachineCPU(stat []byte) (busy, total float64, ok bool) {
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, false
	}
	// user nice system idle iowait irq softirq steal (guest is within user).
	var idle float64
	for i, s := range f[1:min(len(f), 9)] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, 0, false
		}
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return (total - idle) / clockTicks, total / clockTicks, true
}

// cpuCounters are cumulative CPU seconds at one moment.
type cpuCounters struct {
	hub, peer, self     float64
	pg                  map[int]float64
	busy                float64
	hubOK, peerOK, pgOK bool
	machineOK           bool
}

// readCPU reads every counter; the hub's from /proc when its pid is known,
// else from its /metrics (process_cpu_seconds_total).
func (b *Bench) readCPU(ctx context.Context) cpuCounters {
	var c cpuCounters
	if b.HubPID > 0 {
		c.hub, c.hubOK = pidCPU(b.HubPID)
	} else if text, err := get(ctx, b.hc, b.HubURL+"/metrics"); err == nil {
		c.hub, c.hubOK = promValue(text, "process_cpu_seconds_total")
	}
	if b.PeerPID > 0 {
		c.peer, c.peerOK = pidCPU(b.PeerPID)
	}
	c.pg, c.pgOK = b.postgresCPU(ctx)
	c.self, _ = pidCPU(os.Getpid())
	c.busy, _, c.machineOK = machineCPU()
	return c
}

// CPUUse is the CPU one side of a query used while measured, in cores (CPU
// seconds per second of wall time) and in milliseconds per request. -1:
// not known.
type CPUUse struct {
	// Server is the hub's process for the hub, PostGraphile's node process for
	// PostGraphile (-1 without -peer-pid), 0 for bare PostgreSQL.
	Server float64 `json:"server_cores"`
	// PG is the PostgreSQL backends connected to the benchmark's database.
	PG float64 `json:"postgres_cores"`
	// Bench is this load generator.
	Bench float64 `json:"bench_cores"`
	// Busy is the whole machine (all cores busy: 2.0 on this machine).
	Busy float64 `json:"machine_busy_cores"`
	// Others is Busy less Server, PG and Bench: other processes (other
	// databases' backends, other programs) and the kernel's own work.
	Others         float64 `json:"others_cores"`
	ServerMSPerReq float64 `json:"server_cpu_ms_per_request"`
	PGMSPerReq     float64 `json:"postgres_cpu_ms_per_request"`
}

// cpuAcc sums CPU deltas over a side's measured rounds.
type cpuAcc struct {
	server, pg, self, busy float64
	serverOK, pgOK, busyOK bool
	wall                   time.Duration
	requests               int
}

// add adds the interval from a to z, where the side's server is the hub
// (server "hub"), PostGraphile ("peer") or none.
func (a *cpuAcc) add(server string, from, to cpuCounters, wall time.Duration, requests int) {
	if a.wall == 0 {
		a.serverOK, a.pgOK, a.busyOK = true, true, true
	}
	switch server {
	case "hub":
		a.server += to.hub - from.hub
		a.serverOK = a.serverOK && from.hubOK && to.hubOK
	case "peer":
		a.server += to.peer - from.peer
		a.serverOK = a.serverOK && from.peerOK && to.peerOK
	}
	a.pg += cpuDelta(from.pg, to.pg)
	a.pgOK = a.pgOK && from.pgOK && to.pgOK
	a.self += to.self - from.self
	a.busy += to.busy - from.busy
	a.busyOK = a.busyOK && from.machineOK && to.machineOK
	a.wall += wall
	a.requests += requests
}

func (a *cpuAcc) use(server string) CPUUse {
	secs := a.wall.Seconds()
	if secs <= 0 {
		return CPUUse{Server: -1, PG: -1, Bench: -1, Busy: -1, ServerMSPerReq: -1, PGMSPerReq: -1}
	}
	perReq := func(cpu float64) float64 {
		if a.requests == 0 {
			return -1
		}
		return cpu * 1000 / float64(a.requests)
	}
	u := CPUUse{Server: a.server / secs, PG: a.pg / secs, Bench: a.self / secs, Busy: a.busy / secs,
		ServerMSPerReq: perReq(a.server), PGMSPerReq: perReq(a.pg)}
	if server == "" {
		u.Server, u.ServerMSPerReq = 0, 0
	} else if !a.serverOK {
		u.Server, u.ServerMSPerReq = -1, -1
	}
	if !a.pgOK {
		u.PG, u.PGMSPerReq = -1, -1
	}
	if !a.busyOK {
		u.Busy = -1
	}
	u.Others = -1
	if u.Busy >= 0 && u.Server >= 0 && u.PG >= 0 {
		u.Others = max(0, u.Busy-u.Server-u.PG-u.Bench)
	}
	return u
}

// Memory is the peak resident memory seen of the hub (and of the peer).
type Memory struct {
	// HubPeakRSS is the largest process_resident_memory_bytes the hub's
	// /metrics gave, sampled every SampleEvery while the bench ran.
	HubPeakRSS    int64  `json:"hub_peak_rss_bytes"`
	HubPeakDuring string `json:"hub_peak_during"`
	HubSamples    int    `json:"hub_samples"`
	// HubVmHWM is the kernel's high-water mark of the hub's RSS since it
	// started (its start and any earlier load included), with -hub-pid.
	HubVmHWM       int64  `json:"hub_vmhwm_bytes,omitempty"`
	PeerPeakRSS    int64  `json:"peer_peak_rss_bytes,omitempty"`
	PeerPeakDuring string `json:"peer_peak_during,omitempty"`
	PeerVmHWM      int64  `json:"peer_vmhwm_bytes,omitempty"`
}

// sampler samples the RSS of the hub (and the peer) while the bench runs,
// noting which phase each peak fell in.
type sampler struct {
	b     *Bench
	mu    sync.Mutex
	phase string
	mem   Memory
	fails int
}

func (s *sampler) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(s.b.SampleEvery)
	defer t.Stop()
	for {
		s.sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) sample(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var hub int64
	text, err := get(rctx, s.b.hc, s.b.HubURL+"/metrics")
	if err == nil {
		if v, ok := promValue(text, "process_resident_memory_bytes"); ok {
			hub = int64(v)
		}
	}
	var peer int64
	if s.b.PeerPID > 0 {
		peer, _ = procStatusKB(s.b.PeerPID, "VmRSS")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if hub == 0 {
		s.fails++
	} else {
		s.mem.HubSamples++
		if hub > s.mem.HubPeakRSS {
			s.mem.HubPeakRSS, s.mem.HubPeakDuring = hub, s.phase
		}
	}
	if peer > s.mem.PeerPeakRSS {
		s.mem.PeerPeakRSS, s.mem.PeerPeakDuring = peer, s.phase
	}
}

// result is the peaks, with the kernel's high-water marks when the pids
// are known.
func (s *sampler) result() Memory {
	s.mu.Lock()
	m := s.mem
	s.mu.Unlock()
	if s.b.HubPID > 0 {
		m.HubVmHWM, _ = procStatusKB(s.b.HubPID, "VmHWM")
	}
	if s.b.PeerPID > 0 {
		m.PeerVmHWM, _ = procStatusKB(s.b.PeerPID, "VmHWM")
	}
	return m
}
