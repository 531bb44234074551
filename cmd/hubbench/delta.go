package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The delta phase measures what a regional platform's small push costs at
// this scale, and how soon dashboards see it: rounds of -delta-records
// volunteers of one source (-delta-source, its token in -delta-token),
// each round moving all of them to other regions and directions, so every
// round changes every record and every cell they are counted in. Per
// round it notes the batch's apply time (the hub's own started and
// finished times), the time from the batch being done to the exact
// statistics (admin key) showing the round's counts, and push to visible.
// It runs after the query mix, which its changes would otherwise disturb.

// Delta is what the delta phase measured.
type Delta struct {
	Source  string `json:"source"`
	Records int    `json:"records"`
	Rounds  int    `json:"rounds"`
	// Apply is each batch's work in the hub: started to finished.
	Apply Summary `json:"apply"`
	// Visible is the batch being done to the statistics showing the
	// round's figures (0 when they already did at the first look).
	Visible Summary `json:"visible"`
	// PushToVisible is the push's start to the statistics showing it.
	PushToVisible Summary `json:"push_to_visible"`
	// Rebuilt is true when the statistics build changed during the phase:
	// a rebuild, not the deltas, counted some round.
	Rebuilt bool   `json:"rebuilt"`
	Error   string `json:"error,omitempty"`
}

var deltaRegions = []string{"KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
	"KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79"}

var deltaDirections = []string{"ECOLOGY", "EDUCATION", "HEALTHCARE", "SOCIAL_SUPPORT", "EMERGENCY", "CULTURAL_HERITAGE", "SPORTS", "ANIMAL_WELFARE"}

// deltaRegion is the region of volunteer i in round r.
func deltaRegion(i, r int) string { return deltaRegions[(i+r)%len(deltaRegions)] }

// deltaFeed is round r's NDJSON: n volunteers, stamped at, each in
// another region and direction than in round r-1.
func deltaFeed(n, r int, at time.Time) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range n {
		_ = enc.Encode(map[string]any{
			"type": "volunteer", "id": fmt.Sprintf("bench-delta-%06d", i), "op": "upsert",
			"updated_at": at.UTC().Format(time.RFC3339Nano),
			"data": map[string]any{
				"region": deltaRegion(i, r), "gender": []string{"FEMALE", "MALE"}[(i+r)%2],
				"directions":    []string{deltaDirections[(i+r)%len(deltaDirections)]},
				"registered_at": fmt.Sprintf("2025-%02d-15", 1+(i+r)%12), "status": "ACTIVE",
			},
		})
	}
	return buf.Bytes()
}

// deltaExpected is round r's volunteers per region.
func deltaExpected(n, r int) map[string]float64 {
	out := map[string]float64{}
	for i := range n {
		out[deltaRegion(i, r)]++
	}
	return out
}

const deltaStatsQuery = `query ($source: String!) {
  statistics(measures: [VOLUNTEERS], groupBy: [REGION], filter: {source: $source}) {
    asOf rows { keys values }
  }
}`

// runDelta runs the delta phase; an error of the hub ends it and is kept
// in the result.
func (b *Bench) runDelta(ctx context.Context) *Delta {
	d := &Delta{Source: b.DeltaSource, Records: b.DeltaRecords, Rounds: b.DeltaRounds}
	fail := func(err error) *Delta {
		d.Error = err.Error()
		b.logf("delta: %v", err)
		return d
	}
	build := func() int64 {
		var id int64
		_ = b.pool.QueryRow(ctx, `SELECT id FROM stat_builds WHERE is_current`).Scan(&id)
		return id
	}
	first := build()
	var apply, visible, total []time.Duration
	start := time.Now().Truncate(time.Millisecond)
	for r := range b.DeltaRounds {
		body := deltaFeed(b.DeltaRecords, r, start.Add(time.Duration(r)*time.Millisecond))
		pushed := time.Now()
		id, err := b.push(ctx, body)
		if err != nil {
			return fail(fmt.Errorf("round %d: push: %w", r+1, err))
		}
		done, err := b.waitBatch(ctx, id)
		if err != nil {
			return fail(fmt.Errorf("round %d: %w", r+1, err))
		}
		want := deltaExpected(b.DeltaRecords, r)
		seen := time.Now()
		for {
			got, err := b.deltaCounts(ctx)
			if err != nil {
				return fail(fmt.Errorf("round %d: statistics: %w", r+1, err))
			}
			if maps.Equal(got, want) {
				seen = time.Now()
				break
			}
			if time.Since(done) > b.StatsWait {
				return fail(fmt.Errorf("round %d: the statistics did not show the batch within %s: %v, want %v", r+1, b.StatsWait, got, want))
			}
			time.Sleep(20 * time.Millisecond)
		}
		var took time.Duration
		if err := b.pool.QueryRow(ctx, `SELECT extract(epoch FROM finished_at - started_at) * 1e9 FROM batches WHERE id = $1`, id).
			Scan(&took); err != nil {
			return fail(fmt.Errorf("round %d: the batch's times: %w", r+1, err))
		}
		apply = append(apply, took)
		visible = append(visible, max(0, seen.Sub(done)))
		total = append(total, seen.Sub(pushed))
		b.logf("delta round %d: %d records applied in %s, visible %s after the batch was done", r+1, b.DeltaRecords,
			took.Round(time.Millisecond), max(0, seen.Sub(done)).Round(time.Millisecond))
	}
	d.Apply, d.Visible, d.PushToVisible = summarize(apply), summarize(visible), summarize(total)
	d.Rebuilt = build() != first
	return d
}

// push posts a feed as the delta source, signed as a platform signs it,
// and returns the batch's id.
func (b *Bench) push(ctx context.Context, body []byte) (string, error) {
	url := strings.TrimSuffix(b.HubURL, "/") + "/v1/sources/" + b.DeltaSource + "/batches"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	wh, err := standardwebhooks.NewWebhook(b.DeltaSecret)
	if err != nil {
		return "", fmt.Errorf("-delta-secret: %w", err)
	}
	now := time.Now()
	id := fmt.Sprintf("hubbench-delta-%d", now.UnixNano())
	sig, err := wh.Sign(id, now, body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+b.DeltaToken)
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := b.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(raw))
	}
	var receipt struct {
		ID string `json:"batch_id"`
	}
	if err := json.Unmarshal(raw, &receipt); err != nil || receipt.ID == "" {
		return "", fmt.Errorf("no batch id in the answer: %s", snippet(raw))
	}
	return receipt.ID, nil
}

// waitBatch polls the batch's row (not its receipt: the feed API's rate
// limit per source is far below a 10 ms poll) until it is done, and returns
// when it first saw so.
func (b *Bench) waitBatch(ctx context.Context, id string) (time.Time, error) {
	deadline := time.Now().Add(b.StatsWait)
	for time.Now().Before(deadline) {
		var status, reason string
		var failed int
		if err := b.pool.QueryRow(ctx, `SELECT status, failed, error FROM batches WHERE id = $1`, id).Scan(&status, &failed, &reason); err != nil {
			return time.Time{}, fmt.Errorf("batch %s: %w", id, err)
		}
		switch status {
		case "done":
			if failed > 0 {
				return time.Time{}, fmt.Errorf("batch %s: %d records failed", id, failed)
			}
			return time.Now(), nil
		case "failed":
			return time.Time{}, fmt.Errorf("batch %s failed: %s", id, reason)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("batch %s not done within %s", id, b.StatsWait)
}

// deltaCounts reads the delta source's exact volunteers per region.
func (b *Bench) deltaCounts(ctx context.Context) (map[string]float64, error) {
	var out struct {
		Statistics struct {
			Rows []struct {
				Keys   []*string  `json:"keys"`
				Values []*float64 `json:"values"`
			} `json:"rows"`
		} `json:"statistics"`
	}
	if _, err := b.hubAdmin.do(ctx, deltaStatsQuery, map[string]any{"source": b.DeltaSource}, &out); err != nil {
		return nil, err
	}
	got := map[string]float64{}
	for _, row := range out.Statistics.Rows {
		if len(row.Keys) == 1 && row.Keys[0] != nil && len(row.Values) == 1 && row.Values[0] != nil && *row.Values[0] != 0 {
			got[*row.Keys[0]] = *row.Values[0]
		}
	}
	return got, nil
}
