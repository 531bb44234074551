package hub

import "time"

// Pagination limits, per SPEC: pages of at most 100.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Page asks for the first First items after the opaque cursor After.
type Page struct {
	First int
	After string
}

// Validate checks the page size bounds.
func (p Page) Validate() error {
	if p.First < 1 || p.First > MaxPageSize {
		return Errorf(EINVALID, "first must be between 1 and %d, got %d", MaxPageSize, p.First)
	}
	return nil
}

// Edge is one item of a page with the cursor that points at it.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Connection is one page of a list. HasPreviousPage is true when the page
// starts after a cursor.
type Connection[T any] struct {
	Edges           []Edge[T]
	HasNextPage     bool
	HasPreviousPage bool
}

// DateRange is an inclusive range of dates; a nil bound is open.
type DateRange struct {
	From *time.Time
	To   *time.Time
}

// IsZero reports whether neither bound is set.
func (r DateRange) IsZero() bool { return r.From == nil && r.To == nil }

// Validate rejects an inverted range.
func (r DateRange) Validate(field string) error {
	if r.From != nil && r.To != nil && r.To.Before(*r.From) {
		return Errorf(EINVALID, "%s: from (%s) is after to (%s)", field, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly))
	}
	return nil
}
