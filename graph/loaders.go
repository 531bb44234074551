package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	hub "github.com/birgemiz/hub"
)

// DefaultLoaderWait is how long a dataloader collects keys before it runs
// its batch. gqlgen starts the resolvers of a list's items together, so a
// millisecond gathers a page of 100; the default of 16 ms would be paid at
// every nested level of every query.
const DefaultLoaderWait = time.Millisecond

type loadersKey struct{}

// loader is a dataloader that keeps its batch function, so that prefetch
// can answer a whole level's keys with one call of it (prime). Every key
// is answered once per request: by prime, whose answers Load hands out
// (waiting while prime runs), or by the dataloader, whose keys prime then
// leaves alone.
type loader[K comparable, V any] struct {
	dl    *dataloader.Loader[K, V]
	batch dataloader.BatchFunc[K, V]

	mu     sync.Mutex
	primed map[K]*primedResult[V] // answered, or being answered, by prime
	loaded map[K]struct{}         // asked of the dataloader
}

// primedResult is prime's answer for one key, final once done is closed.
type primedResult[V any] struct {
	done chan struct{}
	data V
	err  error
}

func newLoader[K comparable, V any](wait time.Duration, batch dataloader.BatchFunc[K, V]) *loader[K, V] {
	return &loader[K, V]{dl: dataloader.NewBatchedLoader(batch, dataloader.WithWait[K, V](wait)), batch: batch,
		primed: map[K]*primedResult[V]{}, loaded: map[K]struct{}{}}
}

// Load returns a thunk for key's value: prime's answer when prime took the
// key, else the dataloader's.
func (l *loader[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	l.mu.Lock()
	p := l.primed[key]
	if p == nil {
		l.loaded[key] = struct{}{}
	}
	l.mu.Unlock()
	if p == nil {
		return l.dl.Load(ctx, key)
	}
	return func() (V, error) {
		select {
		case <-p.done:
			return p.data, p.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
}

// claim takes for prime the keys that neither prime nor the dataloader
// has been asked for, once each, in order.
func (l *loader[K, V]) claim(keys []K) ([]K, []*primedResult[V]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ks []K
	var rs []*primedResult[V]
	for _, k := range keys {
		if _, ok := l.loaded[k]; ok {
			continue
		}
		if _, ok := l.primed[k]; ok {
			continue
		}
		r := &primedResult[V]{done: make(chan struct{})}
		l.primed[k] = r
		ks, rs = append(ks, k), append(rs, r)
	}
	return ks, rs
}

// loaders are the per-request batch loaders. They are never shared between
// requests, so one caller's results never reach another.
type loaders struct {
	organization              *loader[int64, *hub.Organization]
	project                   *loader[int64, *hub.Project]
	volunteer                 *loader[int64, *hub.Volunteer]
	unPlacement               *loader[int64, *hub.UNPlacement]
	projectsByOrganization    *loader[pageKey, *hub.Connection[*hub.Project]]
	projectCountByOrg         *loader[pageKey, int]
	participationsByVolunteer *loader[pageKey, *hub.Connection[*hub.Participation]]
	participationsByProject   *loader[pageKey, *hub.Connection[*hub.Participation]]
	participationCountByVol   *loader[int64, int]
	participationCountByProj  *loader[int64, int]
	totalHours                *loader[int64, float64]
	organizationsByVolunteer  *loader[int64, []*hub.Organization]
	unPlacementsByVolunteer   *loader[int64, []*hub.UNPlacement]
	provenance                *loader[recordKey, []*hub.Provenance]
	personal                  *loader[personalKey, *hub.VolunteerPersonal] // logs each read (personal.go)
	// personalRead is set before the request's first read of personal
	// parts: the response cache keeps no such answer (respcache.go).
	personalRead atomic.Bool

	// people is the caller's PeopleScope (the zero scope when it may read
	// no records of people): every person-level batch reads within it.
	people     hub.PeopleScope
	peopleFrom string // the platform's source, whose provenance alone it sees
}

// pageKey asks for one parent's page of children; args is the JSON of the
// filter, order and page, so parents asking the same thing batch together.
type pageKey struct {
	parent int64
	args   string
}

type recordKey struct {
	typ hub.RecordType
	id  int64
}

// projectArgs are the arguments of a nested projects connection.
type projectArgs struct {
	Filter hub.ProjectFilter
	Order  hub.ProjectOrder
	Page   hub.Page
}

func (a projectArgs) key(parent int64) pageKey {
	b, _ := json.Marshal(a)
	return pageKey{parent, string(b)}
}

func newLoaders(r *Resolver, wait time.Duration, p hub.Principal) *loaders {
	l := &loaders{}
	l.people, _ = p.PeopleScope()
	if !l.people.All && p.Source != nil {
		l.peopleFrom = p.Source.Name
	}
	scope := l.people
	// Each batch function primes the next level's loaders for the records
	// it found (see prefetch.go).
	l.organization = byID(wait, withPrefetch(r, r.OrganizationService.FindOrganizationsByIDs), func(o *hub.Organization) int64 { return o.ID })
	l.project = byID(wait, withPrefetch(r, r.ProjectService.FindProjectsByIDs), func(p *hub.Project) int64 { return p.ID })
	l.volunteer = byID(wait, withPrefetch(r, scoped(r.VolunteerService.FindVolunteersByIDs, scope)), func(v *hub.Volunteer) int64 { return v.ID })
	l.unPlacement = byID(wait, withPrefetch(r, scoped(r.UNPlacementService.FindUNPlacementsByIDs, scope)), func(u *hub.UNPlacement) int64 { return u.ID })
	l.projectsByOrganization = byPage(wait, func(ctx context.Context, ids []int64, a projectArgs) (map[int64]*hub.Connection[*hub.Project], error) {
		m, err := r.ProjectService.FindProjectsByOrganizations(ctx, ids, a.Filter, a.Order, a.Page)
		r.prefetch(ctx, nodesOfPages(m), "edges", "node")
		return m, err
	})
	l.projectCountByOrg = byPage(wait, func(ctx context.Context, ids []int64, a projectArgs) (map[int64]int, error) {
		return r.ProjectService.CountProjectsByOrganizations(ctx, ids, a.Filter)
	})
	l.participationsByVolunteer = byPage(wait, func(ctx context.Context, ids []int64, a hub.Page) (map[int64]*hub.Connection[*hub.Participation], error) {
		m, err := r.ParticipationService.FindParticipationsByVolunteers(ctx, ids, a, scope)
		r.prefetch(ctx, nodesOfPages(m), "edges", "node")
		return m, err
	})
	l.participationsByProject = byPage(wait, func(ctx context.Context, ids []int64, a hub.Page) (map[int64]*hub.Connection[*hub.Participation], error) {
		m, err := r.ParticipationService.FindParticipationsByProjects(ctx, ids, a, scope)
		r.prefetch(ctx, nodesOfPages(m), "edges", "node")
		return m, err
	})
	l.participationCountByVol = byParent(wait, scoped(r.ParticipationService.CountParticipationsByVolunteers, scope))
	l.participationCountByProj = byParent(wait, scoped(r.ParticipationService.CountParticipationsByProjects, scope))
	l.totalHours = byParent(wait, scoped(r.VolunteerService.TotalHours, scope))
	l.organizationsByVolunteer = byParent(wait, func(ctx context.Context, ids []int64) (map[int64][]*hub.Organization, error) {
		m, err := r.OrganizationService.FindOrganizationsForVolunteers(ctx, ids, scope)
		r.prefetch(ctx, flatten(m))
		return m, err
	})
	l.unPlacementsByVolunteer = byParent(wait, func(ctx context.Context, ids []int64) (map[int64][]*hub.UNPlacement, error) {
		m, err := r.UNPlacementService.FindUNPlacementsByVolunteers(ctx, ids, scope)
		r.prefetch(ctx, flatten(m))
		return m, err
	})
	l.provenance = newLoader(wait, func(ctx context.Context, keys []recordKey) []*dataloader.Result[[]*hub.Provenance] {
		byType := make(map[hub.RecordType][]int64)
		for _, k := range keys {
			byType[k.typ] = append(byType[k.typ], k.id)
		}
		found := make(map[recordKey][]*hub.Provenance, len(keys))
		for t, ids := range byType {
			if t.OfPeople() {
				if err := l.people.Check(); err != nil {
					return fail[[]*hub.Provenance](len(keys), err)
				}
			}
			m, err := r.ProvenanceService.FindProvenance(ctx, t, ids)
			if err != nil {
				return fail[[]*hub.Provenance](len(keys), err)
			}
			for id, p := range m {
				if t.OfPeople() && l.peopleFrom != "" {
					// A platform sees that its own source reported the record, not who else did.
					p = slices.DeleteFunc(p, func(pv *hub.Provenance) bool { return pv.Source != l.peopleFrom })
				}
				found[recordKey{t, id}] = p
			}
		}
		out := make([]*dataloader.Result[[]*hub.Provenance], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[[]*hub.Provenance]{Data: found[k]}
		}
		return out
	})
	l.personal = newPersonalLoader(r, wait, &l.personalRead)
	return l
}

// byID builds a loader of records by id over a FindXByIDs call. A missing
// (or deleted) record loads as nil: a dangling reference reads as null.
func byID[V any](wait time.Duration, find func(context.Context, []int64) ([]V, error), id func(V) int64) *loader[int64, V] {
	return newLoader(wait, func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		items, err := find(ctx, keys)
		if err != nil {
			return fail[V](len(keys), err)
		}
		m := make(map[int64]V, len(items))
		for _, it := range items {
			m[id(it)] = it
		}
		out := make([]*dataloader.Result[V], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[V]{Data: m[k]}
		}
		return out
	})
}

// byParent builds a loader over a call that answers per parent id.
func byParent[V any](wait time.Duration, find func(context.Context, []int64) (map[int64]V, error)) *loader[int64, V] {
	return newLoader(wait, func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		m, err := find(ctx, keys)
		if err != nil {
			return fail[V](len(keys), err)
		}
		out := make([]*dataloader.Result[V], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[V]{Data: m[k]}
		}
		return out
	})
}

// byPage builds a loader whose keys carry arguments: keys with the same
// arguments are answered by one call, so one query per distinct argument
// set per level, never one per parent.
func byPage[A any, V any](wait time.Duration, find func(context.Context, []int64, A) (map[int64]V, error)) *loader[pageKey, V] {
	return newLoader(wait, func(ctx context.Context, keys []pageKey) []*dataloader.Result[V] {
		groups := make(map[string][]int64)
		for _, k := range keys {
			groups[k.args] = append(groups[k.args], k.parent)
		}
		found := make(map[pageKey]V, len(keys))
		for args, parents := range groups {
			var a A
			if err := json.Unmarshal([]byte(args), &a); err != nil {
				return fail[V](len(keys), err)
			}
			m, err := find(ctx, parents, a)
			if err != nil {
				return fail[V](len(keys), err)
			}
			for p, v := range m {
				found[pageKey{p, args}] = v
			}
		}
		out := make([]*dataloader.Result[V], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[V]{Data: found[k]}
		}
		return out
	})
}

// scoped binds a person-level batch call to the caller's PeopleScope.
func scoped[V any](find func(context.Context, []int64, hub.PeopleScope) (V, error), scope hub.PeopleScope) func(context.Context, []int64) (V, error) {
	return func(ctx context.Context, ids []int64) (V, error) { return find(ctx, ids, scope) }
}

// withPrefetch wraps a FindXByIDs so its results prime the next level.
func withPrefetch[V any](r *Resolver, find func(context.Context, []int64) ([]V, error)) func(context.Context, []int64) ([]V, error) {
	return func(ctx context.Context, ids []int64) ([]V, error) {
		items, err := find(ctx, ids)
		r.prefetch(ctx, items)
		return items, err
	}
}

func flatten[V any](m map[int64][]V) []V {
	var out []V
	for _, vs := range m {
		out = append(out, vs...)
	}
	return out
}

func fail[V any](n int, err error) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], n)
	for i := range out {
		out[i] = &dataloader.Result[V]{Error: err}
	}
	return out
}

// WithLoaders returns middleware that gives each request its own loaders.
func WithLoaders(r *Resolver, wait time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := context.WithValue(req.Context(), loadersKey{}, newLoaders(r, wait, hub.PrincipalFrom(req.Context())))
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

func loadersFor(ctx context.Context) *loaders {
	l, ok := ctx.Value(loadersKey{}).(*loaders)
	if !ok {
		panic("graph: no loaders in context; wrap the handler with WithLoaders")
	}
	return l
}
