package testutil

import (
	"testing"
	"time"

	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/search"
)

// Resolver returns the GraphQL root resolver over db's services, as cmd/hub
// wires it, with an embedded search engine in a temporary directory
// (closed when the test ends) and the clock now.
func Resolver(tb testing.TB, db *postgres.DB, now func() time.Time) (*graph.Resolver, *search.Bleve) {
	tb.Helper()
	engine, err := search.OpenBleve(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { engine.Close() })
	return &graph.Resolver{
		ReferenceService:     postgres.NewReferenceService(db),
		OrganizationService:  postgres.NewOrganizationService(db),
		ProjectService:       postgres.NewProjectService(db),
		VolunteerService:     postgres.NewVolunteerService(db),
		ParticipationService: postgres.NewParticipationService(db),
		UNPlacementService:   postgres.NewUNPlacementService(db),
		IndicatorService:     postgres.NewIndicatorService(db),
		StatisticsService:    postgres.NewStatisticsService(db),
		SourceService:        postgres.NewSourceService(db),
		ProvenanceService:    postgres.NewProvenanceService(db),
		SearchService:        engine,
		BatchService:         postgres.NewBatchService(db),
		PersonalService:      postgres.NewPersonalService(db),
		Now:                  now,
	}, engine
}
