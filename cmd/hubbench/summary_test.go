package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func ms(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, v := range n {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond // 1 … 100 ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one value is every percentile", ms(7), 1, 7 * time.Millisecond},
		{"one value, p100", ms(7), 100, 7 * time.Millisecond},
		{"p50 of 1…100 is the 50th", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1…100 is the 95th", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1…100 is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p100 is the largest", hundred, 100, 100 * time.Millisecond},
		// 7 % of 100 is exactly 7: p/100×n would round to 7.000000000000001
		// and take the 8th value.
		{"p7 of 1…100 is the 7th, not the 8th", hundred, 7, 7 * time.Millisecond},
		{"p29 of 1…100 is the 29th", hundred, 29, 29 * time.Millisecond},
		{"p50 of four is the second", ms(10, 20, 30, 40), 50, 20 * time.Millisecond},
		{"p51 of four is the third", ms(10, 20, 30, 40), 51, 30 * time.Millisecond},
		{"p99 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p90 of ten is the ninth", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"a tiny p is the smallest", ms(5, 6, 7), 0.001, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: percentile(p%v) = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestSummarizeSortsAndAgreesWithPercentile(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 1000)
	var sum time.Duration
	for i := range lat {
		lat[i] = time.Duration(rng.IntN(1_000_000)) * time.Microsecond
		sum += lat[i]
	}
	s := summarize(lat)
	if !slices.IsSorted(lat) {
		t.Fatal("summarize did not sort the latencies")
	}
	want := Summary{N: 1000, Min: lat[0], Mean: sum / 1000, P50: lat[499], P95: lat[949], P99: lat[989], Max: lat[999]}
	if s != want {
		t.Errorf("summarize = %+v, want %+v", s, want)
	}
	if !(s.Min <= s.P50 && s.P50 <= s.P95 && s.P95 <= s.P99 && s.P99 <= s.Max) {
		t.Errorf("percentiles out of order: %+v", s)
	}
	if (summarize(nil) != Summary{}) {
		t.Error("summarize(nil) is not the zero Summary")
	}
}

func TestRatio(t *testing.T) {
	t.Parallel()
	if got := ratio(300, 200); got != 1.5 {
		t.Errorf("ratio(300, 200) = %v, want 1.5", got)
	}
	if got := ratio(1, 0); !math.IsNaN(got) {
		t.Errorf("ratio(1, 0) = %v, want NaN", got)
	}
	if got := finite(ratio(1, 0)); got != 0 {
		t.Errorf("finite(NaN) = %v, want 0 (no ratio)", got)
	}
}
