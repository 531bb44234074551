package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	hub "github.com/birgemiz/hub"
)

// Prefetching makes batching deterministic. gqlgen resolves the items of a
// list in goroutines and a dataloader batches the keys that arrive within
// its wait; on a busy machine some items start late and a level splits into
// several queries. So whoever learns a level's records first — a root
// connection resolver, or the batch function that loaded them — runs the
// batch of each loader of the next level that the query selects, once, for
// every key nobody asked for yet, before the items' resolvers start. Their
// Loads then get its answers (loader.Load). The batches of one level run at
// once, each in its own goroutine. Each key is still answered once per
// request, which matters most for personal parts, whose every read is
// logged. The wait remains only a fallback for paths not covered here.

// selected returns the fields the query selects below the current field,
// following path (e.g. "edges", "node"), one entry per alias.
func selected(ctx context.Context, path ...string) []graphql.CollectedField {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	fields := []graphql.CollectedField{fc.Field}
	for _, name := range append(path, "") {
		var next []graphql.CollectedField
		for _, f := range fields {
			for _, c := range graphql.CollectFields(oc, f.Selections, nil) {
				if name == "" || c.Name == name {
					next = append(next, c)
				}
			}
		}
		fields = next
	}
	return fields
}

// args decodes a selected field's arguments (defaults applied) into dst,
// reporting false when they cannot be read this way; the field then loads
// without prefetch.
func args(ctx context.Context, f graphql.CollectedField, dst any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	b, err := json.Marshal(f.ArgumentMap(graphql.GetOperationContext(ctx).Variables))
	return err == nil && json.Unmarshal(b, dst) == nil
}

type connArgs struct {
	Filter  *ProjectFilter `json:"filter"`
	OrderBy *ProjectOrder  `json:"orderBy"`
	First   *int           `json:"first"`
	After   *string        `json:"after"`
}

// prefetch primes the loaders for the fields selected on nodes, which the
// field of ctx returns (below path).
func (r *Resolver) prefetch(ctx context.Context, nodes any, path ...string) {
	l, ok := ctx.Value(loadersKey{}).(*loaders)
	if !ok {
		return
	}
	// Nothing the caller may not resolve is loaded ahead of its resolver.
	fields := slices.DeleteFunc(selected(ctx, path...), func(f graphql.CollectedField) bool { return !mayResolve(ctx, f) })
	if len(fields) == 0 {
		return
	}
	var jobs []func()
	defer func() { runAll(jobs) }()
	switch ns := nodes.(type) {
	case []*hub.Project:
		ids := idsOf(ns, func(p *hub.Project) int64 { return p.ID })
		for _, f := range fields {
			switch f.Name {
			case "organization":
				jobs = append(jobs, prime(ctx, f, l.organization, refsOf(ns, func(p *hub.Project) *int64 { return p.OrganizationID })))
			case "participations":
				jobs = append(jobs, prefetchParticipations(ctx, f, ids, l.participationsByProject, l.participationCountByProj)...)
			case "provenance":
				jobs = append(jobs, prime(ctx, f, l.provenance, recordKeys(hub.TypeProject, ids)))
			}
		}
	case []*hub.Organization:
		ids := idsOf(ns, func(o *hub.Organization) int64 { return o.ID })
		for _, f := range fields {
			switch f.Name {
			case "projects":
				var a connArgs
				if !args(ctx, f, &a) {
					continue
				}
				pf, err := projectFilter(a.Filter)
				if err != nil {
					continue
				}
				pa := projectArgs{Filter: pf, Order: projectOrder(a.OrderBy), Page: page(a.First, a.After, 10)}
				keys := make([]pageKey, len(ids))
				for i, id := range ids {
					keys[i] = pa.key(id)
				}
				jobs = append(jobs, prime(ctx, f, l.projectsByOrganization, keys))
				if hasField(ctx, f, "totalCount") {
					jobs = append(jobs, prime(ctx, f, l.projectCountByOrg, keys))
				}
			case "provenance":
				jobs = append(jobs, prime(ctx, f, l.provenance, recordKeys(hub.TypeOrganization, ids)))
			}
		}
	case []*hub.Volunteer:
		ids := idsOf(ns, func(v *hub.Volunteer) int64 { return v.ID })
		for _, f := range fields {
			switch f.Name {
			case "totalHours":
				jobs = append(jobs, prime(ctx, f, l.totalHours, ids))
			case "organizations":
				jobs = append(jobs, prime(ctx, f, l.organizationsByVolunteer, ids))
			case "unPlacements":
				jobs = append(jobs, prime(ctx, f, l.unPlacementsByVolunteer, ids))
			case "participations":
				jobs = append(jobs, prefetchParticipations(ctx, f, ids, l.participationsByVolunteer, l.participationCountByVol)...)
			case "provenance":
				jobs = append(jobs, prime(ctx, f, l.provenance, recordKeys(hub.TypeVolunteer, ids)))
			case "personal":
				// Every read of personal data is logged, so it is primed
				// only when nodes are exactly the volunteers that select f:
				// those of the root volunteers connection (path edges,
				// node). The volunteer loader's batch (no path) mixes every
				// field that loaded a volunteer under the first one's
				// selection; its personal fields load on their own,
				// batched by the loader's wait. And only for a caller the
				// field's @hasRole lets through.
				if len(path) > 0 {
					jobs = append(jobs, prime(ctx, f, l.personal, personalKeys(ids, personalFields(ctx, f.Selections))))
				}
			}
		}
	case []*hub.Participation:
		for _, f := range fields {
			switch f.Name {
			case "volunteer":
				jobs = append(jobs, prime(ctx, f, l.volunteer, refsOf(ns, func(p *hub.Participation) *int64 { return p.VolunteerID })))
			case "project":
				jobs = append(jobs, prime(ctx, f, l.project, refsOf(ns, func(p *hub.Participation) *int64 { return p.ProjectID })))
			case "provenance":
				jobs = append(jobs, prime(ctx, f, l.provenance, recordKeys(hub.TypeParticipation, idsOf(ns, func(p *hub.Participation) int64 { return p.ID }))))
			}
		}
	case []*hub.PersonalAccess:
		for _, f := range fields {
			if f.Name == "volunteer" {
				jobs = append(jobs, prime(ctx, f, l.volunteer, refsOf(ns, func(a *hub.PersonalAccess) *int64 { return &a.VolunteerID })))
			}
		}
	case []*hub.UNPlacement:
		for _, f := range fields {
			switch f.Name {
			case "volunteer":
				jobs = append(jobs, prime(ctx, f, l.volunteer, refsOf(ns, func(u *hub.UNPlacement) *int64 { return u.VolunteerID })))
			case "provenance":
				jobs = append(jobs, prime(ctx, f, l.provenance, recordKeys(hub.TypeUNPlacement, idsOf(ns, func(u *hub.UNPlacement) int64 { return u.ID }))))
			}
		}
	}
}

func prefetchParticipations(ctx context.Context, f graphql.CollectedField, ids []int64,
	pages *loader[pageKey, *hub.Connection[*hub.Participation]], counts *loader[int64, int]) []func() {
	var a connArgs
	if !args(ctx, f, &a) {
		return nil
	}
	b, _ := json.Marshal(page(a.First, a.After, 10))
	keys := make([]pageKey, len(ids))
	for i, id := range ids {
		keys[i] = pageKey{id, string(b)}
	}
	jobs := []func(){prime(ctx, f, pages, keys)}
	if hasField(ctx, f, "totalCount") {
		jobs = append(jobs, prime(ctx, f, counts, ids))
	}
	return jobs
}

// prime returns the job of answering keys that nobody asked for yet with
// one call of the loader's batch function; their Loads get its answers.
// The call carries the field f the keys are for, so the batch function
// prefetches the level below f. A batch that panics, or answers a number
// of results other than its keys', answers every key with an error.
func prime[K comparable, V any](ctx context.Context, f graphql.CollectedField, l *loader[K, V], keys []K) func() {
	return func() {
		keys, answers := l.claim(keys)
		if len(keys) == 0 {
			return
		}
		var results []*dataloader.Result[V]
		defer func() {
			err := error(nil)
			if p := recover(); p != nil {
				err = fmt.Errorf("internal error: loading %d records panicked: %v", len(keys), p)
			} else if len(results) != len(keys) {
				err = fmt.Errorf("internal error: a batch of %d keys answered %d results", len(keys), len(results))
			}
			for i, a := range answers {
				switch {
				case err != nil:
					a.err = err
				case results[i] == nil:
					a.err = fmt.Errorf("internal error: no result for a key of the batch")
				default:
					a.data, a.err = results[i].Data, results[i].Error
				}
				close(a.done)
			}
		}()
		results = l.batch(graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: f}), keys)
	}
}

// runAll runs jobs, at once when there are several, and returns when all
// are done. A job answers its keys even when it panics (prime).
func runAll(jobs []func()) {
	if len(jobs) == 1 {
		jobs[0]()
		return
	}
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Go(job)
	}
	wg.Wait()
}

// hasField reports whether f selects a direct child called name.
func hasField(ctx context.Context, f graphql.CollectedField, name string) bool {
	for _, c := range graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, nil) {
		if c.Name == name {
			return true
		}
	}
	return false
}

func idsOf[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// refsOf returns the distinct non-nil references of items.
func refsOf[T any](items []T, ref func(T) *int64) []int64 {
	seen := make(map[int64]bool, len(items))
	var out []int64
	for _, it := range items {
		if id := ref(it); id != nil && !seen[*id] {
			seen[*id] = true
			out = append(out, *id)
		}
	}
	return out
}

func recordKeys(t hub.RecordType, ids []int64) []recordKey {
	out := make([]recordKey, len(ids))
	for i, id := range ids {
		out[i] = recordKey{t, id}
	}
	return out
}

func nodesOf[T any](c *hub.Connection[T]) []T {
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

func nodesOfPages[T any](pages map[int64]*hub.Connection[T]) []T {
	var out []T
	for _, c := range pages {
		out = append(out, nodesOf(c)...)
	}
	return out
}
