package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
)

// Config configures the workers.
type Config struct {
	Redis       asynq.RedisConnOpt
	Concurrency int           // handlers running at once; 0 means the number of CPUs
	ChunkSize   int           // records per batch transaction; 0 means DefaultChunkSize
	LostAfter   time.Duration // a batch without progress this long is re-enqueued; 0 means 1 minute
	// ReconcileEvery is the cron spec of the reconciler; "" means "@every 30s".
	ReconcileEvery  string
	ShutdownTimeout time.Duration // how long in-flight tasks get to finish; 0 means 30 s
	// PullClient fetches pulled sources; nil means NewPullClient().
	PullClient *http.Client
	// PullSyncEvery is how often the pull schedule is read from
	// PostgreSQL; 0 means DefaultPullSyncEvery.
	PullSyncEvery time.Duration
	// RetryDelay is the wait before a failed task runs again; 0 means
	// asynq's backoff (15 s to 45 s at first, growing with each retry).
	RetryDelay time.Duration
}

// Deps are the services the handlers use.
type Deps struct {
	Batches hub.BatchService
	Sources hub.SourceService
	Log     *slog.Logger
	Now     func() time.Time
	// Indexer, when set, makes this process consume the search queue: it
	// owns the search index (with the embedded engine, only one process may).
	Indexer *Indexer
	// Statistics, when set, makes this process rebuild the statistics
	// rollups after records change.
	Statistics hub.StatisticsService
	// Upkeep, when set, keeps the record tables' planner statistics fresh:
	// it runs after each finished batch and on the reconcile schedule
	// (postgres.DB.Upkeep).
	Upkeep func(ctx context.Context) error
}

// Workers is the asynq server and scheduler of one process.
type Workers struct {
	server    *asynq.Server
	scheduler *asynq.Scheduler
	mux       *asynq.ServeMux
	enqueuer  *Enqueuer
	Processor *BatchProcessor
	Puller    *Puller
	// pulls schedules source:pull per pulled source, read from PostgreSQL.
	pulls *asynq.PeriodicTaskManager
	log   *slog.Logger
	stats bool // the statistics are the workers' to keep
}

// New builds the workers and registers every handler.
func New(cfg Config, deps Deps) *Workers {
	if cfg.LostAfter == 0 {
		cfg.LostAfter = time.Minute
	}
	if cfg.ReconcileEvery == "" {
		cfg.ReconcileEvery = "@every 30s"
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.PullClient == nil {
		cfg.PullClient = NewPullClient()
	}
	if cfg.PullSyncEvery == 0 {
		cfg.PullSyncEvery = DefaultPullSyncEvery
	}
	log := deps.Log.With("component", "workers")
	w := &Workers{log: log, enqueuer: NewEnqueuer(cfg.Redis)}
	queues := map[string]int{QueueIngest: 3, "default": 1}
	if deps.Indexer != nil {
		queues[QueueSearch] = 3
	}
	var retryDelay asynq.RetryDelayFunc
	if cfg.RetryDelay > 0 {
		retryDelay = func(int, error, *asynq.Task) time.Duration { return cfg.RetryDelay }
	}
	w.server = asynq.NewServer(cfg.Redis, asynq.Config{
		Concurrency: cfg.Concurrency,
		Queues:      queues,
		// Check empty queues often: a change should be searchable within
		// two seconds, and asynq's default is to look once a second.
		TaskCheckInterval: 100 * time.Millisecond,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		RetryDelayFunc:    retryDelay,
		Logger:            slogAdapter{log},
		LogLevel:          asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			log.ErrorContext(ctx, "task failed", "type", t.Type(), "err", err)
		}),
	})
	w.scheduler = asynq.NewScheduler(cfg.Redis, &asynq.SchedulerOpts{Location: time.UTC, Logger: slogAdapter{log}, LogLevel: asynq.WarnLevel})
	w.Processor = &BatchProcessor{Batches: deps.Batches, Sources: deps.Sources, ChunkSize: cfg.ChunkSize, Log: log, Upkeep: deps.Upkeep,
		OnChange: func(ctx context.Context) {
			if err := w.enqueuer.EnqueueSearchSync(ctx); err != nil {
				// The scheduled sync picks the changes up; they are in the outbox.
				log.WarnContext(ctx, "could not enqueue a search sync", "err", err)
			}
			if deps.Statistics != nil {
				if err := w.enqueuer.EnqueueStatsRebuild(ctx); err != nil {
					// The scheduled check finds the statistics stale.
					log.WarnContext(ctx, "could not enqueue a statistics rebuild", "err", err)
				}
			}
		}}
	reconciler := &Reconciler{Batches: deps.Batches, Queue: w.enqueuer, After: cfg.LostAfter, Now: deps.Now, Log: log, Upkeep: deps.Upkeep}
	w.mux = asynq.NewServeMux()
	w.mux.Handle(TypeBatchProcess, w.Processor)
	w.mux.Handle(TypeBatchReconcile, reconciler)
	if _, err := w.scheduler.Register(cfg.ReconcileEvery, NewBatchReconcileTask(), asynq.Unique(20*time.Second)); err != nil {
		panic(fmt.Sprintf("workers: bad reconcile schedule %q: %v", cfg.ReconcileEvery, err))
	}
	if deps.Statistics != nil {
		w.stats = true
		w.mux.Handle(TypeStatsRebuild, &StatsRebuilder{Statistics: deps.Statistics, Log: log})
		task, _ := NewStatsRebuildTask()
		if _, err := w.scheduler.Register(StatsCheckEvery, task, asynq.Queue("default"), asynq.Unique(time.Hour)); err != nil {
			panic(fmt.Sprintf("workers: statistics schedule: %v", err))
		}
	}
	w.Puller = &Puller{Sources: deps.Sources, Batches: deps.Batches, Client: cfg.PullClient, Now: deps.Now, Log: log,
		Enqueue: func(ctx context.Context, id string) error { _, err := w.enqueuer.EnqueueBatch(ctx, id); return err }}
	w.mux.Handle(TypeSourcePull, w.Puller)
	pulls, err := asynq.NewPeriodicTaskManager(asynq.PeriodicTaskManagerOpts{
		PeriodicTaskConfigProvider: &pullSchedule{sources: deps.Sources, queue: w.enqueuer, now: deps.Now, log: log, warned: map[string]string{}},
		RedisConnOpt:               cfg.Redis,
		SyncInterval:               cfg.PullSyncEvery,
		SchedulerOpts: &asynq.SchedulerOpts{Location: time.UTC, Logger: slogAdapter{log}, LogLevel: asynq.WarnLevel,
			EnqueueErrorHandler: func(t *asynq.Task, _ []asynq.Option, err error) {
				if !errors.Is(err, asynq.ErrDuplicateTask) { // a pull of the source is in flight: as intended
					log.Warn("could not enqueue a scheduled task", "type", t.Type(), "err", err)
				}
			}},
	})
	if err != nil {
		panic(fmt.Sprintf("workers: pull schedule: %v", err))
	}
	w.pulls = pulls
	if deps.Indexer != nil {
		for _, typ := range []string{TypeSearchSync, TypeSearchReindex, TypeSearchCheck} {
			w.mux.Handle(typ, deps.Indexer)
		}
		// A safety net for syncs whose enqueue failed; the outbox keeps the changes.
		task, opts := NewSearchSyncTask()
		if _, err := w.scheduler.Register("@every 5s", task, append(opts, asynq.Unique(4*time.Second))...); err != nil {
			panic(fmt.Sprintf("workers: search sync schedule: %v", err))
		}
	}
	return w
}

// Start starts processing tasks and running the schedule.
func (w *Workers) Start() error {
	if err := w.server.Start(w.mux); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	if err := w.scheduler.Start(); err != nil {
		w.server.Shutdown()
		return fmt.Errorf("start scheduler: %w", err)
	}
	if err := w.pulls.Start(); err != nil {
		w.scheduler.Shutdown()
		w.server.Shutdown()
		w.pulls = nil
		return fmt.Errorf("start the pull schedule: %w", err)
	}
	if w.stats {
		// A hub without a build gets one now, while it is small (changes
		// are counted into a build as they apply; without one they wait
		// for a rebuild). The task does nothing when the build is fresh.
		if err := w.enqueuer.EnqueueStatsRebuild(context.Background()); err != nil {
			w.log.Warn("could not ask for a statistics check; the scheduled one runs within a minute", "err", err)
		}
	}
	return nil
}

// Shutdown stops taking tasks and waits for in-flight ones to finish (up
// to the shutdown timeout; a batch cut off then resumes at its last chunk).
func (w *Workers) Shutdown() {
	if w.pulls != nil {
		w.pulls.Shutdown()
		w.pulls = nil
	}
	w.scheduler.Shutdown()
	w.server.Shutdown()
	_ = w.enqueuer.Close()
}

// slogAdapter routes asynq's logs to slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a slogAdapter) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a slogAdapter) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a slogAdapter) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a slogAdapter) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }
