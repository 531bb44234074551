package postgres_test

import (
	"context"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// A drain loads the changed records on its own transaction: on a pool of
// one connection, which the drain holds, the loads still run (asking the
// pool for a second connection waited until the deadline).
func TestDrainLoadsOnItsTransaction(t *testing.T) {
	t.Parallel()
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.MaxConns = 1 })
	testutil.NewSeeder(t, db, "seed-portal").Apply(testutil.Org("o1", "Жасыл Ел", "KZ-11"),
		testutil.Project("p1", "o1", "Таза жағалау", "KZ-11"))
	outbox := postgres.NewSearchOutboxService(db)
	projects, orgs := postgres.NewProjectService(db), postgres.NewOrganizationService(db)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	loaded := 0
	n, err := outbox.DrainSearchOutbox(ctx, 100, func(ctx context.Context, changes []hub.SearchChange) error {
		for _, c := range changes {
			var err error
			switch c.Type {
			case hub.TypeProject:
				var ps []*hub.Project
				ps, err = projects.FindProjectsByIDs(ctx, []int64{c.ID})
				loaded += len(ps)
			case hub.TypeOrganization:
				var os []*hub.Organization
				os, err = orgs.FindOrganizationsByIDs(ctx, []int64{c.ID})
				loaded += len(os)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n == 0 || loaded != 2 {
		t.Fatalf("drain on a pool of one: %d changes, %d records loaded, %v", n, loaded, err)
	}
	if pending, err := outbox.PendingSearchChanges(context.Background()); err != nil || pending != 0 {
		t.Errorf("%d changes still queued, %v", pending, err)
	}
}
