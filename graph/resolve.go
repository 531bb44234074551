package graph

import (
	"context"

	hub "github.com/birgemiz/hub"
)

// organizationProjects is an organization's page of projects through the
// per-level loader: one query for all organizations of the level.
func (r *Resolver) organizationProjects(ctx context.Context, orgID int64, a projectArgs) (*ProjectConnection, error) {
	if err := a.Page.Validate(); err != nil {
		return nil, err
	}
	if err := a.Filter.Validate(); err != nil {
		return nil, err
	}
	l := loadersFor(ctx)
	key := a.key(orgID)
	conn, err := l.projectsByOrganization.Load(ctx, key)()
	if err != nil {
		return nil, err
	}
	return &ProjectConnection{connection[*hub.Project]{page: conn, count: func(ctx context.Context) (int, error) {
		return l.projectCountByOrg.Load(ctx, key)()
	}}}, nil
}

// loadRef loads a referenced record; a reference not resolved yet is null.
func loadRef[V any](ctx context.Context, id *int64, l *loader[int64, *V]) (*V, error) {
	if id == nil {
		return nil, nil
	}
	return l.Load(ctx, *id)()
}

func (l *loaders) loadOrganization(ctx context.Context, id int64) (*hub.Organization, error) {
	return l.organization.Load(ctx, id)()
}

func (l *loaders) loadProject(ctx context.Context, id int64) (*hub.Project, error) {
	return l.project.Load(ctx, id)()
}

func (l *loaders) loadVolunteer(ctx context.Context, id int64) (*hub.Volunteer, error) {
	return l.volunteer.Load(ctx, id)()
}

func grant(p *hub.Project) *Grant {
	if p.GrantProgramme == "" && p.GrantAmountKZT == nil {
		return nil
	}
	g := &Grant{Programme: nullable(p.GrantProgramme)}
	if p.GrantAmountKZT != nil {
		amount := float64(*p.GrantAmountKZT)
		g.AmountKzt = &amount
	}
	return g
}

// orEmpty turns a nil list into an empty one for non-null list fields.
func orEmpty[V any](list []V, err error) ([]V, error) {
	if list == nil && err == nil {
		list = []V{}
	}
	return list, err
}

// node resolves any global id; an id of a record that does not exist (or
// was deleted) is null, as Relay expects.
func (r *Resolver) node(ctx context.Context, gid string) (Node, error) {
	typ, id, err := parseGlobalID(gid)
	if err != nil {
		return nil, err
	}
	l := loadersFor(ctx)
	ids := []int64{id}
	var n Node
	switch typ {
	case typeOrganization:
		n, err = nilIfMissing(l.loadOrganization(ctx, id))
	case typeProject:
		n, err = nilIfMissing(l.loadProject(ctx, id))
	case typeVolunteer:
		n, err = nilIfMissing(l.loadVolunteer(ctx, id))
	case typeParticipation:
		n, err = nilIfMissing(first(r.ParticipationService.FindParticipationsByIDs(ctx, ids)))
	case typeUNPlacement:
		n, err = nilIfMissing(first(r.UNPlacementService.FindUNPlacementsByIDs(ctx, ids)))
	case typeIndicator:
		n, err = nilIfMissing(first(r.IndicatorService.FindIndicatorsByIDs(ctx, ids)))
	case typeSource:
		srcs, err2 := r.SourceService.FindSources(ctx)
		err = err2
		for _, s := range srcs {
			if s.ID == id {
				n = s
			}
		}
	default:
		return nil, hub.Errorf(hub.EINVALID, "%q is not an id this API issued", truncate(gid, 60))
	}
	return n, err
}

// nilIfMissing keeps a typed nil pointer from becoming a non-nil Node.
func nilIfMissing[T any](v *T, err error) (Node, error) {
	if v == nil || err != nil {
		return nil, err
	}
	return v, nil
}
