package graph

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
)

// HandlerOptions tune the GraphQL handler.
type HandlerOptions struct {
	// LoaderWait is how long dataloaders gather keys; 0 means DefaultLoaderWait.
	LoaderWait time.Duration
}

// NewHandler returns the GraphQL-over-HTTP handler (POST and GET) with
// per-request dataloaders, the error presenter and panic recovery.
func NewHandler(r *Resolver, log *slog.Logger, opts HandlerOptions) http.Handler {
	if opts.LoaderWait == 0 {
		opts.LoaderWait = DefaultLoaderWait
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc(log))
	return WithLoaders(r, opts.LoaderWait, srv)
}

// NewExplorer returns the interactive GraphiQL explorer for the endpoint.
func NewExplorer(endpoint string) http.Handler {
	return playground.Handler("Birgemiz Hub — GraphQL explorer", endpoint)
}
