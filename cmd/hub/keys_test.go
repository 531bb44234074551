package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// serveOnly serves the API on a free port with no data and no workers, and
// returns its base URL.
func serveOnly(t *testing.T, getenv func(string) string) string {
	t.Helper()
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, newLogger(cfg, io.Discard), io.Discard, io.Discard)
	t.Cleanup(m.Close)
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.serveHTTP(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not shut down within 10 s")
		}
	})
	return m.URL()
}

// runHub runs a hub command and returns its output.
func runHub(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, getenv, &out, &errOut)
	return out.String() + errOut.String(), err
}

var tokenRe = regexp.MustCompile(`token: +(hub(?:key|src)_[A-Za-z0-9_-]+)`)

func TestKeysCommands(t *testing.T) {
	getenv := testEnv(t)
	if out, err := runHub(t, getenv, "sources", "add", "akmola-portal", "--kind", "regional_platform", "--region", "KZ-11"); err != nil {
		t.Fatalf("sources add: %v\n%s", err, out)
	}

	out, err := runHub(t, getenv, "keys", "create", "ops", "--role", "admin")
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, out)
	}
	m := tokenRe.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], "hubkey_") || !strings.Contains(out, "shown once") {
		t.Fatalf("keys create output:\n%s", out)
	}
	adminToken := m[1]
	out, err = runHub(t, getenv, "keys", "create", "akmola-push", "--role", "PLATFORM", "--source", "akmola-portal")
	if err != nil || !strings.Contains(out, "platform for source akmola-portal") {
		t.Fatalf("keys create platform: %v\n%s", err, out)
	}
	platformToken := tokenRe.FindStringSubmatch(out)[1]

	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unknown role":            {[]string{"keys", "create", "x", "--role", "root"}, "use one of researcher, dashboard, platform, admin"},
		"no role":                 {[]string{"keys", "create", "x"}, "usage: hub keys create NAME --role ROLE"},
		"platform without source": {[]string{"keys", "create", "x", "--role", "platform"}, "add --source NAME"},
		"source on a researcher":  {[]string{"keys", "create", "x", "--role", "researcher", "--source", "akmola-portal"}, "--source is for platform keys only"},
		"unknown source":          {[]string{"keys", "create", "x", "--role", "platform", "--source", "nobody"}, `no source named "nobody"`},
		"taken name":              {[]string{"keys", "create", "ops", "--role", "dashboard"}, `a key named "ops" already exists`},
		"revoke unknown":          {[]string{"keys", "revoke", "nobody"}, `no key named "nobody"`},
		"no subcommand":           {[]string{"keys"}, "usage: hub keys create"},
	} {
		if out, err := runHub(t, getenv, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q\n%s", name, err, tc.want, out)
		}
	}

	url := serveOnly(t, getenv)
	status := func(token string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", url+"/graphql", strings.NewReader(`{"query":"{ regions { code } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Errors []struct{ Extensions struct{ Code string } }
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode == http.StatusUnauthorized && (len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "UNAUTHENTICATED") {
			t.Errorf("401 without UNAUTHENTICATED: %+v", body)
		}
		return resp.StatusCode
	}
	for name, tc := range map[string]struct {
		token string
		want  int
	}{
		"anonymous":    {"", http.StatusOK},
		"admin key":    {adminToken, http.StatusOK},
		"platform key": {platformToken, http.StatusOK},
		"unknown key":  {"hubkey_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusUnauthorized},
		"no prefix":    {"letmein", http.StatusUnauthorized},
	} {
		if got := status(tc.token); got != tc.want {
			t.Errorf("%s: status %d, want %d", name, got, tc.want)
		}
	}

	out, err = runHub(t, getenv, "keys", "list")
	if err != nil {
		t.Fatalf("keys list: %v", err)
	}
	if strings.Contains(out, adminToken) || strings.Contains(out, platformToken) {
		t.Errorf("keys list shows a token:\n%s", out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^NAME +ROLE +SOURCE +PREFIX +CREATED +LAST USED +REVOKED$`),
		regexp.MustCompile(`(?m)^akmola-push +platform +akmola-portal +` + regexp.QuoteMeta(platformToken[:13]) + `… +\d{4}-\d\d-\d\d \d\d:\d\d +\d{4}-\d\d-\d\d \d\d:\d\d +-$`),
		regexp.MustCompile(`(?m)^ops +admin +- +` + regexp.QuoteMeta(adminToken[:13]) + `… +\d{4}-\d\d-\d\d \d\d:\d\d +\d{4}-\d\d-\d\d \d\d:\d\d +-$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("keys list does not match %s:\n%s", want, out)
		}
	}

	if out, err := runHub(t, getenv, "keys", "revoke", "ops"); err != nil || !strings.Contains(out, "key ops (admin) revoked") {
		t.Fatalf("keys revoke: %v\n%s", err, out)
	}
	if got := status(adminToken); got != http.StatusUnauthorized {
		t.Errorf("revoked key: status %d, want 401", got)
	}
	if out, err := runHub(t, getenv, "keys", "revoke", "ops"); err == nil || !strings.Contains(err.Error(), "already revoked") {
		t.Errorf("revoke twice: %v\n%s", err, out)
	}
	out, _ = runHub(t, getenv, "keys", "list")
	if !regexp.MustCompile(`(?m)^ops +admin .* \d{4}-\d\d-\d\d \d\d:\d\d$`).MatchString(out) {
		t.Errorf("keys list does not show ops revoked:\n%s", out)
	}
}

// Flags that cannot work are refused before anything is stored, saying why.
func TestSourcesFlagsChecked(t *testing.T) {
	getenv := testEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sources", "add", "x1", "--kind", "regional_platform", "--pull-url", "http://127.0.0.1:1/feed", "--schedule", "every hour"}, "is not a cron spec"},
		{[]string{"sources", "add", "x2", "--kind", "regional_platform", "--mode", "snapshot"}, "go with --pull-url"},
		{[]string{"sources", "add", "x3", "--kind", "regional_platform", "--pull-url", "http://127.0.0.1:1/feed", "--grace", "-5h"}, "cannot be negative"},
		{[]string{"sources", "rotate", "x4", "--grace", "-5h"}, "cannot be negative"},
		{[]string{"demo", "--volunteers", "-5"}, "cannot be negative"},
	} {
		out, err := runHub(t, getenv, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v\n%s; want an error with %q", c.args, err, out, c.want)
		}
	}
	if out, err := runHub(t, getenv, "sources", "list"); err != nil || strings.Contains(out, "x1") || strings.Contains(out, "x2") {
		t.Errorf("refused sources were stored: %v\n%s", err, out)
	}
}
