package testutil

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
)

// Seeder writes records through the real batch apply path, quickly: no
// queue, no NDJSON. Tests of the read side use it to build datasets.
type Seeder struct {
	tb      testing.TB
	batches *postgres.BatchService
	Source  *hub.Source
	at      time.Time
}

// NewSeeder creates a source named name and returns a Seeder for it.
func NewSeeder(tb testing.TB, db *postgres.DB, name string) *Seeder {
	tb.Helper()
	src := &hub.Source{Name: name, Kind: hub.SourceRegionalPlatform}
	if _, err := postgres.NewSourceService(db).CreateSource(context.Background(), src); err != nil {
		tb.Fatal(err)
	}
	return &Seeder{tb: tb, batches: postgres.NewBatchService(db), Source: src, at: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC)}
}

// SeederFor returns a Seeder for the existing source src.
func SeederFor(tb testing.TB, db *postgres.DB, src *hub.Source) *Seeder {
	return &Seeder{tb: tb, batches: postgres.NewBatchService(db), Source: src, at: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC)}
}

// Apply applies records as one batch and returns its counts.
func (s *Seeder) Apply(recs ...*hub.FeedRecord) hub.BatchCounts {
	s.tb.Helper()
	ctx := context.Background()
	b := &hub.Batch{SourceID: s.Source.ID, Lines: len(recs)}
	if err := s.batches.CreateBatch(ctx, b, []byte("seed")); err != nil {
		s.tb.Fatal(err)
	}
	if _, err := s.batches.StartBatch(ctx, b.ID); err != nil {
		s.tb.Fatal(err)
	}
	for i, r := range recs {
		r.Line = i + 1
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = s.at
		}
		if r.Op == "" {
			r.Op = hub.OpUpsert
		}
		if r.Hash == nil {
			sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%v", r.Type, r.ExternalID, r.UpdatedAt))
			r.Hash = sum[:]
		}
	}
	counts, err := s.batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: 0, ToLine: len(recs), Records: recs})
	if err != nil {
		s.tb.Fatal(err)
	}
	if err := s.batches.FinishBatch(ctx, b.ID, hub.BatchDone, ""); err != nil {
		s.tb.Fatal(err)
	}
	return counts
}

// Org returns an organization record.
func Org(id, name, region string) *hub.FeedRecord {
	return &hub.FeedRecord{Type: hub.TypeOrganization, ExternalID: id, Organization: &hub.Organization{
		Name: hub.LocalizedText{RU: name}, Kind: hub.OrgNGO, RegionCode: region, Directions: []string{"ECOLOGY"}}}
}

// Project returns a project record of organization orgID.
func Project(id, orgID, title, region string) *hub.FeedRecord {
	return &hub.FeedRecord{Type: hub.TypeProject, ExternalID: id, OrganizationRef: orgID, Project: &hub.Project{
		Title: hub.LocalizedText{KK: title}, RegionCode: region, Status: hub.StatusActive,
		Directions: []string{"ECOLOGY", "EDUCATION"}}}
}

// Volunteer returns a volunteer record (public part only).
func Volunteer(id, region string, orgIDs ...string) *hub.FeedRecord {
	year := 1999
	return &hub.FeedRecord{Type: hub.TypeVolunteer, ExternalID: id, OrganizationRefs: orgIDs, Volunteer: &hub.Volunteer{
		RegionCode: region, Gender: hub.GenderFemale, BirthYear: &year, Status: hub.VolunteerActive, Directions: []string{"ECOLOGY"}}}
}

// Participation returns a participation record.
func Participation(id, volunteerID, projectID string, hours float64) *hub.FeedRecord {
	return &hub.FeedRecord{Type: hub.TypeParticipation, ExternalID: id, VolunteerRef: volunteerID, ProjectRef: projectID,
		Participation: &hub.Participation{Role: "volunteer", Hours: &hours}}
}
