package hub

import (
	"context"
	"regexp"
	"time"
)

// Source is a supplier of feeds: a national or regional platform, an
// organization, the UN Volunteers programme, or a publication the hub
// transcribes figures from.
type Source struct {
	ID          int64
	Name        string // stable slug used in URLs and provenance, e.g. "akmola-portal"
	Kind        SourceKind
	RegionCode  string // for a regional platform
	Description string
	CreatedAt   time.Time
}

// SourceKind says what kind of supplier a source is.
type SourceKind string

// Source kinds.
const (
	SourceNationalPlatform SourceKind = "NATIONAL_PLATFORM"
	SourceRegionalPlatform SourceKind = "REGIONAL_PLATFORM"
	SourceOrganization     SourceKind = "ORGANIZATION"
	SourceUNProgramme      SourceKind = "UN_PROGRAMME"
	SourcePublication      SourceKind = "PUBLICATION"
	SourceSynthetic        SourceKind = "SYNTHETIC"
	SourceOther            SourceKind = "OTHER"
)

// SourceKinds lists every kind.
var SourceKinds = [...]SourceKind{SourceNationalPlatform, SourceRegionalPlatform, SourceOrganization, SourceUNProgramme, SourcePublication, SourceSynthetic, SourceOther}

var sourceNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// Validate checks a new source.
func (s *Source) Validate() error {
	var fe FieldErrors
	if !sourceNameRe.MatchString(s.Name) {
		fe.Add("name", "must be 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if !isOneOf(s.Kind, SourceKinds[:]) {
		fe.Add("kind", "%q is not a source kind", s.Kind)
	}
	checkRegion(&fe, "region", s.RegionCode, false)
	checkText(&fe, "description", s.Description, MaxNameLen)
	return fe.Err()
}

// SourceService manages sources. Errors: EINVALID, ECONFLICT for a taken
// name, ENOTFOUND for an unknown name.
type SourceService interface {
	CreateSource(ctx context.Context, s *Source) error
	FindSourceByName(ctx context.Context, name string) (*Source, error)
	FindSources(ctx context.Context) ([]*Source, error)
}

// Provenance says which source reported a record, under which id, and when
// the hub first and last saw it.
type Provenance struct {
	RecordType RecordType
	RecordID   int64
	Source     string
	ExternalID string
	FirstSeen  time.Time
	LastSeen   time.Time
	UpdatedAt  time.Time // the record's updated_at as the source gave it
}

// ProvenanceService reads provenance in sets.
type ProvenanceService interface {
	// FindProvenance returns, per record id of type t, every source that reported it.
	FindProvenance(ctx context.Context, t RecordType, ids []int64) (map[int64][]*Provenance, error)
}
