package workers

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"
)

// Enqueuer puts tasks on the queue. It is what the API and the CLI use;
// they never run handlers.
type Enqueuer struct{ client *asynq.Client }

// NewEnqueuer returns an Enqueuer on Redis.
func NewEnqueuer(redis asynq.RedisConnOpt) *Enqueuer {
	return &Enqueuer{client: asynq.NewClient(redis)}
}

// Close closes the Redis connection.
func (e *Enqueuer) Close() error { return e.client.Close() }

// Ping checks Redis answers; /readyz uses it.
func (e *Enqueuer) Ping() error { return e.client.Ping() }

// EnqueueBatch enqueues the processing of a stored batch. It reports false,
// and no error, when the batch's task is already queued or running.
func (e *Enqueuer) EnqueueBatch(ctx context.Context, batchID string) (bool, error) {
	task, opts := NewBatchProcessTask(batchID)
	_, err := e.client.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return false, nil
	}
	return err == nil, err
}
