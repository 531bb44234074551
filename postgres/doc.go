// Package postgres implements the hub's services on PostgreSQL with pgx: the
// schema as embedded, versioned migrations, the set-based application of
// feed batches, and the set-based reads the GraphQL layer batches into.
// It is the only package that holds SQL.
package postgres
