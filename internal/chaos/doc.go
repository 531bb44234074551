// Package chaos proves, against the real services, that the feed pipeline
// loses nothing and doubles nothing when things fail under it:
//
//   - TestWorkerKilledMidBatch: `hub worker` killed with SIGKILL again and
//     again mid-batch, restarted each time; the reconciler rescues the task
//     the dead worker left active.
//   - TestPostgresConnectionsTerminated: the worker's PostgreSQL connections
//     terminated again and again mid-transaction; the cut chunk rolls back
//     and the retry resumes at the last committed one.
//   - TestRedisFlushedMidBatch: Redis emptied with FLUSHALL after three
//     batches are queued and before any worker runs, then again and again
//     while the worker applies the large one; the reconciler enqueues every
//     batch whose task vanished, the running one carries on.
//   - TestRedisRestartedEmptyMidBatch: Redis stopped with SHUTDOWN NOSAVE
//     while the worker applies a batch with others queued behind it, twice,
//     and started again, empty, on the same port; the same worker process
//     reconnects and its reconciler enqueues the batches whose tasks were lost.
//   - TestSameBatchPushedTwice: one feed pushed over HTTP (bearer token,
//     Standard Webhooks signature) several times at once with one
//     webhook-id, and again once done: one batch, the original receipt with
//     Idempotent-Replayed; the same body under a new webhook-id: a second
//     batch whose records all count as unchanged.
//   - TestBatchesReceivedWhileRedisDown: three feeds pushed while Redis is
//     down are stored and stay received; once Redis and a worker start, the
//     reconciler enqueues them all.
//
// Each scenario compares the database afterwards, record for record, with
// the same feeds applied once, cleanly, into a fresh database (record ids
// differ between the two, so records are named by their provenance external
// ids), and checks that every batch is done and that its counts (and its
// record errors) equal the clean run's.
//
// The package holds tests only. They build the hub binary once, run
// `hub worker` and `hub ingest` as subprocesses, serve the push API
// (feedapi) in process on httptest, and start private redis-server
// processes on free ports (never the shared one), so redis-server must be
// on PATH. Knobs, for CI budgets and for soak runs:
//
//	HUB_CHAOS_RECORDS  records in the large feed of every scenario (default 10000); the Redis
//	                   scenarios add two feeds of 30 % of that, the push scenario pushes a clean feed of 50 %
//	HUB_CHAOS_KILLS    fewest SIGKILLs of the worker the kill scenario must land mid-batch (default 5)
//	HUB_CHAOS_TERMS    rounds of pg_terminate_backend the terminate scenario lands mid-batch (default 5, at most 15)
//	HUB_CHAOS_FLUSHES  FLUSHALLs the flush scenario must land while the large batch applies (default 8)
package chaos
