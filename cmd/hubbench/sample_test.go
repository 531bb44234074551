package main

import (
	"testing"
	"time"
)

func TestPromValue(t *testing.T) {
	t.Parallel()
	text := []byte(`# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.17489664e+08
process_resident_memory_bytes_max 1
process_cpu_seconds_total 12.5
hub_http_request_duration_seconds_bucket{code="200",handler="graphql",method="POST",le="0.001"} 3
`)
	if v, ok := promValue(text, "process_resident_memory_bytes"); !ok || v != 117489664 {
		t.Errorf("process_resident_memory_bytes = %v, %v", v, ok)
	}
	if v, ok := promValue(text, "process_cpu_seconds_total"); !ok || v != 12.5 {
		t.Errorf("process_cpu_seconds_total = %v, %v", v, ok)
	}
	if _, ok := promValue(text, "process_virtual_memory_bytes"); ok {
		t.Error("a missing metric was found")
	}
}

func TestProcParsers(t *testing.T) {
	t.Parallel()
	status := []byte("Name:\thub\nVmPeak:\t 2000000 kB\nVmHWM:\t  120000 kB\nVmRSS:\t  100000 kB\n")
	if v, ok := statusField(status, "VmHWM"); !ok || v != 120000*1024 {
		t.Errorf("VmHWM = %d, %v", v, ok)
	}
	if v, ok := statusField(status, "VmRSS"); !ok || v != 100000*1024 {
		t.Errorf("VmRSS = %d, %v", v, ok)
	}
	// A name with spaces and parentheses: fields count from the last ')'.
	stat := []byte("4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 0 0")
	comm, secs, ok := procCPU(stat)
	if !ok || comm != "my (odd) name" || secs != 3 {
		t.Errorf("procCPU = %q, %v, %v; want my (odd) name, 3 s", comm, secs, ok)
	}
	busy, total, ok := parseMachineCPU([]byte("cpu  1000 0 500 8000 500 0 0 0 0 0\ncpu0 1 2 3\n"))
	if !ok || busy != 15 || total != 100 {
		t.Errorf("parseMachineCPU = %v busy, %v total, %v; want 15, 100", busy, total, ok)
	}
}

func TestCPUDelta(t *testing.T) {
	t.Parallel()
	from := map[int]float64{1: 10, 2: 5, 3: 7}
	to := map[int]float64{1: 12, 2: 5.5, 4: 1} // 3 exited, 4 started
	if got := cpuDelta(from, to); got != 2+0.5+1 {
		t.Errorf("cpuDelta = %v, want 3.5", got)
	}
	if got := cpuDelta(map[int]float64{9: 50}, map[int]float64{9: 2}); got != 2 {
		t.Errorf("a reused pid counts its new process's time: got %v, want 2", got)
	}
}

func TestCPUAccUse(t *testing.T) {
	t.Parallel()
	var a cpuAcc
	from := cpuCounters{hub: 10, pg: map[int]float64{1: 1}, self: 1, busy: 100, hubOK: true, pgOK: true, machineOK: true}
	to := cpuCounters{hub: 12, pg: map[int]float64{1: 2}, self: 1.5, busy: 104, hubOK: true, pgOK: true, machineOK: true}
	a.add("hub", from, to, 2*time.Second, 100)
	u := a.use("hub")
	want := CPUUse{Server: 1, PG: 0.5, Bench: 0.25, Busy: 2, Others: 0.25, ServerMSPerReq: 20, PGMSPerReq: 10}
	if u != want {
		t.Errorf("use = %+v, want %+v", u, want)
	}
	var p cpuAcc
	p.add("peer", from, to, time.Second, 10) // no peer pid: peerOK false
	if u := p.use("peer"); u.Server != -1 || u.ServerMSPerReq != -1 || u.Others != -1 {
		t.Errorf("an unknown server's CPU = %+v, want -1", u)
	}
	var none cpuAcc
	none.add("", from, to, time.Second, 10)
	if u := none.use(""); u.Server != 0 || u.PG != 1 {
		t.Errorf("bare PostgreSQL's CPU = %+v", u)
	}
}
