package graph

import (
	"context"
	"net/http"

	hub "github.com/birgemiz/hub"
)

// ingestBatch returns a batch to the source that sent it.
func (r *Resolver) ingestBatch(ctx context.Context, id string) (*hub.Batch, error) {
	b, err := r.BatchService.FindBatchByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := hub.PrincipalFrom(ctx).CanReadBatch(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (r *Resolver) batchErrors(ctx context.Context, b *hub.Batch, first *int) ([]*hub.RecordError, error) {
	n := 100
	if first != nil {
		n = *first
	}
	if n < 0 || n > 1000 {
		return nil, hub.Errorf(hub.EINVALID, "errors(first:) must be between 0 and 1000")
	}
	errs, err := r.BatchService.FindBatchErrors(ctx, b.ID, n)
	out := make([]*hub.RecordError, len(errs))
	for i := range errs {
		out[i] = &errs[i]
	}
	return out, err
}

// Authenticator finds the caller of a bearer token.
type Authenticator interface {
	AuthenticateSource(ctx context.Context, token string) (*hub.Source, error)
}

// WithPrincipal returns middleware that puts the caller into the request's
// context: a source for a source's token, anonymous without a token. A
// token that is not valid is refused with 401 rather than served as
// anonymous, so a client learns its credential is wrong.
func WithPrincipal(auth Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), hub.Principal{Role: hub.RoleAnonymous})))
			return
		}
		src, err := auth.AuthenticateSource(r.Context(), token)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", `Bearer realm="birgemiz-hub"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"message":"the bearer token is not valid","extensions":{"code":"UNAUTHENTICATED"}}]}`))
			return
		}
		next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), hub.Principal{Role: hub.RolePlatform, Source: src})))
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:], true
	}
	return "", false
}
