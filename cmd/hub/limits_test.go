package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/ratelimit"
)

func TestConfigLimitsDefaultsAndOverrides(t *testing.T) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	type limits struct {
		Cost, Depth, Fields, Tokens int
		Body                        int64
		Timeout, TTL                time.Duration
		PersistedOnly               bool
		Rates                       ratelimit.Rates
		Proxies                     []netip.Prefix
	}
	got := limits{cfg.MaxCost, cfg.MaxDepth, cfg.MaxFields, cfg.MaxTokens, cfg.MaxBodyBytes, cfg.QueryTimeout, cfg.PersistedTTL,
		cfg.PersistedOnly, cfg.RateLimits, cfg.TrustedProxies}
	want := limits{1000, 20, 500, 10000, 1 << 20, 10 * time.Second, 30 * 24 * time.Hour, false, ratelimit.DefaultRates(), nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}

	env := map[string]string{"HUB_MAX_COST": "5000", "HUB_MAX_DEPTH": "12", "HUB_MAX_FIELDS": "200", "HUB_MAX_TOKENS": "4000",
		"HUB_MAX_BODY_BYTES": "65536", "HUB_QUERY_TIMEOUT": "3s", "HUB_PERSISTED_QUERY_TTL": "24h", "HUB_PERSISTED_QUERIES_ONLY": "true",
		"HUB_RATE_LIMITS": "anonymous=30/m,admin=50/s,push=10/m", "HUB_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,2001:db8::/32"}
	cfg, err = LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	rates := ratelimit.DefaultRates()
	rates[string(hub.RoleAnonymous)] = ratelimit.Rate{Requests: 30, Per: time.Minute}
	rates[string(hub.RoleAdmin)] = ratelimit.Rate{Requests: 50, Per: time.Second}
	rates[ratelimit.Push] = ratelimit.Rate{Requests: 10, Per: time.Minute}
	got = limits{cfg.MaxCost, cfg.MaxDepth, cfg.MaxFields, cfg.MaxTokens, cfg.MaxBodyBytes, cfg.QueryTimeout, cfg.PersistedTTL,
		cfg.PersistedOnly, cfg.RateLimits, cfg.TrustedProxies}
	want = limits{5000, 12, 200, 4000, 65536, 3 * time.Second, 24 * time.Hour, true, rates,
		[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}
}

func TestConfigLimitErrorsNameTheVariable(t *testing.T) {
	for key, value := range map[string]string{
		"HUB_MAX_COST": "lots", "HUB_MAX_DEPTH": "0", "HUB_MAX_FIELDS": "-1", "HUB_MAX_TOKENS": "10", "HUB_MAX_BODY_BYTES": "1MB",
		"HUB_QUERY_TIMEOUT": "5m", "HUB_PERSISTED_QUERY_TTL": "soon", "HUB_PERSISTED_QUERIES_ONLY": "maybe",
		"HUB_RATE_LIMITS": "robots=5/m", "HUB_TRUSTED_PROXIES": "the-load-balancer",
	} {
		_, err := LoadConfig(func(k string) string {
			if k == key {
				return value
			}
			return ""
		})
		if err == nil || !strings.HasPrefix(err.Error(), key) {
			t.Errorf("%s=%s: %v; want an error starting with the variable's name", key, value, err)
		}
	}
}

// The README's configuration table documents every variable, with its
// default.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, v := range configVars {
		row := "| `" + v[0] + "` |"
		i := strings.Index(readme, row)
		if i < 0 {
			t.Errorf("README's configuration table has no row for %s", v[0])
			continue
		}
		line, _, _ := strings.Cut(readme[i:], "\n")
		if v[1] != "" && !strings.Contains(line, "`"+v[1]+"`") {
			t.Errorf("README's row for %s does not give its default `%s`: %s", v[0], v[1], line)
		}
	}
}

// The hub's routes apply the limits from the configuration.
func TestRoutesApplyConfiguredLimits(t *testing.T) {
	base := testEnv(t)
	env := map[string]string{"HUB_RATE_LIMITS": "anonymous=3/m", "HUB_MAX_COST": "50", "HUB_MAX_BODY_BYTES": "2048"}
	cfg, err := LoadConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return base(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, newLogger(cfg, io.Discard), io.Discard, io.Discard)
	t.Cleanup(m.Close)
	if err := m.open(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := m.routes()
	call := func(addr, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const addr = "203.0.113.9:5000"
	if w := call(addr, `{"query":"{ regions { code } }"}`); w.Code != http.StatusOK || w.Header().Get("X-RateLimit-Limit") != "3" ||
		w.Header().Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("first request: %d %v %.200s", w.Code, w.Header(), w.Body)
	}
	if w := call(addr, `{"query":"{ projects(first: 51) { edges { node { id } } } }"}`); w.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(w.Body.String(), "exceeds the limit of 50") {
		t.Errorf("cost 51 over HUB_MAX_COST 50: %d %.300s", w.Code, w.Body)
	}
	if w := call(addr, `{"query":"{ regions { code } `+strings.Repeat(" ", 2048)+`}"}`); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over HUB_MAX_BODY_BYTES: %d %.300s", w.Code, w.Body)
	}
	if w := call(addr, `{"query":"{ regions { code } }"}`); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" ||
		!strings.Contains(w.Body.String(), `"RATE_LIMITED"`) {
		t.Errorf("fourth request from one address: %d %v %.300s", w.Code, w.Header(), w.Body)
	}
}
