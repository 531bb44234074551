package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

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
	if typ, _, err := parseGlobalID(gid); err == nil && (typ == typeVolunteer || typ == typeParticipation || typ == typeUNPlacement) {
		if _, err := hub.PrincipalFrom(ctx).PeopleScope(); err != nil {
			return nil, err // at the field, as nodes puts it at the item
		}
	}
	ns, err := r.nodes(ctx, []string{gid})
	if err != nil {
		return nil, err
	}
	return ns[0], nil
}

// nodes resolves global ids in their order, with one query per record type
// whatever their number: organizations, projects and volunteers through
// their loaders (prime, so the next level is prefetched too), the other
// types with one set-based query each. A record of a person that the
// caller may not read (PeopleScope) is null with FORBIDDEN (or
// UNAUTHENTICATED) at its place, whether it exists or not; the caller's
// own platform records resolve, and others' are null as if missing.
func (r *Resolver) nodes(ctx context.Context, gids []string) ([]Node, error) {
	type ref struct {
		typ string
		id  int64
	}
	refs := make([]ref, len(gids))
	byType := map[string][]int64{}
	_, peopleErr := hub.PrincipalFrom(ctx).PeopleScope()
	denied := map[int]bool{}
	for i, gid := range gids {
		typ, id, err := parseGlobalID(gid)
		if err != nil {
			return nil, err
		}
		switch typ {
		case typeOrganization, typeProject, typeIndicator, typeSource:
		case typeVolunteer, typeParticipation, typeUNPlacement:
			if peopleErr != nil {
				denied[i] = true
				continue
			}
		default:
			return nil, hub.Errorf(hub.EINVALID, "%q is not an id this API issued", truncate(gid, 60))
		}
		refs[i] = ref{typ, id}
		byType[typ] = append(byType[typ], id)
	}
	for i := range denied {
		graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), peopleErr)
	}

	l := loadersFor(ctx)
	var field graphql.CollectedField
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		field = fc.Field
	}
	runAll([]func(){prime(ctx, field, l.organization, byType[typeOrganization]),
		prime(ctx, field, l.project, byType[typeProject]), prime(ctx, field, l.volunteer, byType[typeVolunteer])})

	found := map[ref]Node{}
	put := func(typ string) func(int64, Node) { return func(id int64, n Node) { found[ref{typ, id}] = n } }
	for _, load := range []func() error{
		func() error {
			return findNodes(ctx, byType[typeParticipation], scoped(r.ParticipationService.FindParticipationsByIDs, l.people),
				func(p *hub.Participation) int64 { return p.ID }, put(typeParticipation))
		},
		func() error {
			return findNodes(ctx, byType[typeUNPlacement], scoped(r.UNPlacementService.FindUNPlacementsByIDs, l.people),
				func(u *hub.UNPlacement) int64 { return u.ID }, put(typeUNPlacement))
		},
		func() error {
			return findNodes(ctx, byType[typeIndicator], r.IndicatorService.FindIndicatorsByIDs,
				func(i *hub.Indicator) int64 { return i.ID }, put(typeIndicator))
		},
		func() error {
			if len(byType[typeSource]) == 0 {
				return nil
			}
			return findNodes(ctx, byType[typeSource], func(ctx context.Context, _ []int64) ([]*hub.Source, error) {
				return r.SourceService.FindSources(ctx)
			}, func(s *hub.Source) int64 { return s.ID }, put(typeSource))
		},
	} {
		if err := load(); err != nil {
			return nil, err
		}
	}

	out := make([]Node, len(refs))
	for i, rf := range refs {
		var err error
		switch rf.typ {
		case "":
			continue // denied
		case typeOrganization:
			out[i], err = nilIfMissing(l.loadOrganization(ctx, rf.id))
		case typeProject:
			out[i], err = nilIfMissing(l.loadProject(ctx, rf.id))
		case typeVolunteer:
			out[i], err = nilIfMissing(l.loadVolunteer(ctx, rf.id))
		default:
			out[i] = found[rf]
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// findNodes loads the records of ids with one set-based call and puts
// each under its id.
func findNodes[T Node](ctx context.Context, ids []int64, find func(context.Context, []int64) ([]T, error),
	id func(T) int64, put func(int64, Node)) error {
	if len(ids) == 0 {
		return nil
	}
	items, err := find(ctx, ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		put(id(it), it)
	}
	return nil
}

// nilIfMissing keeps a typed nil pointer from becoming a non-nil Node.
func nilIfMissing[T any](v *T, err error) (Node, error) {
	if v == nil || err != nil {
		return nil, err
	}
	return v, nil
}
