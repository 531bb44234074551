package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/exports"
	"github.com/birgemiz/hub/feedapi"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/workers"
)

// routes builds the HTTP handler: GraphQL, the explorer, health, metrics.
func (m *Main) routes() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&queueCollector{m: m})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hub_http_request_duration_seconds",
		Help:    "HTTP request latency by handler, method and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"handler", "method", "code"})
	reg.MustRegister(duration)
	instrument := func(name string, h http.Handler) http.Handler {
		return promhttp.InstrumentHandlerDuration(duration.MustCurryWith(prometheus.Labels{"handler": name}), h)
	}

	auth := &hub.Authenticator{Keys: m.Services.Keys, Sources: m.Services.Sources}
	opts := m.graphOptions()
	limiter := opts.RateLimiter
	gql := graph.WithPrincipal(auth, limiter, m.Log, graph.NewHandler(m.resolver(), m.Log, opts))
	mux := http.NewServeMux()
	feeds := &feedapi.Handler{Sources: m.Services.Sources, Keys: m.Services.Keys, Batches: m.Services.Batches, Log: m.Log, Limiter: limiter,
		Enqueue: func(ctx context.Context, id string) error { _, err := m.Queue.EnqueueBatch(ctx, id); return err }}
	feedMux := http.NewServeMux()
	feeds.Register(feedMux)
	mux.Handle("/v1/sources/", instrument("feeds", feedMux))
	mux.Handle("/v1/batches/", instrument("feeds", feedMux))
	ex := &exports.Handler{Statistics: m.Services.Statistics, Volunteers: m.Services.Volunteers, Log: m.Log}
	// Exports count against the caller's rate limit like a GraphQL request.
	ex.Register(mux, func(h http.Handler) http.Handler {
		return instrument("exports", graph.WithPrincipalFor(auth, limiter, m.Log, exports.WriteError,
			graph.RateLimited(limiter, exports.WriteError, h)))
	})
	mux.Handle("POST /graphql", instrument("graphql", gql))
	mux.Handle("GET /graphql", instrument("graphql", gql))
	mux.Handle("GET /{$}", graph.NewExplorer("/graphql"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", m.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return logRequests(m.Log, mux)
}

// readyz answers 200 when the database (with a current schema) and Redis
// answer, else 503 naming what is not ready.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	if err := m.DB.Ping(ctx); err != nil {
		checks["postgres"] = "unreachable"
	} else if cur, latest, err := m.DB.SchemaVersion(ctx); err != nil || cur < latest {
		checks["postgres"] = "schema not migrated"
	} else {
		checks["postgres"] = "ok"
	}
	if err := m.Queue.Ping(); err != nil {
		checks["redis"] = "unreachable"
	} else {
		checks["redis"] = "ok"
	}
	code := http.StatusOK
	for _, v := range checks {
		if v != "ok" {
			code = http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, checks)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// logRequests logs each request's method, path, status and duration. It
// never logs bodies or query strings: they may carry data about people.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := slog.LevelDebug
		if rec.code >= 500 {
			level = slog.LevelError
		}
		log.Log(r.Context(), level, "http request", "method", r.Method, "path", r.URL.Path, "status", rec.code,
			"duration_ms", time.Since(start).Milliseconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// queueCollector reports batches by status and the ingest queue's task
// counts at scrape time, so operators see a stuck pipeline.
type queueCollector struct{ m *Main }

var (
	batchesDesc = prometheus.NewDesc("hub_batches", "Feed batches by status.", []string{"status"}, nil)
	tasksDesc   = prometheus.NewDesc("hub_queue_tasks", "Tasks in the ingest queue by state.", []string{"state"}, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- batchesDesc; ch <- tasksDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if counts, err := c.m.Services.Batches.CountBatchesByStatus(ctx); err == nil {
		for st, n := range counts {
			ch <- prometheus.MustNewConstMetric(batchesDesc, prometheus.GaugeValue, float64(n), string(st))
		}
	}
	insp := asynq.NewInspector(c.m.redisOpt())
	defer insp.Close()
	if q, err := insp.GetQueueInfo(workers.QueueIngest); err == nil {
		for state, n := range map[string]int{"pending": q.Pending, "active": q.Active, "scheduled": q.Scheduled,
			"retry": q.Retry, "archived": q.Archived} {
			ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(n), state)
		}
	}
}
