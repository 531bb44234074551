package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
)

func TestIngestBatchOnlyForItsSource(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	sources := postgres.NewSourceService(e.db)
	owner, err := sources.CreateSource(ctx, &hub.Source{Name: "owner", Kind: hub.SourceRegionalPlatform})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sources.CreateSource(ctx, &hub.Source{Name: "other", Kind: hub.SourceRegionalPlatform})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := sources.FindSourceByName(ctx, "owner")
	batches := postgres.NewBatchService(e.db)
	b := &hub.Batch{SourceID: src.ID, Lines: 2}
	if err := batches.CreateBatch(ctx, b, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := batches.StartBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: 0, ToLine: 2,
		Errors: []hub.RecordError{{Line: 2, Field: "data.region", Message: `"KZ-99" is not a region`}}}); err != nil {
		t.Fatal(err)
	}
	q := `{ ingestBatch(id: "` + b.ID + `") { id source status mode records counts { failed } errors { line field message } } }`
	auth := func(token string) client.Option { return client.AddHeader("Authorization", "Bearer "+token) }

	var resp struct {
		IngestBatch struct {
			Source, Status string
			Counts         struct{ Failed int }
			Errors         []struct {
				Line           int
				Field, Message string
			}
		}
	}
	e.query(t, q, &resp, auth(owner.Token))
	if resp.IngestBatch.Source != "owner" || resp.IngestBatch.Status != "PROCESSING" || resp.IngestBatch.Counts.Failed != 1 ||
		len(resp.IngestBatch.Errors) != 1 || resp.IngestBatch.Errors[0].Field != "data.region" {
		t.Fatalf("owner: %+v", resp)
	}
	for name, tc := range map[string]struct {
		opts []client.Option
		code string
	}{
		"anonymous":    {nil, "UNAUTHENTICATED"},
		"other source": {[]client.Option{auth(other.Token)}, "NOT_FOUND"}, // as for a batch that does not exist
	} {
		raw, err := e.client.RawPost(q, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw.Errors), tc.code) || strings.Contains(fmt.Sprint(raw.Data), "owner") {
			t.Errorf("%s: %s %s", name, raw.Errors, raw.Data)
		}
	}
}
