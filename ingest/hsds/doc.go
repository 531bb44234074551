// Package hsds reads the Open Referral Human Services Data Specification
// (HSDS) 3 tabular data package, so that a platform that already exports
// HSDS can feed the hub without writing NDJSON. HSDS organizations become
// hub organizations and HSDS services become hub projects; a service's
// location and address give the project's region, locality and
// coordinates.
//
// # The format followed
//
// The package is a Frictionless tabular data package: datapackage.json,
// whose "resources" name each table ("name") and its CSV file ("path"), and
// one CSV file per table with a header row. The tables and columns read
// are those of the HSDS 3 schema files in github.com/openreferral/specification:
// datapackage.json (version 3.0.0), schema/organization.json,
// schema/organization_identifier.json, schema/service.json,
// schema/service_at_location.json, schema/location.json,
// schema/address.json, schema/attribute.json, schema/taxonomy_term.json and
// schema/metadata.json, with examples/csv/*.csv for the files as exported.
// A table is found by its resource name in datapackage.json, else by the
// HSDS file name ("organizations.csv"; the singular "organization.csv" and
// HSDS 2 names such as service_attributes.csv are tried too). Tables the
// descriptor lists but the package does not ship are empty: exporters
// commonly ship the whole HSDS descriptor with only the tables they fill.
// A resource's dialect may set the CSV delimiter; CSV files are UTF-8.
//
// ReadZip takes the package as a .zip (datapackage.json at its root or one
// folder down). Decode turns a package into records.
//
// # Ids and dates
//
// HSDS ids (UUIDs) are the records' external ids: organization.id for an
// organization, service.id for a project, service.organization_id for the
// project's organization. HSDS has no updated_at per row, so a record's
// updated_at is, in order:
//
//   - for a project, the service's last_modified (HSDS 3.1), which HSDS
//     defines as covering the service's related rows too;
//   - when the metadata table has a last_action_date for the record's own
//     row (metadata.resource_id), the latest last_action_date among that
//     row and the rows the record is built from (service_at_location,
//     location, address, attribute and taxonomy_term rows;
//     organization_identifier rows for an organization);
//   - else Options.UpdatedAt, the batch's received time.
//
// With the received time, each batch is newer than the last, and a record
// whose content did not change counts as unchanged. With metadata dates, a
// change to a row that has no metadata of its own (a location edited
// without a metadata row) is not seen until the record's own date moves:
// a platform that keeps metadata should keep it for every table. A bare
// last_action_date is midnight UTC, so two changes on one day share it
// and the second is ignored, as for a feed.
//
// # Organizations
//
//	organization.name          → name, in the language its script shows (below)
//	organization.legal_status  → kind: a word or stem of NGO, non-profit, НКО, общественное … → NGO;
//	                             foundation, фонд, қор → PUBLIC_FOUNDATION; government, state,
//	                             государственный, мемлекеттік, акимат → STATE_BODY; university,
//	                             университет, вуз → UNIVERSITY; initiative, инициативная → INITIATIVE_GROUP
//	                             (checked in the order UNIVERSITY, STATE_BODY, PUBLIC_FOUNDATION,
//	                             INITIATIVE_GROUP, NGO); anything else, or nothing, → OTHER
//	organization.website       → website (url in HSDS 2)
//	organization.email         → contact_email
//	organization_identifier    → bin, from a row whose identifier_scheme or identifier_type says
//	                             BIN (БИН, БСН, "KZ-BIN"); it must then be 12 digits
//	organization.tax_id        → bin when it is 12 digits (spaces and hyphens between groups
//	                             allowed); another tax id is not a BIN and is left out
//	organization.year_incorporated → founded, 1 January of the year
//	attribute (link_entity organization) → directions, as for services
//
// organization.description has no place in a hub organization and is
// dropped, and so are alternate_name, logo, uri and parent_organization_id.
// Organizations get no region: HSDS ties locations to an organization only
// for maintenance (location.organization_id), not as its seat.
//
// # Projects
//
//	service.name         → title, in the language its script shows
//	service.description  → description, likewise (detected on its own)
//	service.organization_id → organization_id
//	service.status       → status: active → ACTIVE; inactive → COMPLETED (it no longer runs, and
//	                       nothing says it will again); defunct → CANCELLED (discontinued for good;
//	                       the hub does not claim it ran its course); temporarily closed → PLANNED
//	                       (not running now, expected to run again). The hub cannot guess a
//	                       status, so an empty or other value rejects the service
//	address.city / state_province / region → region, see below
//	address.city         → locality
//	location.latitude, location.longitude → lat, lon
//	attribute / service_attribute → taxonomy_term → directions, see below
//
// service.url and service.email are not read, nor are the service's other
// columns (fees, eligibility, schedules, …), which the hub has no place for.
//
// The place is read from the service's first location, in
// service_at_location.csv order, that has an address (a physical address
// before a postal one): locations that are missing or have no address (a
// virtual location) are passed over. The region is the city of republican
// significance the address's city names (Astana, Almaty, Shymkent, also
// as "г. Алматы", "Алматы қаласы", "Almaty city", or the former names
// Nur-Sultan, Alma-Ata), else the region its state_province names, else
// the one its region column names. Names match the kk, ru and en names of
// hub.Regions() and common Latin spellings ("Akmola", "Aqmola",
// "Akmolinskaya"), ignoring case, Kazakh letters against their Russian
// neighbours (Ақмола = Акмола), and the words for "region" (область, обл.,
// облысы, Region, oblast, oblysy, Province) and "city" (г., город, қаласы,
// city), which only say which kind of unit is meant: "Almaty Region" and
// "Алматинская область" are KZ-19, "Almaty city" and "г. Алматы" KZ-75, and
// a bare "Almaty" in state_province, which could be either, is reported.
// A service without a region is rejected, with the error on the row and
// column to fix and the value found.
//
// # Directions
//
// The taxonomy terms attached to a service (attribute rows with
// link_entity "service", or HSDS 2 service_attribute rows) are mapped to
// directions: the term's name, then its code, through Options.Categories,
// then hub.DirectionForWord; a term that matches neither is matched by its
// parent terms (parent_id), nearest first. The hub's rule for feeds is
// that an unknown word rejects the record. Here a term that gives no
// direction is reported (on the attribute row, naming the term) and the
// project still applies without that direction. This deviates on purpose:
// HSDS taxonomies are wide, and a service typically carries eligibility,
// audience or accessibility terms beside its category; rejecting every
// such service would drop most of a catalogue.
//
// # Errors
//
// Decode validates and hashes records exactly as a feed's lines are: it
// writes each organization and service as a canonical NDJSON line and
// reads the lines back with ingest.NewDecoder. A record error's Line is
// the 1-based data row (the header row is not counted, so in a spreadsheet
// it is row Line+1) of the CSV its Field names: "services.csv:status",
// "addresses.csv:state_province", or "services.csv" for the whole row.
// Errors found in an HSDS column are reported on that column, including the
// ingest decoder's (a title over 500 characters is "services.csv:name").
// An error on a row other than the record's own (a location, an address)
// names the service it rejects.
//
// An error rejects the organization or service it is about, except for
// three kinds that are reported and reject nothing: a taxonomy term that
// gives no direction (above); a row of any table whose number of fields
// differs from the header's, which is skipped (its values would land under
// the wrong columns); and a problem in a table that only informs records
// (a metadata row with an unreadable date, which is ignored; a repeated
// location or taxonomy term id, of which the first row is read). A
// repeated organization or service id rejects the later row.
//
// The package as a whole is rejected, with a *hub.Error of code EINVALID
// and no record errors, when it cannot be read at all: no datapackage.json
// or one that is not JSON, a CSV file that is not UTF-8 or not valid CSV
// (an unclosed quote shifts every row after it), a table without a column
// HSDS requires of every row (organizations.csv without id or name,
// services.csv without id, name or status, …), or neither organizations
// nor services.
package hsds
