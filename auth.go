package hub

import "context"

// Role is what a caller may do. Roles come from API keys (admin,
// researcher, dashboard) and from sources' tokens (platform); a caller
// without a credential is anonymous.
type Role string

// Roles.
const (
	RoleAnonymous Role = "anonymous"
	RolePlatform  Role = "platform" // a source: pushes and reads its own batches and records
)

// Principal is who is calling.
type Principal struct {
	Role   Role
	Source *Source // for RolePlatform
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

// CanReadBatch reports whether p may read batch b: the source that sent it.
func (p Principal) CanReadBatch(b *Batch) error {
	switch {
	case p.Role == RoleAnonymous:
		return Errorf(EUNAUTHORIZED, "reading a batch needs its source's token (Authorization: Bearer)")
	case p.Role == RolePlatform && p.Source != nil && p.Source.ID == b.SourceID:
		return nil
	}
	return Errorf(EFORBIDDEN, "batch %s belongs to another source", b.ID)
}
