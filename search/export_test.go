package search

// Test-only access to the Meilisearch engine's pure functions, for the
// tests in package search_test (meili_test.go), which also run the shared
// behavioural suite.
var (
	MeiliSettings      = meiliSettings
	MeiliFilter        = meiliFilter
	MeiliDocument      = meiliDocument
	MeiliID            = meiliID
	DocIDFromMeili     = docIDFromMeili
	MeiliPage          = meiliPage
	MeiliSearchRequest = meiliSearchRequest
	FacetFields        = facetFields
)

// Meilisearch's primary key and the limits the settings are checked against.
const (
	MeiliPrimaryKey   = meiliPrimaryKey
	MeiliMaxTotalHits = meiliMaxTotalHits
)
