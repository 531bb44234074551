// Package hub is the domain of Birgemiz Hub, the national federation hub for
// volunteer data in Kazakhstan: the record types the hub reconciles
// (organizations, projects, volunteers, participations, UN placements,
// indicators), the reference data they point to (regions, directions), the
// feed batches that bring them in, and the service interfaces the storage,
// transport and worker packages implement or call.
//
// It imports no database, GraphQL, queue or search library; those live in
// postgres/, graph/, workers/ and search/.
package hub
