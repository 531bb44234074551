package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// keyFixture is a database with a settable clock and counted statements.
type keyFixture struct {
	db      *postgres.DB
	keys    *postgres.KeyService
	sources *postgres.SourceService
	counter *testutil.StatementCounter
	mu      sync.Mutex
	now     time.Time
}

func setupKeys(t *testing.T) *keyFixture {
	t.Helper()
	f := &keyFixture{counter: &testutil.StatementCounter{}, now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	f.db = testutil.NewDBWith(t, func(db *postgres.DB) {
		db.Tracer = f.counter
		db.Now = func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
	})
	f.keys, f.sources = postgres.NewKeyService(f.db), postgres.NewSourceService(f.db)
	return f
}

func (f *keyFixture) advance(d time.Duration) { f.mu.Lock(); f.now = f.now.Add(d); f.mu.Unlock() }

// MustCreateKey creates a key and returns its token.
func MustCreateKey(tb testing.TB, s *postgres.KeyService, k *hub.APIKey) string {
	tb.Helper()
	token, err := s.CreateKey(context.Background(), k)
	if err != nil {
		tb.Fatal(err)
	}
	return token
}

func TestKeys_CreateAuthenticateListRevoke(t *testing.T) {
	t.Parallel()
	f := setupKeys(t)
	ctx := context.Background()
	src := MustCreateSource(t, f.sources, "akmola-portal")

	admin := &hub.APIKey{Name: "ops", Role: hub.RoleAdmin}
	adminToken := MustCreateKey(t, f.keys, admin)
	platformToken := MustCreateKey(t, f.keys, &hub.APIKey{Name: "akmola-push", Role: hub.RolePlatform, Source: "akmola-portal"})
	researcherToken := MustCreateKey(t, f.keys, &hub.APIKey{Name: "kimep-study", Role: hub.RoleResearcher})

	// The token: the prefix and 32 random bytes; kept only as its SHA-256.
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(adminToken, hub.KeyTokenPrefix))
	if !strings.HasPrefix(adminToken, hub.KeyTokenPrefix) || err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %v, %d bytes", adminToken, err, len(raw))
	}
	if admin.ID == 0 || admin.Prefix != adminToken[:len(hub.KeyTokenPrefix)+6] || !admin.CreatedAt.Equal(f.now) {
		t.Errorf("created key: %+v", admin)
	}
	sum := sha256.Sum256([]byte(adminToken))
	var stored int
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE token_hash = $1`, sum[:]).Scan(&stored); err != nil || stored != 1 {
		t.Errorf("hashed token stored %d times: %v", stored, err)
	}
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM api_keys k WHERE strpos(k::text, $1) > 0`,
		strings.TrimPrefix(adminToken, hub.KeyTokenPrefix)[6:]).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the token's secret part is stored in %d rows: %v", stored, err)
	}

	for token, want := range map[string]hub.Principal{
		adminToken:      {Role: hub.RoleAdmin, Key: "ops"},
		researcherToken: {Role: hub.RoleResearcher, Key: "kimep-study"},
	} {
		p, err := f.keys.AuthenticateKey(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("principal (-want +got):\n%s", diff)
		}
	}
	p, err := f.keys.AuthenticateKey(ctx, platformToken)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != hub.RolePlatform || p.Key != "akmola-push" || p.Source == nil || p.Source.ID != src.ID || p.Source.Name != "akmola-portal" {
		t.Errorf("platform principal: %+v", p)
	}
	if _, err := f.keys.AuthenticateKey(ctx, hub.KeyTokenPrefix+"not-a-key"); hub.ErrorCode(err) != hub.EUNAUTHORIZED {
		t.Errorf("unknown token: %v", err)
	}

	f.advance(time.Hour)
	revoked, err := f.keys.RevokeKey(ctx, "kimep-study")
	if err != nil {
		t.Fatal(err)
	}
	if revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(f.now) {
		t.Errorf("revoked: %+v", revoked)
	}
	if _, err := f.keys.AuthenticateKey(ctx, researcherToken); hub.ErrorCode(err) != hub.EUNAUTHORIZED {
		t.Errorf("revoked key authenticated: %v", err)
	}
	if _, err := f.keys.RevokeKey(ctx, "kimep-study"); hub.ErrorCode(err) != hub.ECONFLICT {
		t.Errorf("revoke twice: %v", err)
	}
	if _, err := f.keys.RevokeKey(ctx, "nobody"); hub.ErrorCode(err) != hub.ENOTFOUND || !strings.Contains(hub.ErrorMessage(err), "hub keys list") {
		t.Errorf("revoke unknown: %v", err)
	}

	keys, err := f.keys.FindKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	want := []*hub.APIKey{
		{Name: "akmola-push", Role: hub.RolePlatform, Source: "akmola-portal", Prefix: platformToken[:13], CreatedAt: t0, LastUsedAt: &t0},
		{Name: "kimep-study", Role: hub.RoleResearcher, Prefix: researcherToken[:13], CreatedAt: t0, LastUsedAt: &t0, RevokedAt: &t1},
		{Name: "ops", Role: hub.RoleAdmin, Prefix: adminToken[:13], CreatedAt: t0, LastUsedAt: &t0},
	}
	for _, k := range keys {
		k.ID = 0
	}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

func TestCreateKey_Refuses(t *testing.T) {
	t.Parallel()
	f := setupKeys(t)
	MustCreateSource(t, f.sources, "akmola-portal")
	MustCreateKey(t, f.keys, &hub.APIKey{Name: "taken", Role: hub.RoleDashboard})
	for name, tc := range map[string]struct {
		key       hub.APIKey
		code, msg string
	}{
		"unknown role":            {hub.APIKey{Name: "k", Role: "superuser"}, hub.EINVALID, "researcher, dashboard, platform, admin"},
		"anonymous role":          {hub.APIKey{Name: "k", Role: hub.RoleAnonymous}, hub.EINVALID, "is not a role"},
		"platform without source": {hub.APIKey{Name: "k", Role: hub.RolePlatform}, hub.EINVALID, "platform key acts for one source"},
		"source on a dashboard":   {hub.APIKey{Name: "k", Role: hub.RoleDashboard, Source: "akmola-portal"}, hub.EINVALID, "only a platform key"},
		"unknown source":          {hub.APIKey{Name: "k", Role: hub.RolePlatform, Source: "nobody"}, hub.ENOTFOUND, `no source named "nobody"`},
		"bad name":                {hub.APIKey{Name: "Ops Team", Role: hub.RoleAdmin}, hub.EINVALID, "name"},
		"taken name":              {hub.APIKey{Name: "taken", Role: hub.RoleAdmin}, hub.ECONFLICT, `a key named "taken" already exists`},
	} {
		t.Run(name, func(t *testing.T) {
			token, err := f.keys.CreateKey(context.Background(), &tc.key)
			if hub.ErrorCode(err) != tc.code || !strings.Contains(hub.ErrorMessage(err), tc.msg) || token != "" {
				t.Errorf("got %q, %v; want %s containing %q", token, err, tc.code, tc.msg)
			}
		})
	}
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM api_keys`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d keys stored, want 1: %v", n, err)
	}
}

// A key in constant use is written once a minute, not on every request.
func TestAuthenticateKey_NotesUseOncePerMinute(t *testing.T) {
	t.Parallel()
	f := setupKeys(t)
	ctx := context.Background()
	token := MustCreateKey(t, f.keys, &hub.APIKey{Name: "dash", Role: hub.RoleDashboard})
	t0 := f.now

	lastUsed := func() time.Time {
		t.Helper()
		var at *time.Time
		if err := f.db.Pool.QueryRow(ctx, `SELECT last_used_at FROM api_keys WHERE name = 'dash'`).Scan(&at); err != nil || at == nil {
			t.Fatalf("last_used_at %v: %v", at, err)
		}
		return at.UTC()
	}
	writes := func() int {
		n := 0
		for _, s := range f.counter.Statements() {
			if strings.Contains(s, "UPDATE api_keys") {
				n++
			}
		}
		return n
	}
	authenticate := func() {
		t.Helper()
		if _, err := f.keys.AuthenticateKey(ctx, token); err != nil {
			t.Fatal(err)
		}
	}

	f.counter.Reset()
	authenticate()
	if got := lastUsed(); !got.Equal(t0) || writes() != 1 {
		t.Fatalf("first use: last_used_at %s, %d writes", got, writes())
	}
	f.counter.Reset()
	for range 20 {
		f.advance(2 * time.Second)
		authenticate()
	}
	if got := lastUsed(); !got.Equal(t0) || writes() != 0 {
		t.Errorf("within the minute: last_used_at %s, %d writes; want %s and none", got, writes(), t0)
	}
	f.advance(20 * time.Second) // 60 s after the first use
	authenticate()
	if got := lastUsed(); !got.Equal(f.now) || writes() != 1 {
		t.Errorf("a minute on: last_used_at %s, %d writes; want %s and one", got, writes(), f.now)
	}
}
