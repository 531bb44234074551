// Package testutil gives tests their own real PostgreSQL database and Redis
// database: no mocks, no shared state between packages.
package testutil
