package graph

import (
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2/ast"

	hub "github.com/birgemiz/hub"
)

// The cost of a query approximates the number of records it may load, and
// so the rows it may cost PostgreSQL:
//
//   - a record (an object field, a connection's edge node, a search hit's
//     node) costs 1 plus what is selected below it;
//   - a connection costs first × the cost of one edge, so nesting multiplies
//     (100 organizations × their first 100 projects cost 10,100);
//   - edges and search hits pass their node's cost through: they are the
//     same record;
//   - scalars and enums cost nothing: they come with their record;
//   - reference data (regions, directions) below a record, page info,
//     highlights and facets cost nothing: they are loaded once per request,
//     or computed in memory, or with the page itself;
//   - a list without first (a record's provenance, a volunteer's
//     organizations, indicators, statistics rows) costs 1 plus what is
//     selected below it: its length is set by the data, not by the caller.
//
// gqlgen computes the cost before anything runs (extension.ComplexityLimit);
// a query over the limit is refused whole with COMPLEXITY_LIMIT_EXCEEDED.
// The functions are set on the generated ComplexityRoot here, by hand, so
// regenerating the schema keeps them.

// DefaultMaxCost is the default cost limit of one operation.
const DefaultMaxCost = 1000

// complexityRoot returns the complexity functions of the schema's lists.
func complexityRoot() ComplexityRoot {
	var c ComplexityRoot

	c.Query.Organizations = func(child int, _ *OrganizationFilter, _ *OrganizationOrder, first *int, _ *string) int {
		return perPage(first, hub.DefaultPageSize, child)
	}
	c.Query.Projects = func(child int, _ *ProjectFilter, _ *ProjectOrder, first *int, _ *string) int {
		return perPage(first, hub.DefaultPageSize, child)
	}
	c.Query.Volunteers = func(child int, _ *VolunteerFilter, first *int, _ *string) int {
		return perPage(first, hub.DefaultPageSize, child)
	}
	c.Query.UnPlacements = func(child int, _ *UNPlacementFilter, first *int, _ *string) int {
		return perPage(first, hub.DefaultPageSize, child)
	}
	c.Query.Search = func(child int, _ string, _ []SearchType, _ *SearchFilter, _ []SearchFacet, _ *SearchOrder, first *int, _ *string) int {
		return perPage(first, hub.DefaultPageSize, child)
	}
	c.Query.Nodes = func(child int, ids []string) int {
		n := min(len(ids), hub.MaxPageSize)
		return safeMul(n, 1+child)
	}
	c.Organization.Projects = func(child int, _ *ProjectFilter, _ *ProjectOrder, first *int, _ *string) int {
		return perPage(first, 10, child)
	}
	c.Project.Participations = func(child int, first *int, _ *string) int {
		return perPage(first, 10, child)
	}
	c.Volunteer.Participations = func(child int, first *int, _ *string) int {
		return perPage(first, 10, child)
	}
	c.Query.PersonalDataAccessLog = func(child int, _, _ *string, _, _ *time.Time, first *int, _ *string) int {
		return perPage(first, hub.DefaultPageSize, child)
	}

	through := func(child int) int { return child }
	c.OrganizationConnection.Edges = through
	c.ProjectConnection.Edges = through
	c.VolunteerConnection.Edges = through
	c.ParticipationConnection.Edges = through
	c.UNPlacementConnection.Edges = through
	c.PersonalDataAccessConnection.Edges = through
	c.SearchResult.Hits = through
	return c
}

// perPage is the cost of a page of first items (def when not given) of
// cost child each. first is clamped to the valid range: a first out of
// range is refused by the resolver with BAD_USER_INPUT, not costed.
func perPage(first *int, def, child int) int {
	n := def
	if first != nil {
		n = *first
	}
	n = max(1, min(n, hub.MaxPageSize))
	// A child of 0 (only cursors or totalCount asked for) falls back to
	// gqlgen's default, 1: a function must return at least 1 to count.
	return safeMul(n, child)
}

func safeMul(a, b int) int {
	const maxCost = 1 << 40
	if a > 0 && b > maxCost/a {
		return maxCost
	}
	return a * b
}

// complexityOptions returns the options of the cost calculation over
// schema: scalars and enums cost nothing, and neither do the fields listed
// as free in the comment above.
func complexityOptions(schema *ast.Schema) []complexity.Option {
	free := map[string]struct{}{
		"SearchHit.highlights":  {},
		"SearchResult.facets":   {},
		"SearchResult.pageInfo": {},
	}
	for _, def := range schema.Types {
		if def.Kind != ast.Object || def == schema.Query || def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			switch f.Type.Name() {
			case "Region", "Direction", "PageInfo":
				free[def.Name+"."+f.Name] = struct{}{}
			}
		}
	}
	return []complexity.Option{complexity.WithFixedScalarValue(0), complexity.WithIgnoreFields(free)}
}
