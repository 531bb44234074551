package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/ratelimit"
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
//
// With a limiter, each 401 spends one of the client address's failed
// credentials and carries that allowance's X-RateLimit headers; once it is
// spent, the address's tokens are answered 429 without being looked up
// (ratelimit.Limiter.TakeCredential).
func WithPrincipal(auth Authenticator, limiter *ratelimit.Limiter, log *slog.Logger, next http.Handler) http.Handler {
	return WithPrincipalFor(auth, limiter, log, writeError, next)
}

// ErrorWriter writes an error answer with an HTTP status, a GraphQL error
// code (UNAUTHENTICATED, RATE_LIMITED, …) and a message. The GraphQL
// endpoint's writes {"errors":[…]}; other endpoints bring their own.
type ErrorWriter func(w http.ResponseWriter, status int, code, message string)

// WithPrincipalFor is WithPrincipal for an endpoint that answers errors
// with write.
func WithPrincipalFor(auth Authenticator, limiter *ratelimit.Limiter, log *slog.Logger, writeError ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := hub.BearerToken(r.Header.Get("Authorization"))
		if !ok {
			next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), hub.Principal{Role: hub.RoleAnonymous})))
			return
		}
		p, d, err := limiter.Authenticate(r, token, auth.Authenticate)
		var blocked *ratelimit.CredentialsBlocked
		switch {
		case errors.As(err, &blocked):
			d.SetHeaders(w.Header())
			writeError(w, http.StatusTooManyRequests, CodeRateLimited, blocked.Error())
			return
		case hub.ErrorCode(err) == hub.EUNAUTHORIZED:
			d.SetHeaders(w.Header())
			w.Header().Set("WWW-Authenticate", `Bearer realm="birgemiz-hub"`)
			writeError(w, http.StatusUnauthorized, CodeUnauthenticated, "the bearer token is not valid")
			return
		case err != nil:
			log.ErrorContext(r.Context(), "checking a bearer token failed", "err", err)
			writeError(w, http.StatusServiceUnavailable, CodeInternal, "internal error: the credential could not be checked; try again")
			return
		}
		next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), p)))
	})
}
