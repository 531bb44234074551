package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
)

// Enqueuer puts tasks on the queue. It is what the API and the CLI use;
// they never run handlers.
type Enqueuer struct {
	client    *asynq.Client
	inspector *asynq.Inspector
}

// NewEnqueuer returns an Enqueuer on Redis.
func NewEnqueuer(redis asynq.RedisConnOpt) *Enqueuer {
	return &Enqueuer{client: asynq.NewClient(redis), inspector: asynq.NewInspector(redis)}
}

// Close closes the Redis connection.
func (e *Enqueuer) Close() error { return errors.Join(e.client.Close(), e.inspector.Close()) }

// Ping checks Redis answers; /readyz uses it.
func (e *Enqueuer) Ping() error { return e.client.Ping() }

// EnqueueBatch enqueues the processing of a stored batch. It reports false,
// and no error, when the batch's task is already queued or running.
func (e *Enqueuer) EnqueueBatch(ctx context.Context, batchID string) (bool, error) {
	task, opts := NewBatchProcessTask(batchID)
	_, err := e.client.EnqueueContext(ctx, task, opts...)
	if isDuplicate(err) {
		return false, nil
	}
	return err == nil, err
}

// isDuplicate reports whether an enqueue was refused because the task (or
// a unique copy of it) already exists.
func isDuplicate(err error) bool {
	return errors.Is(err, asynq.ErrDuplicateTask) || errors.Is(err, asynq.ErrTaskIDConflict)
}

// RescueBatch makes sure a lost batch has a task that will run, and
// reports whether it enqueued one. When the batch has no task (it was
// never enqueued, or Redis lost it), it enqueues it. When its task is
// left active by a worker that died (SIGKILL, OOM, a lost machine), it
// enqueues a copy named after attempt, the batch's attempts so far, so
// that one attempt gets one copy: asynq itself re-runs such a task only
// after its lease and a further 30 s have passed, and then after a retry
// backoff that grows with every crash. When its task was archived or
// completed while the batch is unfinished, it enqueues such a copy too. A
// task that is pending, waiting to retry, or held by a live worker is left
// alone. Chunk progress makes a
// copy that meets the original harmless: only one applies each chunk.
func (e *Enqueuer) RescueBatch(ctx context.Context, batchID string, attempt int) (bool, error) {
	if enqueued, err := e.EnqueueBatch(ctx, batchID); enqueued || err != nil {
		return enqueued, err
	}
	task, opts := NewBatchProcessTask(batchID)
	id := "batch:" + batchID
	info, err := e.inspector.GetTaskInfo(QueueIngest, id)
	if errors.Is(err, asynq.ErrTaskNotFound) {
		return false, nil // it just finished; the next round looks again
	} else if err != nil {
		return false, err
	}
	switch info.State {
	case asynq.TaskStateArchived, asynq.TaskStateCompleted:
		// Its task ended but the batch did not: a worker archived it
		// (another deployment sharing this Redis database with another
		// PostgreSQL finds no such batch), or it ended without finishing
		// the batch. Left so, the batch would wait forever.
		return e.enqueueCopy(ctx, task, opts, id, attempt)
	case asynq.TaskStateActive:
	default:
		return false, nil // pending, scheduled or waiting to retry: it will run
	}
	servers, err := e.inspector.Servers()
	if err != nil {
		return false, err
	}
	for _, s := range servers {
		for _, w := range s.ActiveWorkers {
			if w.TaskID == id {
				return false, nil // a live worker holds it
			}
		}
	}
	return e.enqueueCopy(ctx, task, opts, id, attempt)
}

// enqueueCopy enqueues a copy of a batch's task named after the attempt,
// unless that copy exists already.
func (e *Enqueuer) enqueueCopy(ctx context.Context, task *asynq.Task, opts []asynq.Option, id string, attempt int) (bool, error) {
	_, err := e.client.EnqueueContext(ctx, task, append(opts, asynq.TaskID(fmt.Sprintf("%s:attempt-%d", id, attempt)))...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, nil
	}
	return err == nil, err
}

// EnqueueSearchSync asks the index owner to drain the search outbox.
func (e *Enqueuer) EnqueueSearchSync(ctx context.Context) error {
	task, opts := NewSearchSyncTask()
	_, err := e.client.EnqueueContext(ctx, task, opts...)
	return err
}

// EnqueueSearchReindex asks the index owner to rebuild the index; it
// returns the task id to follow.
func (e *Enqueuer) EnqueueSearchReindex(ctx context.Context) (string, error) {
	task, opts := NewSearchReindexTask()
	info, err := e.client.EnqueueContext(ctx, task, opts...)
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

// EnqueueSearchCheck asks the index owner to compare the index with
// PostgreSQL (and repair it); it returns the task id to follow.
func (e *Enqueuer) EnqueueSearchCheck(ctx context.Context, repair bool) (string, error) {
	task, opts := NewSearchCheckTask(repair)
	info, err := e.client.EnqueueContext(ctx, task, opts...)
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

// TaskOutcome reports a task's state: done with its result, failed with
// its last error, or neither yet.
func (e *Enqueuer) TaskOutcome(queue, id string) (done bool, result []byte, err error) {
	info, ierr := e.inspector.GetTaskInfo(queue, id)
	if ierr != nil {
		return false, nil, ierr
	}
	switch info.State {
	case asynq.TaskStateCompleted:
		return true, info.Result, nil
	case asynq.TaskStateArchived:
		return true, nil, errors.New(info.LastErr)
	}
	return false, nil, nil
}
