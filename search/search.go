// Package search is the hub's full-text search: one Engine interface with
// an embedded engine (Bleve, index on local disk; the default) and a
// Meilisearch engine (when MEILI_URL is set), both fed the same documents
// and queried with the same terms from this package's text analysis, so
// they answer alike. Only projects, organizations and UN placements are
// indexed; nothing about volunteers ever is.
package search

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DocType is the kind of record a document stands for.
type DocType string

// Document types.
const (
	TypeProject      DocType = "project"
	TypeOrganization DocType = "organization"
	TypeUNPlacement  DocType = "un_placement"
)

// DocTypes lists every document type.
var DocTypes = [...]DocType{TypeProject, TypeOrganization, TypeUNPlacement}

// DocID is a document's id: its type and record id, e.g. "project:17".
func DocID(t DocType, recordID int64) string { return string(t) + ":" + itoa(recordID) }

// Document is what an engine indexes for one record. Titles are names and
// titles (they rank first); Body is everything else that is searchable.
type Document struct {
	ID             string
	Type           DocType
	RecordID       int64
	Titles         []string // names and titles in every language
	Body           []string // descriptions, tags, locality, host entity, …
	Region         string
	Directions     []string
	Status         string
	Year           int // the year the project or placement starts, or the organization was founded; 0 if unknown
	OrgKind        string
	OrganizationID int64
	Date           time.Time // for date order: start date, founding date or, failing those, when the hub first saw the record
	Version        string    // changes whenever the record does; the consistency check compares it
}

// Facet names a field results can be counted by and filtered on.
type Facet string

// Facets.
const (
	FacetRegion    Facet = "region"
	FacetDirection Facet = "direction"
	FacetStatus    Facet = "status"
	FacetYear      Facet = "year"
	FacetOrgKind   Facet = "org_kind"
	FacetType      Facet = "type"
)

// Facets lists every facet.
var Facets = [...]Facet{FacetRegion, FacetDirection, FacetStatus, FacetYear, FacetOrgKind, FacetType}

// Filter restricts results; values within a field are alternatives, fields combine.
type Filter struct {
	Regions         []string
	Directions      []string
	Statuses        []string
	Years           []int
	OrgKinds        []string
	OrganizationIDs []int64
}

// Query is one search.
type Query struct {
	Text       string // empty: every document the types and filter select
	Types      []DocType
	Filter     Filter
	Facets     []Facet
	SortByDate bool // newest first instead of by relevance
	Offset     int
	Limit      int
}

// MaxQueryLen bounds a query's length in characters.
const MaxQueryLen = 1000

// MaxOffset bounds how deep a client may page into results.
const MaxOffset = 10_000

// Result is one page of hits with the total and facet counts.
type Result struct {
	Total  int
	Hits   []Hit
	Facets []FacetCount
}

// Hit is one matching document.
type Hit struct {
	ID       string
	Type     DocType
	RecordID int64
	Score    float64
}

// FacetCount is the count of results per value of a facet.
type FacetCount struct {
	Facet  Facet
	Values []FacetValue
}

// FacetValue is one value of a facet and how many results have it.
type FacetValue struct {
	Value string
	Count int
}

// Engine is a search engine. Both implementations pass the same
// behavioural suite (suite_test.go).
// ChangeCounter is implemented by an engine whose index only this process
// writes (the embedded engine): Changes returns a count that grows once
// each write or rebuild is visible to searches, so an answer computed
// after reading n is at least as new as n. Meilisearch, whose index other
// processes write, has none.
type ChangeCounter interface {
	Changes() uint64
}

type Engine interface {
	// Name says which engine this is, for logs and /readyz.
	Name() string
	// Upsert adds or replaces documents.
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes documents by id; unknown ids are ignored.
	Delete(ctx context.Context, ids []string) error
	// Search runs a query; the query must have passed Validate.
	Search(ctx context.Context, q Query) (*Result, error)
	// Versions returns every indexed document's version, by id.
	Versions(ctx context.Context) (map[string]string, error)
	// Rebuild builds a new index from fill and swaps it in. Searches keep
	// answering from the old index until the swap; upserts and deletes
	// made meanwhile reach both.
	Rebuild(ctx context.Context, fill func(ctx context.Context, put func([]Document) error) error) error
	// Close releases the engine.
	Close() error
}

// ErrInvalidQuery marks a query the caller must fix.
var ErrInvalidQuery = errors.New("invalid search query")

// Validate checks a query's bounds and cleans its text of control
// characters. Errors wrap ErrInvalidQuery.
func (q *Query) Validate() error {
	if utf8.RuneCountInString(q.Text) > MaxQueryLen {
		return invalid("query is longer than %d characters", MaxQueryLen)
	}
	if !utf8.ValidString(q.Text) {
		return invalid("query is not valid UTF-8")
	}
	q.Text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, q.Text)
	if q.Limit < 0 || q.Limit > 100 {
		return invalid("first must be between 1 and 100")
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return invalid("results can be paged up to %d deep; narrow the query", MaxOffset)
	}
	for _, t := range q.Types {
		if !oneOf(t, DocTypes[:]) {
			return invalid("unknown type %q", t)
		}
	}
	for _, f := range q.Facets {
		if !oneOf(f, Facets[:]) {
			return invalid("unknown facet %q", f)
		}
	}
	return nil
}

type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() error { return ErrInvalidQuery }

func invalid(format string, args ...any) error {
	return &invalidError{msg: sprintf(format, args...)}
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// keywordFilter is one field a query's filter restricts, and the values
// it allows (any of them).
type keywordFilter struct {
	field  string
	values []string
}

// keywordFilters lists the fields q's filter restricts, in one order for
// every engine; a field the filter leaves open is not listed.
func keywordFilters(q Query) []keywordFilter {
	f := q.Filter
	var out []keywordFilter
	for _, k := range []keywordFilter{
		{fieldType, strs(q.Types)}, {fieldRegion, f.Regions}, {fieldDirections, f.Directions}, {fieldStatus, f.Statuses},
		{fieldYear, intStrs(f.Years)}, {fieldOrgKind, f.OrgKinds}, {fieldOrg, int64Strs(f.OrganizationIDs)},
	} {
		if len(k.values) > 0 {
			out = append(out, k)
		}
	}
	return out
}
