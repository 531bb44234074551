package main

import (
	"math"
	"slices"
	"time"
)

// Summary is the latency distribution of one side of one query.
type Summary struct {
	N    int           `json:"n"`
	Min  time.Duration `json:"min_ns"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}

// summarize sorts lat in place and returns its distribution. Every
// latency is kept and sorted (a run holds at most a few hundred thousand),
// so the percentiles are exact, not a histogram's bucket bounds.
func summarize(lat []time.Duration) Summary {
	if len(lat) == 0 {
		return Summary{}
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return Summary{
		N:    len(lat),
		Min:  lat[0],
		Mean: sum / time.Duration(len(lat)),
		P50:  percentile(lat, 50),
		P95:  percentile(lat, 95),
		P99:  percentile(lat, 99),
		Max:  lat[len(lat)-1],
	}
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p % of the values
// do not exceed. It is always one of the measured values; 0 when there are
// none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// p × n first: exact for whole p, where p / 100 × n may round up past a whole rank.
	rank := int(math.Ceil(p * float64(n) / 100))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// ratio is a ÷ b, or NaN when b is zero (no peer, or nothing measured).
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
