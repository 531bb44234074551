package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/search"
)

// Searcher is the part of a search engine the API uses.
type Searcher interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
}

var searchTypes = map[SearchType]search.DocType{
	SearchTypeProject: search.TypeProject, SearchTypeOrganization: search.TypeOrganization, SearchTypeUnPlacement: search.TypeUNPlacement,
}

var searchFacets = map[SearchFacet]search.Facet{
	SearchFacetRegion: search.FacetRegion, SearchFacetDirection: search.FacetDirection, SearchFacetStatus: search.FacetStatus,
	SearchFacetYear: search.FacetYear, SearchFacetOrganizationKind: search.FacetOrgKind, SearchFacetType: search.FacetType,
}

// searchQuery parses the search field's arguments for caller. UN
// placements are records of people: only admins search them; for anyone
// else they are left out, and FORBIDDEN when asked for by type.
func searchQuery(text string, types []SearchType, filter *SearchFilter, facets []SearchFacet, order *SearchOrder, first *int, after *string, caller hub.Principal) (search.Query, error) {
	p := page(first, after, hub.DefaultPageSize)
	if err := p.Validate(); err != nil {
		return search.Query{}, err
	}
	q := search.Query{Text: text, Limit: p.First, SortByDate: order != nil && *order == SearchOrderDate}
	if p.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.After)
		off, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || off < 0 {
			return q, hub.Errorf(hub.EINVALID, "after: not a cursor this API issued")
		}
		q.Offset = off
	}
	for _, t := range types {
		if t == SearchTypeUnPlacement && !caller.IsAdmin() {
			return q, hub.Errorf(hub.ErrorCode(caller.Require(hub.RoleAdmin)),
				"types: UN placements are records of people and only admin keys search them; their counts are in statistics (UN_PLACEMENTS)")
		}
		q.Types = append(q.Types, searchTypes[t])
	}
	if len(q.Types) == 0 && !caller.IsAdmin() {
		q.Types = []search.DocType{search.TypeProject, search.TypeOrganization}
	}
	for _, f := range facets {
		q.Facets = append(q.Facets, searchFacets[f])
	}
	if filter != nil {
		orgs, err := parseTypedIDs(filter.Organization, typeOrganization)
		if err != nil {
			return q, err
		}
		q.Filter = search.Filter{Regions: upperCodes(filter.Region), Directions: upperCodes(filter.Direction), Statuses: strsOf(filter.Status),
			Years: filter.Year, OrgKinds: strsOf(filter.OrganizationKind), OrganizationIDs: orgs}
		if err := (hub.ProjectFilter{Regions: q.Filter.Regions, Directions: q.Filter.Directions}).Validate(); err != nil {
			return q, err
		}
	}
	if err := q.Validate(); err != nil {
		return q, searchError(err)
	}
	return q, nil
}

func searchError(err error) error {
	if errors.Is(err, search.ErrInvalidQuery) {
		return hub.Errorf(hub.EINVALID, "%s", err.Error())
	}
	return err
}

// searchResult runs q and turns the hits into nodes from PostgreSQL
// (through the loaders: one query per type), with highlights. A hit whose
// record was deleted after it was indexed is left out.
func (r *Resolver) searchResult(ctx context.Context, q search.Query) (*SearchResult, error) {
	if r.SearchService == nil {
		return nil, errors.New("search engine not configured")
	}
	res, err := r.SearchService.Search(ctx, q)
	if err != nil {
		return nil, searchError(err)
	}
	terms, _ := search.ParseQuery(q.Text)
	l := loadersFor(ctx)
	// Load each type's hits with one batch, as the hits' node field, so the
	// batch functions prefetch what the query selects on the nodes
	// (prefetch.go); the Loads below get those answers.
	var node graphql.CollectedField
	wantHighlights := false // marking words costs more than the search itself: only when asked
	for _, f := range selected(ctx, "hits") {
		switch f.Name {
		case "node":
			node = f
		case "highlights":
			wantHighlights = true
		}
	}
	var projects, organizations, placements []int64
	for _, h := range res.Hits {
		switch h.Type {
		case search.TypeProject:
			projects = append(projects, h.RecordID)
		case search.TypeOrganization:
			organizations = append(organizations, h.RecordID)
		case search.TypeUNPlacement:
			placements = append(placements, h.RecordID)
		}
	}
	runAll([]func(){prime(ctx, node, l.project, projects), prime(ctx, node, l.organization, organizations),
		prime(ctx, node, l.unPlacement, placements)})
	thunks := make([]func() (SearchNode, error), len(res.Hits))
	for i, h := range res.Hits {
		switch h.Type {
		case search.TypeProject:
			th := l.project.Load(ctx, h.RecordID)
			thunks[i] = func() (SearchNode, error) { return nilIfMissing(th()) }
		case search.TypeOrganization:
			th := l.organization.Load(ctx, h.RecordID)
			thunks[i] = func() (SearchNode, error) { return nilIfMissing(th()) }
		case search.TypeUNPlacement:
			th := l.unPlacement.Load(ctx, h.RecordID)
			thunks[i] = func() (SearchNode, error) { return nilIfMissing(th()) }
		}
	}
	out := &SearchResult{TotalCount: res.Total, Hits: []*SearchHit{}, Facets: []*SearchFacetCount{}}
	for i, h := range res.Hits {
		if thunks[i] == nil {
			continue
		}
		n, err := thunks[i]()
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		hit := &SearchHit{Score: h.Score, Node: n, Highlights: []*Highlight{}}
		if wantHighlights {
			hit.Highlights = highlights(n, terms)
		}
		out.Hits = append(out.Hits, hit)
	}
	for _, f := range res.Facets {
		fc := &SearchFacetCount{Field: facetName(f.Facet), Values: make([]*SearchFacetValue, len(f.Values))}
		for i, v := range f.Values {
			fc.Values[i] = &SearchFacetValue{Value: v.Value, Count: v.Count}
		}
		out.Facets = append(out.Facets, fc)
	}
	pi := &PageInfo{HasPreviousPage: q.Offset > 0, HasNextPage: q.Offset+len(res.Hits) < res.Total}
	if len(res.Hits) > 0 {
		start := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(q.Offset + 1)))
		end := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(q.Offset + len(res.Hits))))
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	out.PageInfo = pi
	return out, nil
}

func facetName(f search.Facet) SearchFacet {
	for k, v := range searchFacets {
		if v == f {
			return k
		}
	}
	return ""
}

// highlights marks the query's words in the hit's texts, one entry per
// field and language that matched.
func highlights(n SearchNode, terms []search.QueryTerm) []*Highlight {
	out := []*Highlight{}
	if len(terms) == 0 {
		return out
	}
	add := func(field string, t hub.LocalizedText, maxWords int) {
		for _, l := range []struct {
			code string
			text string
		}{{"kk", t.KK}, {"ru", t.RU}, {"en", t.EN}} {
			if snippet, ok := search.Highlight(l.text, terms, maxWords); ok {
				out = append(out, &Highlight{Field: field + "." + l.code, Snippet: snippet})
			}
		}
	}
	plain := func(field, text string, maxWords int) {
		if snippet, ok := search.Highlight(text, terms, maxWords); ok {
			out = append(out, &Highlight{Field: field, Snippet: snippet})
		}
	}
	switch v := n.(type) {
	case *hub.Project:
		add("title", v.Title, 40)
		add("description", v.Description, 30)
		for _, tag := range v.Tags {
			plain("tags", tag, 10)
		}
	case *hub.Organization:
		add("name", v.Name, 40)
	case *hub.UNPlacement:
		add("title", v.Title, 40)
		plain("hostEntity", v.HostEntity, 10)
		plain("dutyStation", v.DutyStation, 10)
	}
	return out
}

func strsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
