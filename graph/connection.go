package graph

import (
	"context"

	hub "github.com/birgemiz/hub"
)

// PageInfo is the Relay page info of a connection.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// connection adapts a hub.Connection to the GraphQL connection types. The
// total count is computed only when a query asks for it, through count,
// which is a direct query at the root and a dataloader when nested.
type connection[T any] struct {
	page  *hub.Connection[T]
	count func(ctx context.Context) (int, error)
}

// PageInfo returns the page info.
func (c *connection[T]) PageInfo() *PageInfo {
	pi := &PageInfo{HasNextPage: c.page.HasNextPage, HasPreviousPage: c.page.HasPreviousPage}
	if n := len(c.page.Edges); n > 0 {
		pi.StartCursor, pi.EndCursor = &c.page.Edges[0].Cursor, &c.page.Edges[n-1].Cursor
	}
	return pi
}

// TotalCount returns how many items the connection's filter selects.
func (c *connection[T]) TotalCount(ctx context.Context) (int, error) { return c.count(ctx) }

func edges[T any, E any](c *connection[T], mk func(cursor string, node T) E) []E {
	out := make([]E, len(c.page.Edges))
	for i, e := range c.page.Edges {
		out[i] = mk(e.Cursor, e.Node)
	}
	return out
}

// OrganizationConnection is a page of organizations.
type OrganizationConnection struct{ connection[*hub.Organization] }

// OrganizationEdge is one organization of a page.
type OrganizationEdge struct {
	Cursor string
	Node   *hub.Organization
}

// Edges returns the page's edges.
func (c *OrganizationConnection) Edges() []*OrganizationEdge {
	return edges(&c.connection, func(cur string, n *hub.Organization) *OrganizationEdge { return &OrganizationEdge{cur, n} })
}

// ProjectConnection is a page of projects.
type ProjectConnection struct{ connection[*hub.Project] }

// ProjectEdge is one project of a page.
type ProjectEdge struct {
	Cursor string
	Node   *hub.Project
}

// Edges returns the page's edges.
func (c *ProjectConnection) Edges() []*ProjectEdge {
	return edges(&c.connection, func(cur string, n *hub.Project) *ProjectEdge { return &ProjectEdge{cur, n} })
}

// VolunteerConnection is a page of volunteers.
type VolunteerConnection struct{ connection[*hub.Volunteer] }

// VolunteerEdge is one volunteer of a page.
type VolunteerEdge struct {
	Cursor string
	Node   *hub.Volunteer
}

// Edges returns the page's edges.
func (c *VolunteerConnection) Edges() []*VolunteerEdge {
	return edges(&c.connection, func(cur string, n *hub.Volunteer) *VolunteerEdge { return &VolunteerEdge{cur, n} })
}

// ParticipationConnection is a page of participations.
type ParticipationConnection struct{ connection[*hub.Participation] }

// ParticipationEdge is one participation of a page.
type ParticipationEdge struct {
	Cursor string
	Node   *hub.Participation
}

// Edges returns the page's edges.
func (c *ParticipationConnection) Edges() []*ParticipationEdge {
	return edges(&c.connection, func(cur string, n *hub.Participation) *ParticipationEdge { return &ParticipationEdge{cur, n} })
}

// UNPlacementConnection is a page of UN placements.
type UNPlacementConnection struct{ connection[*hub.UNPlacement] }

// UNPlacementEdge is one placement of a page.
type UNPlacementEdge struct {
	Cursor string
	Node   *hub.UNPlacement
}

// Edges returns the page's edges.
func (c *UNPlacementConnection) Edges() []*UNPlacementEdge {
	return edges(&c.connection, func(cur string, n *hub.UNPlacement) *UNPlacementEdge { return &UNPlacementEdge{cur, n} })
}

// PersonalDataAccessConnection is a page of the personal-data access log.
type PersonalDataAccessConnection struct {
	connection[*hub.PersonalAccess]
}

// PersonalDataAccessEdge is one entry of a page of the access log.
type PersonalDataAccessEdge struct {
	Cursor string
	Node   *hub.PersonalAccess
}

// Edges returns the page's edges.
func (c *PersonalDataAccessConnection) Edges() []*PersonalDataAccessEdge {
	return edges(&c.connection, func(cur string, n *hub.PersonalAccess) *PersonalDataAccessEdge {
		return &PersonalDataAccessEdge{cur, n}
	})
}
