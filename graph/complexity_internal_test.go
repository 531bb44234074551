package graph

import (
	"context"
	"testing"
)

// Every field that takes first is costed per page: first × its child.
// A connection added to the schema without a complexity function would
// cost 1 + its child whatever first it is asked for, and let a cost bomb
// through; this test names the line to add to complexityRoot.
func TestEveryPagedFieldIsCostedPerPage(t *testing.T) {
	t.Parallel()
	es := NewExecutableSchema(Config{Resolvers: &Resolver{}, Complexity: complexityRoot()})
	// Lists with first that are not pages of records, costed as one list.
	flat := map[string]string{
		"IngestBatch.errors": "a batch's record errors: one indexed query of small rows, up to 1000",
	}
	schema := es.Schema()
	checked := 0
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			if f.Arguments.ForName("first") == nil || def.BuiltIn {
				continue
			}
			name := def.Name + "." + f.Name
			if _, ok := flat[name]; ok {
				continue
			}
			args := map[string]any{"first": 50}
			if f.Arguments.ForName("query") != nil {
				args["query"] = ""
			}
			got, ok := es.Complexity(context.Background(), def.Name, f.Name, 7, args)
			if !ok || got != 350 {
				t.Errorf("%s(first: 50) with a child of 7 costs %d (custom %v), want 350: set its function in complexityRoot "+
					"(graph/complexity.go) to return perPage(first, <its default>, child)", name, got, ok)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("only %d paged fields found; the schema has at least 8", checked)
	}
	// Out of range, first is costed as the nearest valid page: the
	// resolver refuses it as bad input.
	for first, want := range map[int]int{0: 7, -5: 7, 101: 700, 1 << 40: 700} {
		if got, _ := es.Complexity(context.Background(), "Query", "projects", 7, map[string]any{"first": first}); got != want {
			t.Errorf("projects(first: %d): cost %d, want %d", first, got, want)
		}
	}
	// The default page size is costed when first is not given.
	if got, _ := es.Complexity(context.Background(), "Organization", "projects", 3, map[string]any{}); got != 30 {
		t.Errorf("Organization.projects without first: cost %d, want 10 × 3", got)
	}
}
