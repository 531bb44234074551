package graph

import (
	"context"

	hub "github.com/birgemiz/hub"
)

// ingestBatch returns a batch to the source that sent it.
func (r *Resolver) ingestBatch(ctx context.Context, id string) (*hub.Batch, error) {
	if err := hub.PrincipalFrom(ctx).MayReadBatches(); err != nil {
		return nil, err
	}
	b, err := r.BatchService.FindBatchByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := hub.PrincipalFrom(ctx).CanReadBatch(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (r *Resolver) batchErrors(ctx context.Context, b *hub.Batch, first *int) ([]*hub.RecordError, error) {
	n := 100
	if first != nil {
		n = *first
	}
	if n < 0 || n > 1000 {
		return nil, hub.Errorf(hub.EINVALID, "errors(first:) must be between 0 and 1000")
	}
	errs, err := r.BatchService.FindBatchErrors(ctx, b.ID, n)
	out := make([]*hub.RecordError, len(errs))
	for i := range errs {
		out[i] = &errs[i]
	}
	return out, err
}
