package graph

import (
	"net/http"

	"github.com/birgemiz/hub/internal/ratelimit"
)

// rateLimited returns next behind the caller's rate limit. Every answer
// carries X-RateLimit-Limit and X-RateLimit-Remaining; a request over the
// limit is answered 429 with Retry-After and RATE_LIMITED, and never
// reaches next.
func rateLimited(l *ratelimit.Limiter, writeError ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, who := l.Request(r)
		d.SetHeaders(w.Header())
		if !d.Allowed {
			writeError(w, http.StatusTooManyRequests, CodeRateLimited, d.Message(who))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RateLimited returns next behind the caller's rate limit (rateLimited),
// answering a refusal with write; nil l serves next as it is. The hub's
// other endpoints that spend the caller's GraphQL allowance (the exports)
// use it with their own error format.
func RateLimited(l *ratelimit.Limiter, write ErrorWriter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return rateLimited(l, write, next)
}
