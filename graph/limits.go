package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Defaults of the limits on one operation's shape.
const (
	DefaultMaxDepth  = 20
	DefaultMaxFields = 500
	// DefaultMaxTokens bounds the parser's work: the hub's largest useful
	// queries (500 fields with arguments and aliases) are a few thousand
	// tokens; the GraphiQL introspection query is under 200.
	DefaultMaxTokens = 10000
)

// shapeLimit refuses an operation nested deeper than MaxDepth fields or
// selecting more than MaxFields fields. Every field counts, aliases
// included, and a fragment counts each time it is spread, so a fragment
// spread twice in a fragment spread twice… is counted as what it expands
// to. It runs after validation (which refuses fragment cycles) and before
// the cost calculation, which walks the expanded query and so must never
// see an exponential one.
type shapeLimit struct {
	MaxDepth  int
	MaxFields int
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation and refuses it with
// COMPLEXITY_LIMIT_EXCEEDED when it is too deep or too wide.
func (l shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	m := measurer{frags: map[string]shape{}, limit: l.MaxFields + 1}
	s := m.selectionSet(oc.Operation.SelectionSet)
	if s.depth > l.MaxDepth {
		return limitError("the query is nested %d fields deep; the limit is %d", s.depth, l.MaxDepth)
	}
	if s.fields > l.MaxFields {
		return limitError("the query selects more than %d fields (aliases and every use of a fragment count); ask for fewer", l.MaxFields)
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": CodeComplexityLimit}
	return err
}

type shape struct{ depth, fields int }

// measurer computes the depth and field count of selection sets, once per
// fragment. Counts saturate at limit, so a fragment bomb cannot overflow.
type measurer struct {
	frags map[string]shape
	limit int
}

func (m *measurer) selectionSet(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch sel := sel.(type) {
		case *ast.Field:
			s = m.selectionSet(sel.SelectionSet)
			s.depth++
			s.fields = m.add(s.fields, 1)
		case *ast.InlineFragment:
			s = m.selectionSet(sel.SelectionSet)
		case *ast.FragmentSpread:
			s = m.fragment(sel.Name, sel.Definition)
		}
		out.depth = max(out.depth, s.depth)
		out.fields = m.add(out.fields, s.fields)
	}
	return out
}

func (m *measurer) fragment(name string, def *ast.FragmentDefinition) shape {
	if s, ok := m.frags[name]; ok {
		return s
	}
	if def == nil {
		return shape{}
	}
	// Validation refuses cycles; should one get here, it counts as over
	// the limit instead of recursing forever.
	m.frags[name] = shape{depth: m.limit, fields: m.limit}
	s := m.selectionSet(def.SelectionSet)
	m.frags[name] = s
	return s
}

func (m *measurer) add(a, b int) int { return min(a+b, m.limit) }

// refuseNUL refuses an operation with the NUL character in a string
// argument, given inline or by variable, as BAD_USER_INPUT. PostgreSQL
// text cannot hold NUL, so a filter with one would fail in the database
// as an internal error; feeds refuse it too. The search text is the
// exception: it never reaches PostgreSQL, and the search engine reads
// control characters as spaces (search.Query.Validate).
type refuseNUL struct{}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = refuseNUL{}

func (refuseNUL) ExtensionName() string                   { return "RefuseNUL" }
func (refuseNUL) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext looks through the arguments of the operation
// and of its fragments.
func (refuseNUL) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := nulWalker{vars: oc.Variables, seen: map[string]bool{}}
	if !w.selections(oc.Operation.SelectionSet) {
		return nil
	}
	err := gqlerror.Errorf(`strings must not contain the NUL character (\u0000)`)
	err.Extensions = map[string]any{"code": CodeBadUserInput}
	return err
}

type nulWalker struct {
	vars map[string]any
	seen map[string]bool // fragments walked
}

func (w nulWalker) selections(set ast.SelectionSet) bool {
	for _, sel := range set {
		var sub ast.SelectionSet
		var dirs ast.DirectiveList
		switch sel := sel.(type) {
		case *ast.Field:
			for _, a := range sel.Arguments {
				searchText := sel.Name == "search" && a.Name == "query" && sel.ObjectDefinition != nil && sel.ObjectDefinition.Name == "Query"
				if !searchText && w.value(a.Value) {
					return true
				}
			}
			sub, dirs = sel.SelectionSet, sel.Directives
		case *ast.InlineFragment:
			sub, dirs = sel.SelectionSet, sel.Directives
		case *ast.FragmentSpread:
			dirs = sel.Directives
			if !w.seen[sel.Name] && sel.Definition != nil {
				w.seen[sel.Name] = true
				sub = sel.Definition.SelectionSet
			}
		}
		for _, d := range dirs {
			for _, a := range d.Arguments {
				if w.value(a.Value) {
					return true
				}
			}
		}
		if w.selections(sub) {
			return true
		}
	}
	return false
}

func (w nulWalker) value(v *ast.Value) bool {
	switch {
	case v == nil:
		return false
	case v.Kind == ast.Variable:
		return hasNUL(w.vars[v.Raw])
	case v.Kind == ast.StringValue || v.Kind == ast.BlockValue:
		return strings.ContainsRune(v.Raw, 0)
	}
	for _, c := range v.Children {
		if w.value(c.Value) {
			return true
		}
	}
	return false
}

func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case map[string]any:
		for _, x := range v {
			if hasNUL(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasNUL(x) {
				return true
			}
		}
	case []string:
		for _, x := range v {
			if strings.ContainsRune(x, 0) {
				return true
			}
		}
	}
	return false
}
