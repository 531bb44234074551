package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// TestDeletedRecordsForAdmins: a deleted organization stays queryable by
// admins, with its deletion time; any other caller asking for deleted
// records gets FORBIDDEN.
func TestDeletedRecordsForAdmins(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed.Apply(testutil.Org("o1", "Доброе сердце", "KZ-11"), testutil.Org("o2", "Jas Otan", "KZ-11"))
	e.seed.Apply(&hub.FeedRecord{Type: hub.TypeOrganization, ExternalID: "o2", Op: hub.OpDelete,
		UpdatedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	ctx := context.Background()
	admin, err := postgres.NewKeyService(e.db).CreateKey(ctx, &hub.APIKey{Name: "ops", Role: hub.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := postgres.NewKeyService(e.db).CreateKey(ctx, &hub.APIKey{Name: "ministry", Role: hub.RoleDashboard})
	if err != nil {
		t.Fatal(err)
	}
	const q = `{ organizations(filter: {deletion: DELETED}) { totalCount edges { node { name deletedAt } } } }`
	var resp struct {
		Organizations struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Name      string
					DeletedAt *string
				}
			}
		}
	}
	e.query(t, q, &resp, client.AddHeader("Authorization", "Bearer "+admin))
	if resp.Organizations.TotalCount != 1 || resp.Organizations.Edges[0].Node.Name != "Jas Otan" || resp.Organizations.Edges[0].Node.DeletedAt == nil {
		t.Fatalf("admin's deleted organizations: %+v", resp.Organizations)
	}
	var live struct {
		Organizations struct{ TotalCount int }
	}
	e.query(t, `{ organizations { totalCount } }`, &live)
	if live.Organizations.TotalCount != 1 {
		t.Fatalf("live organizations: %d, want 1", live.Organizations.TotalCount)
	}
	for name, opts := range map[string][]client.Option{
		"anonymous": nil,
		"dashboard": {client.AddHeader("Authorization", "Bearer "+dashboard)},
	} {
		raw, err := e.client.RawPost(q, opts...)
		if err != nil {
			t.Fatal(err)
		}
		var errs []struct {
			Message    string
			Extensions struct{ Code string }
		}
		_ = json.Unmarshal(raw.Errors, &errs)
		if len(errs) == 0 || errs[0].Extensions.Code != "FORBIDDEN" || strings.Contains(string(raw.Errors), "Jas Otan") ||
			!strings.HasPrefix(errs[0].Message, "the argument filter.deletion of Query.organizations is for API keys with the role admin") {
			t.Errorf("%s asking for deleted records: %s", name, raw.Errors)
		}
	}
}
