// Package graph is the GraphQL transport of the hub: the gqlgen executable
// schema generated from schema.graphqls, thin resolvers that parse
// arguments and call the domain services, per-request dataloaders, global
// ids, and the error presenter. It holds no SQL and no business rules.
package graph
