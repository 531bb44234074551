package workers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
)

// TypeStatsRebuild is the task that rebuilds the statistics rollups when
// records changed since the current build.
const TypeStatsRebuild = "stats:rebuild"

// Timing of statistics rebuilds.
const (
	// StatsDebounce is how long a rebuild waits after the change that asked
	// for it, so that the chunks and batches of a burst share one rebuild.
	StatsDebounce = 5 * time.Second
	// StatsCheckEvery is how often the workers look for statistics older
	// than the records, catching changes made while a rebuild ran.
	StatsCheckEvery = "@every 1m"
)

// NewStatsRebuildTask returns the rebuild task. asynq.Unique lets one wait
// at a time: the changes of a burst share it.
func NewStatsRebuildTask() (*asynq.Task, []asynq.Option) {
	return asynq.NewTask(TypeStatsRebuild, nil), []asynq.Option{asynq.Queue("default"), asynq.MaxRetry(5),
		asynq.Timeout(2 * time.Hour), asynq.Unique(time.Hour), asynq.ProcessIn(StatsDebounce)}
}

// StatsRebuilder handles stats:rebuild.
type StatsRebuilder struct {
	Statistics hub.StatisticsService
	Log        *slog.Logger
}

// ProcessTask implements asynq.Handler: it rebuilds when the records
// changed since the current build (or there is none), and does nothing
// otherwise.
func (r *StatsRebuilder) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	stale, err := r.Statistics.StatisticsStale(ctx)
	if err != nil {
		return err
	}
	if !stale {
		return nil
	}
	b, err := r.Statistics.RebuildStatistics(ctx)
	if err != nil {
		return fmt.Errorf("rebuild statistics: %w", err)
	}
	r.Log.InfoContext(ctx, "statistics rebuilt", "as_of", b.AsOf, "cells", b.Cells, "suppressed", b.Suppressed, "took", b.Took.Round(time.Millisecond))
	return nil
}

// EnqueueStatsRebuild asks for a rebuild StatsDebounce from now; a
// rebuild already waiting covers this change too.
func (e *Enqueuer) EnqueueStatsRebuild(ctx context.Context) error {
	task, opts := NewStatsRebuildTask()
	_, err := e.client.EnqueueContext(ctx, task, opts...)
	if isDuplicate(err) {
		return nil
	}
	return err
}
