package graph

import (
	"time"

	hub "github.com/birgemiz/hub"
)

// Resolver is the root resolver: the services the GraphQL API reads from,
// injected by cmd/hub. Per-request state (dataloaders) lives in the context.
type Resolver struct {
	ReferenceService     hub.ReferenceService
	OrganizationService  hub.OrganizationService
	ProjectService       hub.ProjectService
	VolunteerService     hub.VolunteerService
	ParticipationService hub.ParticipationService
	UNPlacementService   hub.UNPlacementService
	IndicatorService     hub.IndicatorService
	StatisticsService    hub.StatisticsService
	SourceService        hub.SourceService
	ProvenanceService    hub.ProvenanceService
	SearchService        Searcher
	BatchService         hub.BatchService
	PersonalService      hub.PersonalService

	// Now is the clock age bands are computed against.
	Now func() time.Time
}
