package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	hub "github.com/birgemiz/hub"
)

// projection narrows what the store reads for an operation to what it can
// select: an operation that selects no project description reads projects
// without their descriptions (hub.WithoutDescriptions), the largest
// columns of the hub's most listed type. It looks at every field the
// document names, in the operation and in every fragment, whatever type it
// is on, so it errs towards reading more; search highlights quote
// descriptions, so selecting them counts as selecting a description.
type projection struct{}

var _ interface {
	graphql.OperationInterceptor
	graphql.HandlerExtension
} = projection{}

func (projection) ExtensionName() string                   { return "Projection" }
func (projection) Validate(graphql.ExecutableSchema) error { return nil }

func (projection) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && !readsDescriptions(oc) {
		ctx = hub.WithoutDescriptions(ctx)
	}
	return next(ctx)
}

// readsDescriptions reports whether the operation, or any fragment of its
// document, selects a field called description or highlights.
func readsDescriptions(oc *graphql.OperationContext) bool {
	if selectsAny(oc.Operation.SelectionSet, "description", "highlights") {
		return true
	}
	for _, f := range oc.Doc.Fragments {
		if selectsAny(f.SelectionSet, "description", "highlights") {
			return true
		}
	}
	return false
}

// selectsAny reports whether set selects, at any depth, a field called one
// of names. Fragment spreads are not followed: readsDescriptions looks at
// every fragment of the document on its own.
func selectsAny(set ast.SelectionSet, names ...string) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if slices.Contains(names, sel.Name) || selectsAny(sel.SelectionSet, names...) {
				return true
			}
		case *ast.InlineFragment:
			if selectsAny(sel.SelectionSet, names...) {
				return true
			}
		}
	}
	return false
}
