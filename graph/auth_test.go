package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/postgres"
)

// authFixture is a database with a source and keys of every role.
type authFixture struct {
	keys    *postgres.KeyService
	auth    *hub.Authenticator
	source  *hub.Source
	tokens  map[string]string // by key name, and "source" for the source's token
	handler http.Handler      // WithPrincipal over a handler that reports the principal
	seen    hub.Principal
}

func setupAuth(t *testing.T, e *env) *authFixture {
	t.Helper()
	ctx := context.Background()
	sources := postgres.NewSourceService(e.db)
	f := &authFixture{keys: postgres.NewKeyService(e.db), source: &hub.Source{Name: "akmola-portal", Kind: hub.SourceRegionalPlatform},
		tokens: map[string]string{}}
	creds, err := sources.CreateSource(ctx, f.source)
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["source"] = creds.Token
	other := &hub.Source{Name: "other-portal", Kind: hub.SourceRegionalPlatform}
	if _, err := sources.CreateSource(ctx, other); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*hub.APIKey{
		{Name: "ops", Role: hub.RoleAdmin},
		{Name: "kimep", Role: hub.RoleResearcher},
		{Name: "ministry", Role: hub.RoleDashboard},
		{Name: "akmola-push", Role: hub.RolePlatform, Source: "akmola-portal"},
		{Name: "other-push", Role: hub.RolePlatform, Source: "other-portal"},
	} {
		token, err := f.keys.CreateKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[k.Name] = token
	}
	f.auth = &hub.Authenticator{Keys: f.keys, Sources: sources}
	f.handler = graph.WithPrincipal(f.auth, nil, slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.seen = hub.PrincipalFrom(r.Context())
	}))
	return f
}

// call sends a request with token (none when empty) and returns the status.
func (f *authFixture) call(t *testing.T, token string) (int, string) {
	t.Helper()
	f.seen = hub.Principal{Role: "not called"}
	r := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"{ regions { code } }"}`))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestWithPrincipal_KeysAndSourceTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)

	for name, tc := range map[string]struct {
		token       string
		role        hub.Role
		key, source string
	}{
		"no token":     {"", hub.RoleAnonymous, "", ""},
		"admin key":    {f.tokens["ops"], hub.RoleAdmin, "ops", ""},
		"researcher":   {f.tokens["kimep"], hub.RoleResearcher, "kimep", ""},
		"dashboard":    {f.tokens["ministry"], hub.RoleDashboard, "ministry", ""},
		"platform key": {f.tokens["akmola-push"], hub.RolePlatform, "akmola-push", "akmola-portal"},
		"source token": {f.tokens["source"], hub.RolePlatform, "", "akmola-portal"},
	} {
		code, body := f.call(t, tc.token)
		src := ""
		if f.seen.Source != nil {
			src = f.seen.Source.Name
		}
		if code != http.StatusOK || f.seen.Role != tc.role || f.seen.Key != tc.key || src != tc.source {
			t.Errorf("%s: %d %s, principal %+v (source %q); want %s %q %q", name, code, body, f.seen, src, tc.role, tc.key, tc.source)
		}
	}

	refused := func(name, token string) {
		t.Helper()
		code, body := f.call(t, token)
		if code != http.StatusUnauthorized || !strings.Contains(body, `"code":"UNAUTHENTICATED"`) || f.seen.Role != "not called" {
			t.Errorf("%s: %d %s; want 401 UNAUTHENTICATED without reaching the handler", name, code, body)
		}
	}
	refused("unknown key", "hubkey_"+strings.Repeat("A", 43))
	refused("unknown source token", "hubsrc_"+strings.Repeat("A", 43))
	refused("no known prefix", "letmein")
	refused("a key's prefix only", f.tokens["ops"][:13])

	// Create, use, revoke, use again.
	token, err := f.keys.CreateKey(context.Background(), &hub.APIKey{Name: "temp", Role: hub.RoleResearcher})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := f.call(t, token); code != http.StatusOK || f.seen.Key != "temp" {
		t.Fatalf("new key: %d %s %+v", code, body, f.seen)
	}
	if _, err := f.keys.RevokeKey(context.Background(), "temp"); err != nil {
		t.Fatal(err)
	}
	refused("revoked key", token)
	if code, _ := f.call(t, f.tokens["kimep"]); code != http.StatusOK {
		t.Errorf("revoking one key refused another: %d", code)
	}
}

type failingAuth struct{}

func (failingAuth) Authenticate(context.Context, string) (hub.Principal, error) {
	return hub.Principal{}, errors.New("connection refused")
}

// A database failure is not a bad credential: the client must not be told
// to throw its key away.
func TestWithPrincipal_FailureIsNot401(t *testing.T) {
	t.Parallel()
	h := graph.WithPrincipal(failingAuth{}, nil, slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("handler reached")
	}))
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.Header.Set("Authorization", "Bearer hubkey_x")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "connection refused") {
		t.Errorf("%d %s", w.Code, w.Body.String())
	}
}

// Roles reach the resolvers: a batch is read by its source (token or
// platform key) and by admins, and by no other key.
func TestIngestBatchByRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	ctx := context.Background()
	b := &hub.Batch{SourceID: f.source.ID, Lines: 1}
	if err := postgres.NewBatchService(e.db).CreateBatch(ctx, b, []byte("x")); err != nil {
		t.Fatal(err)
	}
	q := `{ ingestBatch(id: "` + b.ID + `") { source } }`
	for name, want := range map[string]string{
		"source":      "",
		"akmola-push": "",
		"ops":         "",
		"other-push":  "NOT_FOUND", // as for a batch that does not exist
		"kimep":       "FORBIDDEN",
		"ministry":    "FORBIDDEN",
		"anonymous":   "UNAUTHENTICATED",
	} {
		var opts []client.Option
		if token := f.tokens[name]; token != "" {
			opts = append(opts, client.AddHeader("Authorization", "Bearer "+token))
		}
		raw, err := e.client.RawPost(q, opts...) // setup's client runs the real middleware with keys

		if err != nil {
			t.Fatal(err)
		}
		errs := string(raw.Errors)
		data, _ := json.Marshal(raw.Data)
		served := strings.Contains(string(data), "akmola-portal")
		if want == "" && (errs != "" && errs != "null" || !served) {
			t.Errorf("%s: %s %s", name, errs, data)
		}
		if want != "" && (!strings.Contains(errs, want) || served) {
			t.Errorf("%s: %s %s; want %s", name, errs, data, want)
		}
	}
}
