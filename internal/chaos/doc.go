// Package chaos proves, against the real services, that the feed pipeline
// loses nothing and doubles nothing when things fail under it: a worker
// killed with SIGKILL again and again mid-batch, Redis flushed or shut down
// without saving mid-batch, the worker's PostgreSQL connections terminated
// mid-transaction, the same batch pushed twice, batches received while Redis
// was down, and a table of malformed inputs through the whole pipeline.
//
// Each scenario compares the database afterwards, record for record, with
// the same feeds applied once, cleanly, into a fresh database (record ids
// differ between the two, so records are named by their provenance external
// ids), and checks that every batch is done and that its counts add up.
//
// The package holds tests only. They build the hub binary once, run
// `hub worker` and `hub ingest` as subprocesses, and start private
// redis-server processes on free ports (never the shared one), so
// redis-server must be on PATH. Knobs, for CI budgets and for soak runs:
//
//	HUB_CHAOS_RECORDS  records in the feed of the kill and terminate scenarios (default 10000)
//	HUB_CHAOS_KILLS    fewest SIGKILLs of the worker the kill scenario must land mid-batch (default 5)
//	HUB_CHAOS_TERMS    rounds of pg_terminate_backend the terminate scenario lands mid-batch (default 5, at most 15)
package chaos
