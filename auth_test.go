package hub_test

import (
	"context"
	"strings"
	"testing"

	"github.com/birgemiz/hub"
)

func TestPrincipalRequire(t *testing.T) {
	t.Parallel()
	src := &hub.Source{ID: 7, Name: "akmola-portal"}
	var (
		anonymous  = hub.Principal{Role: hub.RoleAnonymous}
		zero       = hub.Principal{}
		researcher = hub.Principal{Role: hub.RoleResearcher, Key: "kimep"}
		dashboard  = hub.Principal{Role: hub.RoleDashboard, Key: "ministry"}
		platform   = hub.Principal{Role: hub.RolePlatform, Source: src}
		admin      = hub.Principal{Role: hub.RoleAdmin, Key: "ops"}
	)
	for name, tc := range map[string]struct {
		p     hub.Principal
		roles []hub.Role
		code  string
	}{
		"researcher for researcher":     {researcher, []hub.Role{hub.RoleResearcher}, ""},
		"dashboard for either":          {dashboard, []hub.Role{hub.RoleResearcher, hub.RoleDashboard}, ""},
		"admin for anything":            {admin, []hub.Role{hub.RoleResearcher}, ""},
		"admin for admin only":          {admin, nil, ""},
		"anonymous allowed":             {anonymous, []hub.Role{hub.RoleAnonymous}, ""},
		"zero principal is anonymous":   {zero, []hub.Role{hub.RoleAnonymous}, ""},
		"anonymous needs a key":         {anonymous, []hub.Role{hub.RoleResearcher}, hub.EUNAUTHORIZED},
		"zero principal needs a key":    {zero, []hub.Role{hub.RoleResearcher}, hub.EUNAUTHORIZED},
		"dashboard is not a researcher": {dashboard, []hub.Role{hub.RoleResearcher}, hub.EFORBIDDEN},
		"platform is not admin":         {platform, nil, hub.EFORBIDDEN},
		"researcher is not admin":       {researcher, []hub.Role{hub.RoleAdmin}, hub.EFORBIDDEN},
	} {
		if got := hub.ErrorCode(tc.p.Require(tc.roles...)); got != tc.code {
			t.Errorf("%s: %q, want %q", name, got, tc.code)
		}
	}
	err := dashboard.Require(hub.RoleResearcher)
	if msg := hub.ErrorMessage(err); !strings.Contains(msg, "researcher or admin") || !strings.Contains(msg, "dashboard") {
		t.Errorf("message: %q", msg)
	}
	if !admin.IsAdmin() || researcher.IsAdmin() || !zero.IsAnonymous() || platform.IsAnonymous() {
		t.Error("IsAdmin / IsAnonymous")
	}

	b := &hub.Batch{ID: "b1", SourceID: 7}
	for name, tc := range map[string]struct {
		p    hub.Principal
		code string
	}{
		"its source":     {platform, ""},
		"admin":          {admin, ""},
		"other source":   {hub.Principal{Role: hub.RolePlatform, Source: &hub.Source{ID: 8}}, hub.ENOTFOUND},
		"platform, none": {hub.Principal{Role: hub.RolePlatform}, hub.EFORBIDDEN},
		"researcher":     {researcher, hub.EFORBIDDEN},
		"anonymous":      {anonymous, hub.EUNAUTHORIZED},
	} {
		if got := hub.ErrorCode(tc.p.CanReadBatch(b)); got != tc.code {
			t.Errorf("CanReadBatch %s: %q, want %q", name, got, tc.code)
		}
	}
}

func TestParseRoleAndValidateKey(t *testing.T) {
	t.Parallel()
	if r, err := hub.ParseRole(" Researcher "); err != nil || r != hub.RoleResearcher {
		t.Errorf("ParseRole: %q, %v", r, err)
	}
	for _, s := range []string{"anonymous", "root", ""} {
		if _, err := hub.ParseRole(s); hub.ErrorCode(err) != hub.EINVALID || !strings.Contains(hub.ErrorMessage(err), "researcher, dashboard, platform, admin") {
			t.Errorf("ParseRole(%q): %v", s, err)
		}
	}
	for name, tc := range map[string]struct {
		k     hub.APIKey
		field string
	}{
		"admin":                   {hub.APIKey{Name: "ops", Role: hub.RoleAdmin}, ""},
		"platform":                {hub.APIKey{Name: "p", Role: hub.RolePlatform, Source: "akmola-portal"}, ""},
		"platform without source": {hub.APIKey{Name: "p", Role: hub.RolePlatform}, "source"},
		"dashboard with source":   {hub.APIKey{Name: "d", Role: hub.RoleDashboard, Source: "akmola-portal"}, "source"},
		"anonymous":               {hub.APIKey{Name: "a", Role: hub.RoleAnonymous}, "role"},
		"name":                    {hub.APIKey{Name: "", Role: hub.RoleAdmin}, "name"},
	} {
		err := tc.k.Validate()
		if (tc.field == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.field+":")) {
			t.Errorf("%s: %v, want a problem with %q", name, err, tc.field)
		}
	}
}

// keyStub and sourceStub answer for one token each, to check the routing.
type keyStub struct{ calls int }

func (s *keyStub) CreateKey(context.Context, *hub.APIKey) (string, error) { return "", nil }
func (s *keyStub) FindKeys(context.Context) ([]*hub.APIKey, error)        { return nil, nil }
func (s *keyStub) RevokeKey(context.Context, string) (*hub.APIKey, error) { return nil, nil }
func (s *keyStub) AuthenticateKey(_ context.Context, token string) (hub.Principal, error) {
	s.calls++
	if token == "hubkey_good" {
		return hub.Principal{Role: hub.RoleDashboard, Key: "dash"}, nil
	}
	return hub.Principal{}, hub.Errorf(hub.EUNAUTHORIZED, "no")
}

type sourceStub struct{ calls int }

func (s *sourceStub) AuthenticateSource(_ context.Context, token string) (*hub.Source, error) {
	s.calls++
	if token == "hubsrc_good" {
		return &hub.Source{ID: 3, Name: "s"}, nil
	}
	return nil, hub.Errorf(hub.EUNAUTHORIZED, "no")
}

func TestAuthenticatorRoutesByPrefix(t *testing.T) {
	t.Parallel()
	keys, sources := &keyStub{}, &sourceStub{}
	a := &hub.Authenticator{Keys: keys, Sources: sources}
	ctx := context.Background()
	if p, err := a.Authenticate(ctx, "hubkey_good"); err != nil || p.Role != hub.RoleDashboard || p.Key != "dash" {
		t.Errorf("key: %+v, %v", p, err)
	}
	if p, err := a.Authenticate(ctx, "hubsrc_good"); err != nil || p.Role != hub.RolePlatform || p.Source.ID != 3 {
		t.Errorf("source token: %+v, %v", p, err)
	}
	if keys.calls != 1 || sources.calls != 1 {
		t.Errorf("calls: keys %d, sources %d; each token should go to its issuer only", keys.calls, sources.calls)
	}
	for _, token := range []string{"hubkey_bad", "hubsrc_bad", "letmein", ""} {
		if _, err := a.Authenticate(ctx, token); hub.ErrorCode(err) != hub.EUNAUTHORIZED {
			t.Errorf("%q: %v", token, err)
		}
	}
	if keys.calls != 2 || sources.calls != 2 {
		t.Errorf("a token without a known prefix reached a service: keys %d, sources %d", keys.calls, sources.calls)
	}
}
