package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunLoadSendsExactlyNRequestsOverVariants(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[int]int{}
	tg := target{name: "fake", do: func(_ context.Context, i int, _ *bytes.Buffer) error {
		mu.Lock()
		seen[i%3]++
		mu.Unlock()
		return nil
	}}
	ph := runLoad(context.Background(), tg, 4, time.Hour, 300)
	if ph.Requests != 300 || len(ph.Lat) != 300 || ph.Errors != 0 {
		t.Fatalf("phase = %d requests, %d latencies, %d errors; want 300, 300, 0", ph.Requests, len(ph.Lat), ph.Errors)
	}
	if seen[0] != 100 || seen[1] != 100 || seen[2] != 100 {
		t.Errorf("variants used %v, want 100 each", seen)
	}
}

func TestRunLoadKeepsConcClientsBusy(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int64
	release := make(chan struct{})
	tg := target{name: "fake", do: func(ctx context.Context, i int, _ *bytes.Buffer) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == 3 {
			close(release) // all three clients are in a request at once
		}
		<-release
		return nil
	}}
	ph := runLoad(context.Background(), tg, 3, time.Hour, 3)
	if peak.Load() != 3 || ph.Requests != 3 {
		t.Errorf("peak concurrency %d, requests %d; want 3, 3", peak.Load(), ph.Requests)
	}
}

func TestRunLoadStopsAfterTooManyErrors(t *testing.T) {
	t.Parallel()
	tg := target{name: "fake", do: func(context.Context, int, *bytes.Buffer) error { return errors.New("HTTP 429") }}
	ph := runLoad(context.Background(), tg, 2, time.Hour, 0) // would run an hour if errors did not stop it
	if ph.Errors < maxPhaseErrors || ph.Errors > maxPhaseErrors+2 || ph.Requests != 0 || ph.FirstErr != "HTTP 429" {
		t.Errorf("phase = %+v", ph)
	}
}

func TestSendChecksStatusAndErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		switch {
		case strings.Contains(b.String(), "limited"):
			w.WriteHeader(http.StatusTooManyRequests)
		case strings.Contains(b.String(), "bad"):
			_, _ = w.Write([]byte(`{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}],"data":null}`))
		default:
			// A title may hold the word errors: only a key counts.
			_, _ = w.Write([]byte(`{"data":{"title":"\"errors\": none"}}`))
		}
	}))
	defer srv.Close()
	c := &gqlClient{endpoint: srv.URL, token: "k", hc: newHTTPClient(1)}
	var buf bytes.Buffer
	ctx := context.Background()
	if _, err := c.send(ctx, body("{ ok }", nil), &buf); err != nil {
		t.Errorf("a good answer failed: %v", err)
	}
	if _, err := c.send(ctx, body("{ bad }", nil), &buf); !errors.Is(err, errGraphQL) {
		t.Errorf("an answer with errors gave %v", err)
	}
	if _, err := c.send(ctx, body("{ limited }", nil), &buf); err == nil || !strings.Contains(err.Error(), "HUB_RATE_LIMITS") {
		t.Errorf("a 429 gave %v, want a hint about HUB_RATE_LIMITS", err)
	}
	if _, err := c.withToken("x").send(ctx, body("{ ok }", nil), &buf); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("a 401 gave %v", err)
	}
	var out struct{ Title string }
	if _, err := c.do(ctx, "{ ok }", nil, &out); err != nil || out.Title != `"errors": none` {
		t.Errorf("do = %+v, %v", out, err)
	}
	if _, err := c.do(ctx, "{ bad }", nil, nil); err == nil || !strings.Contains(err.Error(), "no (FORBIDDEN)") {
		t.Errorf("do of an answer with errors gave %v", err)
	}
}
