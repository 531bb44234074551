package postgres_test

import (
	"context"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// TestDeletedRecordsStayQueryable: a deleted record leaves the default
// lists and stays findable, with its deletion time, when deleted records
// are asked for (the API lets only admins ask).
func TestDeletedRecordsStayQueryable(t *testing.T) {
	t.Parallel()
	db := testutil.NewDB(t)
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	seed.Apply(testutil.Org("o1", "Доброе сердце", "KZ-11"), testutil.Org("o2", "Jas Otan", "KZ-11"),
		testutil.Project("p1", "o1", "Таза әлем", "KZ-11"), testutil.Project("p2", "o1", "Жасыл ел", "KZ-11"))
	del := func(typ hub.RecordType, id string) *hub.FeedRecord {
		return &hub.FeedRecord{Type: typ, ExternalID: id, Op: hub.OpDelete, UpdatedAt: time.Date(2026, 1, 14, 10, 0, 0, 0, time.UTC)}
	}
	if c := seed.Apply(del(hub.TypeOrganization, "o2"), del(hub.TypeProject, "p2")); c.Deleted != 2 {
		t.Fatalf("counts %+v, want 2 deleted", c)
	}
	ctx := context.Background()
	orgs := postgres.NewOrganizationService(db)
	projects := postgres.NewProjectService(db)
	page := hub.Page{First: 10}
	for _, c := range []struct {
		d    hub.Deletion
		want []string
	}{
		{"", []string{"Доброе сердце"}},
		{hub.DeletionLive, []string{"Доброе сердце"}},
		{hub.DeletionDeleted, []string{"Jas Otan"}},
		{hub.DeletionAll, []string{"Доброе сердце", "Jas Otan"}},
	} {
		conn, err := orgs.FindOrganizations(ctx, hub.OrganizationFilter{Deletion: c.d}, hub.OrganizationOrder{}, page)
		if err != nil {
			t.Fatal(err)
		}
		total, err := orgs.CountOrganizations(ctx, hub.OrganizationFilter{Deletion: c.d})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range conn.Edges {
			o := e.Node
			got = append(got, o.Name.RU)
			if (o.DeletedAt != nil) != (o.Name.RU == "Jas Otan") {
				t.Errorf("%s deleted at %v", o.Name.RU, o.DeletedAt)
			}
		}
		if len(got) != len(c.want) || total != len(c.want) {
			t.Errorf("deletion %q: %v (total %d), want %v", c.d, got, total, c.want)
		}
	}
	conn, err := projects.FindProjects(ctx, hub.ProjectFilter{Deletion: hub.DeletionDeleted}, hub.ProjectOrder{}, page)
	if err != nil {
		t.Fatal(err)
	}
	if len(conn.Edges) != 1 || conn.Edges[0].Node.Title.KK != "Жасыл ел" || conn.Edges[0].Node.DeletedAt == nil {
		t.Fatalf("deleted projects: %+v", conn.Edges)
	}
}
