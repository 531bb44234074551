package graph

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	hub "github.com/birgemiz/hub"
)

// Node is any record with a global id; the generated code switches on the
// concrete hub type.
type Node any

// SearchNode is a search hit's record: a *hub.Project, *hub.Organization
// or *hub.UNPlacement.
type SearchNode any

// MarshalDate writes a calendar date as "2006-01-02".
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(time.DateOnly)))
	})
}

// UnmarshalDate reads "2006-01-02".
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, hub.Errorf(hub.EINVALID, "a Date is a string like 2023-06-01")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, hub.Errorf(hub.EINVALID, "%q is not a date like 2023-06-01", truncate(s, 40))
	}
	return t, nil
}

// MarshalDateTime writes an instant as RFC 3339 in UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalDateTime reads an RFC 3339 instant.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, hub.Errorf(hub.EINVALID, "a DateTime is a string like 2026-01-13T10:00:00Z")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, hub.Errorf(hub.EINVALID, "%q is not an RFC 3339 time like 2026-01-13T10:00:00Z", truncate(s, 40))
	}
	return t.UTC(), nil
}
