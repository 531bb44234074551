package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/secretbox"
)

// A rotation of HUB_SECRET_KEYS as an operator runs it: data sealed under
// key a, b added first, `hub personal rekey`, a removed; the API still
// serves the personal part to an admin key, and `hub personal status`
// says at every step which keys seal what.
func TestPersonalRekeyCommand(t *testing.T) {
	base := testEnv(t)
	key := func() string { return base64.StdEncoding.EncodeToString(secretbox.Random(secretbox.KeySize)) }
	a, b := "a:"+key(), "b:"+key()
	withKeys := func(spec string) func(string) string {
		return func(k string) string {
			if k == "HUB_SECRET_KEYS" {
				return spec
			}
			return base(k)
		}
	}

	// Data written under a.
	cfg, err := LoadConfig(withKeys(a))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, newLogger(cfg, io.Discard), io.Discard, io.Discard)
	if err := m.openDB(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := testutil.Volunteer("v1", "KZ-11")
	birth, consent := time.Date(1990, 2, 3, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rec.Personal = &hub.VolunteerPersonal{FullName: "Әлия Нұрланқызы", IIN: "900203400555", BirthDate: &birth,
		ConsentRef: "c-1", ConsentAt: &consent}
	testutil.NewSeeder(t, m.DB, "seed-portal").Apply(rec)
	m.Close()

	status := func(getenv func(string) string, want ...string) {
		t.Helper()
		out, err := runHub(t, getenv, "personal", "status")
		if err != nil {
			t.Fatalf("personal status: %v\n%s", err, out)
		}
		for _, w := range want {
			if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
				t.Errorf("personal status lacks %q:\n%s", w, out)
			}
		}
	}
	status(withKeys(a), `^a +1 +1 +sealed +current$`)
	status(withKeys(b+","+a), `^a +1 +1 +sealed +older: run .hub personal rekey.$`, `^b +0 +0 +- +current$`)
	status(withKeys(b), `^a +1 +1 +sealed +MISSING from HUB_SECRET_KEYS`)

	out, err := runHub(t, withKeys(b+","+a), "personal", "rekey")
	if err != nil || !strings.Contains(out, "re-sealed under key b: 1 volunteers' personal parts, 1 feed bodies; the matching key is sealed under b") ||
		!strings.Contains(out, "no personal data is sealed with another key") {
		t.Fatalf("personal rekey: %v\n%s", err, out)
	}
	if strings.Contains(out, rec.Personal.IIN) || strings.Contains(out, rec.Personal.FullName) {
		t.Fatalf("personal rekey shows a personal value:\n%s", out)
	}
	status(withKeys(b), `^b +1 +1 +sealed +current$`)
	if out, err := runHub(t, withKeys(b), "personal", "nonsense"); err == nil || !strings.Contains(err.Error(), "usage: hub personal") {
		t.Errorf("unknown subcommand: %v\n%s", err, out)
	}

	// With a gone, an admin key still reads the personal part; others
	// get FORBIDDEN.
	out, err = runHub(t, withKeys(b), "keys", "create", "ops", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	admin := tokenRe.FindStringSubmatch(out)[1]
	out, err = runHub(t, withKeys(b), "keys", "create", "ministry", "--role", "dashboard")
	if err != nil {
		t.Fatal(err)
	}
	dashboard := tokenRe.FindStringSubmatch(out)[1]
	url := serveOnly(t, withKeys(b))
	query := `{"query":"{ volunteer(id: \"` + hub.GlobalID("Volunteer", 1) + `\") { ageBand personal { fullName iin birthDate } } }"}`
	ask := func(token string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", url+"/graphql", strings.NewReader(query))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	body := ask(admin)
	got, _ := json.Marshal(body["data"].(map[string]any)["volunteer"].(map[string]any)["personal"])
	if want := `{"birthDate":"1990-02-03","fullName":"Әлия Нұрланқызы","iin":"900203400555"}`; string(got) != want || body["errors"] != nil {
		t.Errorf("admin read after the rotation:\n%s\nwant\n%s", got, want)
	}
	got, _ = json.Marshal(ask(dashboard))
	if !strings.Contains(string(got), `"code":"FORBIDDEN"`) || !strings.Contains(string(got), `"volunteer":null`) || strings.Contains(string(got), "900203400555") {
		t.Errorf("dashboard read: %s", got)
	}
}

// A hub started with another keyring than the one that sealed the
// database's secrets (here: a new HUB_DATA_DIR, so a new secret.keys)
// refuses at start-up, naming the key and where its keyring came from,
// instead of failing every batch; `hub personal status` still runs.
func TestWrongKeyringRefusedAtStart(t *testing.T) {
	base := testEnv(t)
	dirs := map[string]string{"first": t.TempDir(), "second": t.TempDir()}
	withDir := func(name string) func(string) string {
		return func(k string) string {
			if k == "HUB_DATA_DIR" {
				return dirs[name]
			}
			return base(k)
		}
	}
	feed := t.TempDir() + "/feed.ndjson"
	if err := os.WriteFile(feed, []byte(`{"type":"organization","id":"o1","updated_at":"2026-01-13","data":{"name":{"ru":"Фонд"},"region":"KZ-11"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runHub(t, withDir("first"), "sources", "add", "seed-portal", "--kind", "regional_platform"); err != nil {
		t.Fatalf("sources add with the first keyring: %v\n%s", err, out)
	}
	if out, err := runHub(t, withDir("first"), "ingest", feed, "--source", "seed-portal", "--wait=false"); err != nil {
		t.Fatalf("ingest with the first keyring: %v\n%s", err, out)
	}

	for _, args := range [][]string{{"ingest", feed, "--source", "seed-portal", "--wait=false"}, {"worker"}, {"demo"}} {
		out, err := runHub(t, withDir("second"), args...)
		if err == nil {
			t.Fatalf("%s with another keyring: no error\n%s", args[0], out)
		}
		msg := err.Error()
		for _, want := range []string{dirs["second"] + "/secret.keys", `sealed with key "k1", and the keyring's key "k1" is another key`, "the same HUB_DATA_DIR"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error %q lacks %q", args[0], msg, want)
			}
		}
	}
	// HUB_SECRET_KEYS without the key that sealed them.
	other := "k9:" + base64.StdEncoding.EncodeToString(secretbox.Random(secretbox.KeySize))
	_, err := runHub(t, func(k string) string {
		if k == "HUB_SECRET_KEYS" {
			return other
		}
		return withDir("first")(k)
	}, "worker")
	if err == nil || !strings.Contains(err.Error(), `the keyring from HUB_SECRET_KEYS cannot open`) || !strings.Contains(err.Error(), `key "k1", which the keyring does not hold`) {
		t.Errorf("HUB_SECRET_KEYS without k1: %v", err)
	}
	if out, err := runHub(t, withDir("second"), "personal", "status"); err != nil || !strings.Contains(out, "k1") {
		t.Errorf("personal status with another keyring: %v\n%s", err, out)
	}
}
