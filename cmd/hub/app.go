package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // profiles on HUB_DEBUG_ADDR only
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/search"
	"github.com/birgemiz/hub/secretbox"
	"github.com/birgemiz/hub/workers"
)

// Main wires the hub together: configuration, database, queue, services,
// HTTP server and workers. It holds no global state, so tests run whole
// hubs side by side on port 0.
type Main struct {
	Config Config
	Log    *slog.Logger
	Stdout io.Writer
	Stderr io.Writer

	DB       *postgres.DB
	Queue    *workers.Enqueuer
	Workers  *workers.Workers
	Services Services
	Search   search.Engine // nil until openSearch
	// apiRedis serves the API's rate limits and persisted queries.
	apiRedis io.Closer

	listener net.Listener
	server   *http.Server
}

// Services are the domain services on PostgreSQL.
type Services struct {
	Batches        *postgres.BatchService
	Sources        *postgres.SourceService
	Keys           *postgres.KeyService
	References     *postgres.ReferenceService
	Organizations  *postgres.OrganizationService
	Projects       *postgres.ProjectService
	Volunteers     *postgres.VolunteerService
	Participations *postgres.ParticipationService
	UNPlacements   *postgres.UNPlacementService
	Indicators     *postgres.IndicatorService
	Statistics     *postgres.StatisticsService
	Provenance     *postgres.ProvenanceService
	SearchOutbox   *postgres.SearchOutboxService
	Personal       *postgres.PersonalService
}

// NewMain returns an unopened Main.
func NewMain(cfg Config, log *slog.Logger, stdout, stderr io.Writer) *Main {
	return &Main{Config: cfg, Log: log, Stdout: stdout, Stderr: stderr}
}

func (m *Main) redisOpt() asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: m.Config.RedisAddr, DB: m.Config.RedisDB, Password: m.Config.RedisPass}
}

// openDB creates the database if it is missing, connects, and migrates:
// the schema is always current when the hub runs.
func (m *Main) openDB(ctx context.Context) error {
	if m.DB != nil {
		return nil
	}
	if err := postgres.EnsureDatabase(ctx, m.Config.DatabaseURL); err != nil {
		return err
	}
	keys, created, err := secretbox.LoadOrCreate(m.Config.SecretKeys, filepath.Join(m.Config.DataDir, "secret.keys"))
	if err != nil {
		return fmt.Errorf("HUB_SECRET_KEYS: %w", err)
	}
	if created {
		m.Log.Warn("created a key for sealing secrets; set HUB_SECRET_KEYS in production and keep it safe",
			"file", filepath.Join(m.Config.DataDir, "secret.keys"))
	}
	db := postgres.NewDB(m.Config.DatabaseURL)
	db.Keys = keys
	if err := db.Open(ctx); err != nil {
		return err
	}
	m.DB = db
	if err := db.Migrate(ctx, m.Log); err != nil {
		return err
	}
	m.Services = Services{
		Batches:        postgres.NewBatchService(db),
		Sources:        postgres.NewSourceService(db),
		Keys:           postgres.NewKeyService(db),
		References:     postgres.NewReferenceService(db),
		Organizations:  postgres.NewOrganizationService(db),
		Projects:       postgres.NewProjectService(db),
		Volunteers:     postgres.NewVolunteerService(db),
		Participations: postgres.NewParticipationService(db),
		UNPlacements:   postgres.NewUNPlacementService(db),
		Indicators:     postgres.NewIndicatorService(db),
		Statistics:     postgres.NewStatisticsService(db),
		Provenance:     postgres.NewProvenanceService(db),
		SearchOutbox:   postgres.NewSearchOutboxService(db),
		Personal:       postgres.NewPersonalService(db),
	}
	return nil
}

// openQueue connects to Redis, with an error that says what to fix.
func (m *Main) openQueue() error {
	if m.Queue != nil {
		return nil
	}
	q := workers.NewEnqueuer(m.redisOpt())
	if err := q.Ping(); err != nil {
		_ = q.Close()
		return fmt.Errorf("cannot reach Redis at %s (REDIS_ADDR, REDIS_DB %d); start it (e.g. `redis-server --daemonize yes`) or set REDIS_ADDR: %w",
			m.Config.RedisAddr, m.Config.RedisDB, err)
	}
	m.Queue = q
	return nil
}

// open opens everything a command that touches data needs, and checks
// that the keyring opens the database's secrets.
func (m *Main) open(ctx context.Context) error {
	if err := m.openDB(ctx); err != nil {
		return err
	}
	if err := m.checkKeys(ctx); err != nil {
		return err
	}
	return m.openQueue()
}

// checkKeys fails when the keyring is not the one that sealed the
// database's secrets (a new HUB_DATA_DIR made a new secret.keys, or
// HUB_SECRET_KEYS lost a key), saying where the keyring came from.
func (m *Main) checkKeys(ctx context.Context) error {
	err := m.DB.CheckKeys(ctx)
	if err == nil {
		return nil
	}
	from := "HUB_SECRET_KEYS"
	if m.Config.SecretKeys == "" {
		from = "the key file " + filepath.Join(m.Config.DataDir, "secret.keys") + " (HUB_SECRET_KEYS is empty)"
	}
	return wrongKeyring{fmt.Errorf("the keyring from %s cannot open the secrets in the database: %w\n"+
		"start the hub with the keyring that sealed them: the same HUB_SECRET_KEYS, or the same HUB_DATA_DIR, as before. "+
		"`hub personal status` lists the key ids the database needs", from, err)}
}

// wrongKeyring is checkKeys' error, which commands may add advice to.
type wrongKeyring struct{ error }

func (e wrongKeyring) Unwrap() error { return e.error }

// embeddedSearch reports whether search runs on the embedded engine.
func (m *Main) embeddedSearch() bool { return m.Config.MeiliURL == "" }

// openSearch opens the search engine: Meilisearch when MEILI_URL is set,
// else the embedded index under HUB_DATA_DIR, which only one process may
// hold open.
func (m *Main) openSearch(ctx context.Context) error {
	if m.Search != nil {
		return nil
	}
	if m.embeddedSearch() {
		e, err := search.OpenBleve(filepath.Join(m.Config.DataDir, "search"))
		if err != nil {
			return err
		}
		m.Search = e
		return nil
	}
	e, err := search.OpenMeili(ctx, m.Config.MeiliURL, m.Config.MeiliKey, "hub")
	if err != nil {
		return err
	}
	m.Search = e
	return nil
}

// indexer keeps the open search engine in step with PostgreSQL.
func (m *Main) indexer() *workers.Indexer {
	s := m.Services
	return &workers.Indexer{Engine: m.Search, Outbox: s.SearchOutbox, Projects: s.Projects,
		Organizations: s.Organizations, UNPlacements: s.UNPlacements, Log: m.Log.With("component", "search")}
}

// startWorkers starts the asynq workers in this process. With an open
// search engine they also own its index and consume the search queue.
func (m *Main) startWorkers() error {
	if m.Workers != nil {
		return nil // started already: a second server would outlive Close
	}
	deps := workers.Deps{Batches: m.Services.Batches, Sources: m.Services.Sources, Log: m.Log, Now: m.DB.Now, Statistics: m.Services.Statistics,
		Upkeep: m.upkeep}
	if m.Search != nil {
		deps.Indexer = m.indexer()
	}
	m.Workers = workers.New(workers.Config{
		Redis:           m.redisOpt(),
		Concurrency:     m.Config.WorkerConcurrency,
		ShutdownTimeout: m.Config.ShutdownTimeout,
		ChunkSize:       m.Config.ChunkSize,
		LostAfter:       m.Config.LostAfter,
		ReconcileEvery:  "@every " + m.Config.ReconcileEvery.String(),
		RetryDelay:      m.Config.RetryDelay,
	}, deps)
	return m.Workers.Start()
}

// resolver is the GraphQL root resolver over the services.
func (m *Main) resolver() *graph.Resolver {
	s := m.Services
	return &graph.Resolver{
		ReferenceService: s.References, OrganizationService: s.Organizations, ProjectService: s.Projects,
		VolunteerService: s.Volunteers, ParticipationService: s.Participations, UNPlacementService: s.UNPlacements,
		IndicatorService: s.Indicators, StatisticsService: s.Statistics, SourceService: s.Sources, ProvenanceService: s.Provenance, Now: m.DB.Now,
		SearchService: m.Search, BatchService: s.Batches, PersonalService: s.Personal,
	}
}

// listen opens the HTTP listener; the address may have port 0.
func (m *Main) listen() error {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (HUB_ADDR): %w", m.Config.Addr, err)
	}
	m.listener = ln
	m.server = &http.Server{
		Handler:           m.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	return nil
}

// URL is the base URL the server listens on.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// serveDebug serves pprof on HUB_DEBUG_ADDR, when set, until the function
// it returns is called.
func (m *Main) serveDebug() (stop func()) {
	if m.Config.DebugAddr == "" {
		return func() {}
	}
	// pprof's handlers live on http.DefaultServeMux (net/http/pprof); the
	// API's mux does not serve them.
	dbg := &http.Server{Addr: m.Config.DebugAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := dbg.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Warn("pprof server stopped", "addr", m.Config.DebugAddr, "err", err)
		}
	}()
	m.Log.Info("serving pprof", "url", "http://"+m.Config.DebugAddr+"/debug/pprof/")
	return func() { dbg.Close() }
}

// serveHTTP serves until ctx is done, then shuts down gracefully: in-flight
// requests finish, then the workers finish their in-flight tasks.
func (m *Main) serveHTTP(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.listener) }()
	defer m.serveDebug()()
	m.Log.Info("serving", "url", m.URL(), "graphql", m.URL()+"/graphql", "explorer", m.URL()+"/")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.Log.Info("shutting down", "timeout", m.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.Config.ShutdownTimeout)
	defer cancel()
	err := m.server.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases everything Main opened, workers first so their
// in-flight tasks can still reach the database.
func (m *Main) Close() {
	if m.Workers != nil {
		m.Workers.Shutdown()
		m.Workers = nil
	}
	if m.Search != nil {
		_ = m.Search.Close()
		m.Search = nil
	}
	if m.Queue != nil {
		_ = m.Queue.Close()
		m.Queue = nil
	}
	if m.apiRedis != nil {
		_ = m.apiRedis.Close()
		m.apiRedis = nil
	}
	if m.DB != nil {
		m.DB.Close()
		m.DB = nil
	}
}

// submitBatch stores a feed body as a batch of source and enqueues it. The
// batch is durable before the queue hears of it; if Redis is down it is
// still stored, and the reconciler enqueues it later.
func (m *Main) submitBatch(ctx context.Context, src *hub.Source, filename string, body []byte, lines int) (*hub.Batch, error) {
	b := &hub.Batch{SourceID: src.ID, Source: src.Name, Format: hub.FormatNDJSON, Filename: filename, Lines: lines}
	if err := m.Services.Batches.CreateBatch(ctx, b, body); err != nil {
		return nil, err
	}
	if m.Queue == nil {
		return b, nil // Redis was unreachable; the reconciler enqueues it
	}
	if _, err := m.Queue.EnqueueBatch(ctx, b.ID); err != nil {
		m.Log.Warn("batch stored but not enqueued; the reconciler will enqueue it", "batch", b.ID, "err", err)
	}
	return b, nil
}

// upkeep analyzes (and where due vacuums) the record tables a load changed
// a large share of, and logs what it did (postgres.DB.Upkeep).
func (m *Main) upkeep(ctx context.Context) error {
	done, err := m.DB.Upkeep(ctx)
	for _, t := range done {
		m.Log.InfoContext(ctx, "table upkeep", "component", "workers", "table", t.Table, "vacuumed", t.Vacuumed, "took", t.Took)
	}
	return err
}
