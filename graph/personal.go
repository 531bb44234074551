package graph

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"

	hub "github.com/birgemiz/hub"
)

// Fields restricted to a role say so in the schema, with @hasRole, and
// hasRole below is the one place GraphQL enforces it: no resolver checks a
// role itself. Prefetching (prefetch.go), which loads a field's data before
// its resolver runs, asks mayResolve, which reads the same directive.

// directives returns the implementations of the schema's directives.
func directives() DirectiveRoot {
	return DirectiveRoot{HasRole: hasRole, People: people, PeopleCount: peopleCount, PeopleHours: peopleHours}
}

// peopleCount implements @peopleCount: a count of people a record reports
// reaches everyone but admins only when it is 0 or at least 10.
func peopleCount(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	v, err := next(ctx)
	if n, ok := v.(*int); ok && err == nil && !hub.PrincipalFrom(ctx).IsAdmin() {
		return hub.PublishedCount(n), nil
	}
	return v, err
}

// peopleHours implements @peopleHours: the hours a project reports are
// null for everyone but admins when it reports 1 to 9 volunteers engaged.
func peopleHours(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	if p, ok := obj.(*hub.Project); ok && p.VolunteersEngaged != nil && hub.SmallGroup(*p.VolunteersEngaged) && !hub.PrincipalFrom(ctx).IsAdmin() {
		return nil, nil
	}
	return next(ctx)
}

// people implements @people: a field that lists people resolves only for a
// caller with a PeopleScope (an admin, or a platform, whose loaders then
// read its own records only). Anyone else gets FORBIDDEN (UNAUTHENTICATED
// without a key) for the field, which is null; the rest of the answer
// comes back.
func people(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if _, err := hub.PrincipalFrom(ctx).PeopleScope(); err != nil {
		return nil, err
	}
	return next(ctx)
}

// hasRole implements @hasRole(role:): the field resolves only for a caller
// whose key has the role (or is admin). Anyone else, anonymous callers
// included, gets FORBIDDEN for this field, which is null; the rest of the
// answer comes back.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, role hub.Role) (any, error) {
	if err := requireRole(ctx, role); err != nil {
		return nil, err
	}
	return next(ctx)
}

func requireRole(ctx context.Context, role hub.Role) error {
	p := hub.PrincipalFrom(ctx)
	if p.Require(role) == nil {
		return nil
	}
	what := "this field"
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		what = fc.Object + "." + fc.Field.Name
		// On an input field: the argument's path, e.g. filter.deletion.
		if pc := graphql.GetPathContext(ctx); pc != nil && pc.ParentField == fc {
			var names []string
			for it := pc; it != nil; it = it.Parent {
				if it.Field != nil {
					names = append([]string{*it.Field}, names...)
				}
			}
			what = "the argument " + strings.Join(names, ".") + " of " + what
		}
	}
	caller := "an anonymous caller"
	if !p.IsAnonymous() {
		caller = "the caller's role is " + string(p.Role)
	}
	return hub.Errorf(hub.EFORBIDDEN, "%s is for API keys with the role %s; %s", what, role, caller)
}

// mayResolve reports whether the caller passes the @people and @hasRole of
// the field f (true for a field without them), so that prefetching never
// loads, or logs a read of, what the field's resolver would refuse.
func mayResolve(ctx context.Context, f graphql.CollectedField) bool {
	if f.Definition == nil {
		return false
	}
	if f.Definition.Directives.ForName("people") != nil {
		if _, err := hub.PrincipalFrom(ctx).PeopleScope(); err != nil {
			return false
		}
	}
	d := f.Definition.Directives.ForName("hasRole")
	if d == nil {
		return true
	}
	arg := d.Arguments.ForName("role")
	if arg == nil || arg.Value == nil {
		return false
	}
	role, err := hub.ParseRole(arg.Value.Raw)
	return err == nil && requireRole(ctx, role) == nil
}

// personalFieldNames maps VolunteerPersonal's fields to the names the
// access log records.
var personalFieldNames = map[string]hub.PersonalField{
	"fullName":   hub.PersonalFullName,
	"phone":      hub.PersonalPhone,
	"email":      hub.PersonalEmail,
	"birthDate":  hub.PersonalBirthDate,
	"iin":        hub.PersonalIIN,
	"consentRef": hub.PersonalConsentRef,
	"consentAt":  hub.PersonalConsentAt,
}

// personalKey asks for one volunteer's personal part; fields are the
// fields the selection shows, comma-separated in schema order, so the
// access log names exactly those and equal selections share one load.
type personalKey struct {
	volunteer int64
	fields    string
}

// personalFields returns the personal fields a selection of
// VolunteerPersonal asks for (fragments and @skip/@include applied), in
// schema order, joined with commas.
func personalFields(ctx context.Context, sel ast.SelectionSet) string {
	if !graphql.HasOperationContext(ctx) {
		return ""
	}
	asked := make(map[hub.PersonalField]bool)
	for _, c := range graphql.CollectFields(graphql.GetOperationContext(ctx), sel, []string{"VolunteerPersonal"}) {
		if f, ok := personalFieldNames[c.Name]; ok {
			asked[f] = true
		}
	}
	var names []string
	for _, f := range hub.PersonalFields {
		if asked[f] {
			names = append(names, string(f))
		}
	}
	return strings.Join(names, ",")
}

func (k personalKey) read() hub.PersonalRead {
	r := hub.PersonalRead{VolunteerID: k.volunteer}
	if k.fields != "" {
		for _, f := range strings.Split(k.fields, ",") {
			r.Fields = append(r.Fields, hub.PersonalField(f))
		}
	}
	return r
}

func personalKeys(ids []int64, fields string) []personalKey {
	out := make([]personalKey, len(ids))
	for i, id := range ids {
		out[i] = personalKey{id, fields}
	}
	return out
}

// newPersonalLoader loads personal parts for the caller in the context of
// the batch: one statement per batch, which logs every read before it
// returns the data. It sets read first.
func newPersonalLoader(r *Resolver, wait time.Duration, read *atomic.Bool) *loader[personalKey, *hub.VolunteerPersonal] {
	return newLoader(wait, func(ctx context.Context, keys []personalKey) []*dataloader.Result[*hub.VolunteerPersonal] {
		read.Store(true)
		reads := make([]hub.PersonalRead, len(keys))
		for i, k := range keys {
			reads[i] = k.read()
		}
		m, err := r.PersonalService.ReadPersonal(ctx, hub.PrincipalFrom(ctx), reads)
		if err != nil {
			return fail[*hub.VolunteerPersonal](len(keys), err)
		}
		out := make([]*dataloader.Result[*hub.VolunteerPersonal], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[*hub.VolunteerPersonal]{Data: m[k.volunteer]}
		}
		return out
	})
}

// volunteerPersonal is the resolver of Volunteer.personal, which @hasRole
// guards: it loads the fields the query selects below it.
func (r *Resolver) volunteerPersonal(ctx context.Context, volunteerID int64) (*hub.VolunteerPersonal, error) {
	var fields string
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		fields = personalFields(ctx, fc.Field.Selections)
	}
	return loadersFor(ctx).personal.Load(ctx, personalKey{volunteerID, fields})()
}

// personalDataAccessLog is the resolver of Query.personalDataAccessLog,
// which @hasRole guards.
func (r *Resolver) personalDataAccessLog(ctx context.Context, volunteerID, keyName *string, from, to *time.Time,
	first *int, after *string) (*PersonalDataAccessConnection, error) {
	f := hub.PersonalAccessFilter{From: from, To: to}
	if keyName != nil {
		f.KeyName = *keyName
	}
	if volunteerID != nil {
		id, err := parseTypedID(*volunteerID, typeVolunteer)
		if err != nil {
			return nil, err
		}
		f.VolunteerID = &id
	}
	conn, err := r.PersonalService.FindPersonalAccesses(ctx, f, page(first, after, hub.DefaultPageSize))
	if err != nil {
		return nil, err
	}
	r.prefetch(ctx, nodesOf(conn), "edges", "node")
	return &PersonalDataAccessConnection{connection[*hub.PersonalAccess]{page: conn, count: func(ctx context.Context) (int, error) {
		return r.PersonalService.CountPersonalAccesses(ctx, f)
	}}}, nil
}
