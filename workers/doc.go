// Package workers runs the hub's background work on asynq: processing feed
// batches chunk by chunk, and reconciling batches whose task was lost (a
// Redis flush or restart). One file per task family; New registers every
// handler on one ServeMux. Only this package runs the asynq server.
package workers
