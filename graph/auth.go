package graph

import (
	"context"
	"log/slog"
	"net/http"

	hub "github.com/birgemiz/hub"
)

// Authenticator finds the caller of a bearer token. *hub.Authenticator is
// the one the hub runs: API keys and sources' tokens.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (hub.Principal, error)
}

// WithPrincipal returns middleware that puts the caller into the request's
// context: the role of an API key (a platform key with its source), a
// source for a source's token, anonymous without a token. A token that is
// not valid, or whose key is revoked, is refused with 401 rather than
// served as anonymous, so a client learns its credential is wrong. The
// roles are checked where data is served, by hub.Principal.Require. A
// failure to check the token (the database is down) is logged and answered
// 503, never 401, which would make the client discard a good credential.
func WithPrincipal(auth Authenticator, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), hub.Principal{Role: hub.RoleAnonymous})))
			return
		}
		p, err := auth.Authenticate(r.Context(), token)
		switch {
		case hub.ErrorCode(err) == hub.EUNAUTHORIZED:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", `Bearer realm="birgemiz-hub"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"message":"the bearer token is not valid","extensions":{"code":"UNAUTHENTICATED"}}]}`))
			return
		case err != nil:
			log.ErrorContext(r.Context(), "checking a bearer token failed", "err", err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"errors":[{"message":"internal error: the credential could not be checked; try again","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`))
			return
		}
		next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), p)))
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:], true
	}
	return "", false
}
