package hub

import (
	"context"
	"strings"
	"time"
)

// Bearer token prefixes. They say which service issued a token, so the hub
// looks it up in one place only, and make leaked tokens easy to scan for.
const (
	KeyTokenPrefix    = "hubkey_" // an API key
	SourceTokenPrefix = "hubsrc_" // a source's push token
)

// APIKey is a credential with a role, for dashboards, researchers,
// platforms and operators. The token itself is shown once, when the key is
// created; the hub keeps only its SHA-256 and a short prefix to recognize
// it by.
type APIKey struct {
	ID     int64
	Name   string // unique, e.g. "ministry-dashboard"; revoked keys keep theirs
	Role   Role
	Source string // the source a platform key acts for; empty for other roles
	// Prefix is the token's first characters ("hubkey_Ab3d9Q"): not
	// secret, enough to tell which key a token in a log or a config is.
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time // updated at most once per KeyUseResolution
	RevokedAt  *time.Time
}

// KeyUseResolution is how stale APIKey.LastUsedAt may be: a key used
// continuously is written once per interval, not on every request.
const KeyUseResolution = time.Minute

// Validate checks a new key: its name, its role, and that a platform key,
// and only a platform key, names a source.
func (k *APIKey) Validate() error {
	var fe FieldErrors
	if !sourceNameRe.MatchString(k.Name) {
		fe.Add("name", "must be 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	switch {
	case !isOneOf(k.Role, KeyRoles[:]):
		fe.Add("role", "%q is not a role; use one of %s", k.Role, joinRoles(KeyRoles[:]))
	case k.Role == RolePlatform && strings.TrimSpace(k.Source) == "":
		fe.Add("source", "a platform key acts for one source; name it")
	case k.Role != RolePlatform && k.Source != "":
		fe.Add("source", "only a platform key is bound to a source; a %s key is not", k.Role)
	}
	return fe.Err()
}

// Principal returns the caller the key makes; src is the key's source
// (platform keys only).
func (k *APIKey) Principal(src *Source) Principal {
	return Principal{Role: k.Role, Source: src, Key: k.Name}
}

// KeyService manages API keys. Errors: EINVALID for a bad key, ECONFLICT
// for a taken name or a key already revoked, ENOTFOUND for an unknown key or
// source, EUNAUTHORIZED for a token that is unknown or revoked.
type KeyService interface {
	// CreateKey stores a new key and returns its token, which is never
	// shown again. It sets k's ID, Prefix and CreatedAt.
	CreateKey(ctx context.Context, k *APIKey) (token string, err error)
	// FindKeys returns every key, revoked ones included, by name.
	FindKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeKey makes the key named name refuse every request from now on.
	RevokeKey(ctx context.Context, name string) (*APIKey, error)
	// AuthenticateKey returns the caller a key's token makes, and notes
	// the key's use (at most once per KeyUseResolution).
	AuthenticateKey(ctx context.Context, token string) (Principal, error)
}

// Authenticator finds the caller of a bearer token: an API key's role, or
// a source's token as that source's platform caller. It routes each token
// by its prefix to the one service that issued it.
type Authenticator struct {
	Keys    KeyService
	Sources interface {
		AuthenticateSource(ctx context.Context, token string) (*Source, error)
	}
}

// Authenticate returns the caller of token, or EUNAUTHORIZED when no key
// or source has it (or its key is revoked).
func (a *Authenticator) Authenticate(ctx context.Context, token string) (Principal, error) {
	switch {
	case strings.HasPrefix(token, KeyTokenPrefix) && a.Keys != nil:
		return a.Keys.AuthenticateKey(ctx, token)
	case strings.HasPrefix(token, SourceTokenPrefix) && a.Sources != nil:
		src, err := a.Sources.AuthenticateSource(ctx, token)
		if err != nil {
			return Principal{}, err
		}
		return Principal{Role: RolePlatform, Source: src}, nil
	}
	return Principal{}, Errorf(EUNAUTHORIZED, "the bearer token is neither an API key (%s…) nor a source's token (%s…)", KeyTokenPrefix, SourceTokenPrefix)
}

// BearerToken returns the token of an Authorization header's value,
// "Bearer <token>" (the scheme in any case), and whether it held one.
func BearerToken(authorization string) (string, bool) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}
