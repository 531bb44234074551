package graph

import (
	"net/http"

	"github.com/birgemiz/hub/internal/ratelimit"
)

// RateLimited returns next behind the caller's rate limit; nil l serves
// next as it is. Every answer carries X-RateLimit-Limit and
// X-RateLimit-Remaining; a request over the limit is answered 429 with
// Retry-After and RATE_LIMITED through writeError, and never reaches next.
// The hub's other endpoints that spend the caller's GraphQL allowance (the
// exports) use it with their own error format.
func RateLimited(l *ratelimit.Limiter, writeError ErrorWriter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
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
