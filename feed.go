package hub

import (
	"time"
)

// RecordType names a feed record type as it appears in the feed's "type".
type RecordType string

// Record types, in the order a batch applies them so that references within
// one batch resolve.
const (
	TypeOrganization  RecordType = "organization"
	TypeProject       RecordType = "project"
	TypeVolunteer     RecordType = "volunteer"
	TypeParticipation RecordType = "participation"
	TypeUNPlacement   RecordType = "un_placement"
	TypeIndicator     RecordType = "indicator"
)

// RecordTypes lists the record types in apply order.
var RecordTypes = [...]RecordType{TypeOrganization, TypeProject, TypeVolunteer, TypeParticipation, TypeUNPlacement, TypeIndicator}

// Valid reports whether t is a known record type.
func (t RecordType) Valid() bool { return isOneOf(t, RecordTypes[:]) }

// FeedOp is what a feed line does to its record.
type FeedOp string

// Feed operations.
const (
	OpUpsert FeedOp = "upsert"
	OpDelete FeedOp = "delete"
)

// FeedRecord is one validated feed line, ready to apply. Exactly one of the
// typed fields is set for an upsert; none for a delete. References to other
// records are the source's external ids; the store resolves them.
type FeedRecord struct {
	Line       int
	Type       RecordType
	ExternalID string
	Op         FeedOp
	UpdatedAt  time.Time
	Hash       []byte // SHA-256 of the normalized record, to skip unchanged content

	Organization  *Organization
	Project       *Project
	Volunteer     *Volunteer
	Participation *Participation
	UNPlacement   *UNPlacement
	Indicator     *Indicator

	OrganizationRef  string   // project → organization
	OrganizationRefs []string // volunteer → organizations
	VolunteerRef     string   // participation, un_placement → volunteer
	ProjectRef       string   // participation → project

	Personal *VolunteerPersonal // volunteer's personal part, only with consent
}

// RecordError is a per-record problem in a batch: which line, which field,
// and what is wrong. Field is "" when the whole line is unusable.
type RecordError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// MaxExternalIDLen bounds a source's record id.
const MaxExternalIDLen = 200
