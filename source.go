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

	// Categories maps the source's own category words (normalized with
	// NormalizeCategoryWord) to direction codes; consulted before the
	// shipped vocabulary.
	Categories map[string]string
	// Pull is how the hub fetches the source, when it does.
	Pull *PullConfig
	// Status is the pull's and pushes' last outcome.
	Status SourceStatus
}

// PullConfig says where and how often the hub fetches a source.
type PullConfig struct {
	URL        string
	Format     FeedFormat
	RecordType RecordType // for CSV, the one record type of the file
	Schedule   string     // cron spec or "@every 1h"
	Mode       FeedMode
	Grace      time.Duration // snapshot only: how long a record may be missing before it is deleted
}

// SourceStatus is what operators see about a source's feeds.
type SourceStatus struct {
	LastSuccessAt *time.Time
	LastError     string
	LastErrorAt   *time.Time
	NextRunAt     *time.Time
	Cursor        string // the pull's incremental cursor, ETag or Last-Modified
}

// FeedMode says whether a feed changes only what it names (delta) or is
// the source's whole catalogue (snapshot).
type FeedMode string

// Feed modes.
const (
	ModeDelta    FeedMode = "delta"
	ModeSnapshot FeedMode = "snapshot"
)

// DefaultGrace is how long a snapshot source's record may be missing
// before the hub deletes it.
const DefaultGrace = 7 * 24 * time.Hour

// SourceCredentials are a source's bearer token and webhook signing
// secret. They are shown once, when created or rotated; the hub keeps the
// token hashed and the secret encrypted.
type SourceCredentials struct {
	Token  string // "hubsrc_…"; sent as Authorization: Bearer
	Secret string // "whsec_…"; signs pushes per the Standard Webhooks spec
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
	for word, code := range s.Categories {
		if !IsDirectionCode(code) {
			fe.Add("categories", "%q maps to %q, which is not a direction code", word, code)
		}
	}
	if p := s.Pull; p != nil {
		checkURL(&fe, "pull_url", p.URL)
		if p.URL == "" {
			fe.Add("pull_url", "is required for a pulled source")
		}
		if p.Format != FormatNDJSON && p.Format != FormatCSV && p.Format != FormatHSDS {
			fe.Add("format", "%q is not one of ndjson, csv, hsds", p.Format)
		}
		if p.Format == FormatCSV && !p.RecordType.Valid() {
			fe.Add("type", "a CSV feed holds one record type; name it (organization, project, …)")
		}
		if p.Mode != ModeDelta && p.Mode != ModeSnapshot {
			fe.Add("mode", "%q is not delta or snapshot", p.Mode)
		}
		if p.Grace < 0 {
			fe.Add("grace", "must not be negative")
		}
	}
	return fe.Err()
}

// SourceService manages sources. Errors: EINVALID, ECONFLICT for a taken
// name, ENOTFOUND for an unknown name, EUNAUTHORIZED for a bad token.
type SourceService interface {
	// CreateSource stores a new source and returns its credentials, which
	// are never shown again.
	CreateSource(ctx context.Context, s *Source) (*SourceCredentials, error)
	FindSourceByName(ctx context.Context, name string) (*Source, error)
	FindSources(ctx context.Context) ([]*Source, error)
	// RotateSourceCredentials issues a new token and secret; the old ones
	// stay valid for grace so the platform can switch without a gap.
	RotateSourceCredentials(ctx context.Context, name string, grace time.Duration) (*SourceCredentials, error)
	// AuthenticateSource returns the source a bearer token belongs to.
	AuthenticateSource(ctx context.Context, token string) (*Source, error)
	// SigningSecrets returns the secrets a push of the source may be signed
	// with: the current one and, during rotation, the previous one.
	SigningSecrets(ctx context.Context, sourceID int64) ([]string, error)
	// RecordSourceRun stores the outcome of a pull. On success (runErr "")
	// it sets the last success and, when cursor is not nil, the state the
	// next pull resumes from (SourceStatus.Cursor); on failure it records
	// the error and keeps the state. next is the schedule's next run.
	RecordSourceRun(ctx context.Context, sourceID int64, runErr string, cursor *string, next *time.Time) error
	// MarkPullDue makes the source's next pull due now, so the pull task
	// that follows runs whatever its schedule says (hub sources pull).
	MarkPullDue(ctx context.Context, sourceID int64) error
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
