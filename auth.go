package hub

import (
	"context"
	"strings"
)

// Role is what a caller may do. Roles come from API keys (researcher,
// dashboard, platform, admin) and from sources' tokens (platform); a caller
// without a credential is anonymous.
type Role string

// Roles.
const (
	RoleAnonymous  Role = "anonymous"  // no credential: public data, search, statistics
	RoleResearcher Role = "researcher" // statistics at any granularity, exports
	RoleDashboard  Role = "dashboard"  // national dashboards
	RolePlatform   Role = "platform"   // one source: pushes and reads its own batches and records
	RoleAdmin      Role = "admin"      // personal data, sources, keys; may do what any role may
)

// KeyRoles lists the roles an API key may carry; anonymous is the absence
// of a key.
var KeyRoles = [...]Role{RoleResearcher, RoleDashboard, RolePlatform, RoleAdmin}

// ParseRole returns the key role named s (case-insensitive), or EINVALID
// naming the valid ones.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !isOneOf(r, KeyRoles[:]) {
		return "", Errorf(EINVALID, "%q is not a role; use one of %s", s, joinRoles(KeyRoles[:]))
	}
	return r, nil
}

func joinRoles(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Principal is who is calling.
type Principal struct {
	Role   Role
	Source *Source // the source of a platform caller
	Key    string  // the name of the caller's API key; empty for anonymous and sources' tokens
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller of ctx; anonymous when none was set.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Principal{Role: RoleAnonymous}
}

// IsAnonymous reports whether p sent no credential.
func (p Principal) IsAnonymous() bool { return p.Role == "" || p.Role == RoleAnonymous }

// IsAdmin reports whether p holds an admin key.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// Require is the one place a role is checked: it returns nil when p has one
// of roles, or is admin, who may do what any role may. Otherwise it returns
// EUNAUTHORIZED for an anonymous caller (who should send a key) and
// EFORBIDDEN for a caller whose key has another role.
func (p Principal) Require(roles ...Role) error {
	if p.IsAdmin() || isOneOf(p.role(), roles) {
		return nil
	}
	need := joinRoles(roles)
	if len(roles) == 0 {
		need = string(RoleAdmin)
	} else if !isOneOf(RoleAdmin, roles) {
		need += " or " + string(RoleAdmin)
	}
	if p.IsAnonymous() {
		return Errorf(EUNAUTHORIZED, "this needs an API key with the role %s (Authorization: Bearer)", need)
	}
	return Errorf(EFORBIDDEN, "this needs the role %s; the caller's role is %s", need, p.Role)
}

// RequireSource returns nil when p may act for the source with id
// sourceID: that source's platform caller, or an admin. Otherwise
// EUNAUTHORIZED for an anonymous caller and EFORBIDDEN for anyone else.
func (p Principal) RequireSource(sourceID int64) error {
	if p.IsAdmin() || (p.Role == RolePlatform && p.Source != nil && p.Source.ID == sourceID) {
		return nil
	}
	if p.IsAnonymous() {
		return Errorf(EUNAUTHORIZED, "this needs the source's token or platform key (Authorization: Bearer)")
	}
	return Errorf(EFORBIDDEN, "this belongs to another source")
}

func (p Principal) role() Role {
	if p.Role == "" {
		return RoleAnonymous
	}
	return p.Role
}

// MayReadBatches reports whether p may read batches at all: a source's
// caller (its token or a platform key) or an admin. It is checked before a
// batch is looked up, so a caller who may read none is never told whether
// one exists.
func (p Principal) MayReadBatches() error {
	switch {
	case p.IsAdmin(), p.Role == RolePlatform && p.Source != nil:
		return nil
	case p.IsAnonymous():
		return Errorf(EUNAUTHORIZED, "reading a batch needs its source's token or a platform key bound to its source (Authorization: Bearer)")
	}
	return Errorf(EFORBIDDEN, "reading a batch needs its source's token, a platform key bound to its source, or an admin key; this is a %s key", p.Role)
}

// CanReadBatch reports whether p may read batch b: the source that sent it,
// or an admin. Another source's caller gets ENOTFOUND, as for a batch that
// does not exist.
func (p Principal) CanReadBatch(b *Batch) error {
	if err := p.MayReadBatches(); err != nil {
		return err
	}
	if p.RequireSource(b.SourceID) != nil {
		// As for a batch that does not exist: another source learns
		// nothing of this one's batches.
		return Errorf(ENOTFOUND, "no batch %s", b.ID)
	}
	return nil
}

// PeopleScope is which person-level records (volunteers, their
// participations and memberships, UN placements) a caller may read: every
// one (All), or those its source reported (SourceID). The zero value reads
// none, and services refuse it.
//
// Everyone else (anonymous callers, researchers, dashboards) reads none:
// the length of any list of people, or of a search over them, is a count
// of people, and counts of people are published through statistics only,
// where small cells are protected (disclosure.go). A platform's own records
// tell it nothing it did not send.
type PeopleScope struct {
	All      bool
	SourceID int64
}

// AllPeople reads every person-level record: admins, and the hub's own
// workers.
var AllPeople = PeopleScope{All: true}

// Check returns EFORBIDDEN for the zero scope, which reads nothing.
func (s PeopleScope) Check() error {
	if !s.All && s.SourceID == 0 {
		return Errorf(EFORBIDDEN, "records of people are for admin keys and for the platform that reported them")
	}
	return nil
}

// PeopleScope returns the person-level records p may read: every one for
// an admin, its source's for a platform caller. Anyone else gets
// EUNAUTHORIZED (anonymous) or EFORBIDDEN, saying where counts of people
// are published instead.
func (p Principal) PeopleScope() (PeopleScope, error) {
	switch {
	case p.IsAdmin():
		return AllPeople, nil
	case p.Role == RolePlatform && p.Source != nil:
		return PeopleScope{SourceID: p.Source.ID}, nil
	case p.IsAnonymous():
		return PeopleScope{}, Errorf(EUNAUTHORIZED, "records of people (volunteers, participations, UN placements) are for admin keys and for the platform that reported them; counts of people are in statistics")
	}
	return PeopleScope{}, Errorf(EFORBIDDEN, "records of people (volunteers, participations, UN placements) are for admin keys and for the platform that reported them, not %s keys; counts of people are in statistics", p.Role)
}

// OfPeople reports whether records of type t are about one person each:
// volunteers, participations and UN placements (see PeopleScope).
func (t RecordType) OfPeople() bool {
	return t == TypeVolunteer || t == TypeParticipation || t == TypeUNPlacement
}
