package hsds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// Options says how to read one package.
type Options struct {
	// UpdatedAt is the updated_at of records whose HSDS rows carry no date:
	// the time the batch was received. HSDS has no updated_at per row; a
	// service's last_modified (HSDS 3.1) or the metadata table's
	// last_action_date is used where present (see the package doc).
	UpdatedAt time.Time
	// Categories maps the source's own taxonomy words to direction codes,
	// as ingest.Options.Categories does for a feed: it is consulted before
	// the hub's vocabulary (hub.DirectionForWord), and keys match as
	// category words do (hub.NormalizeCategoryWord). A term mapped to
	// something other than a direction code is reported, not guessed.
	Categories map[string]string
}

// Decode converts the package to hub records. It returns records in apply
// order (organizations, then projects, each in the order of their CSV) and
// per-record errors whose Line is the 1-based data row (the header is not
// counted) of the CSV named in Field's prefix, as in "services.csv:name" or
// "addresses.csv:state_province", so that an operator finds the row. A Field
// without a column ("services.csv") is about the whole row.
//
// Records are built as canonical NDJSON lines and read back with
// ingest.NewDecoder, so they are validated and hashed exactly as a feed's
// lines are. A record with an error is left out, except for the errors on
// taxonomy terms that give no direction (see the package doc). err is a
// *hub.Error with code EINVALID when the package as a whole cannot be read:
// no datapackage.json, a file that is not UTF-8 CSV, a table without a
// column HSDS requires, or neither organizations nor services. A zero or
// out-of-range Options.UpdatedAt is the caller's error, not the package's.
func Decode(p Package, opts Options) (records []*hub.FeedRecord, errs []hub.RecordError, err error) {
	res, err := DecodePackage(p, opts)
	if err != nil {
		return nil, nil, err
	}
	return res.Records, res.Errors, nil
}

// Decoded is a package converted to records.
type Decoded struct {
	Records []*hub.FeedRecord
	// Errors are every error Decode returns: those that reject a record
	// and those that only inform (see the package doc).
	Errors []hub.RecordError
	// Rejected is how many organizations and services an error kept out.
	// Errors' lines are rows of different CSV files, so they cannot be
	// matched to records to count failures: this is the count.
	Rejected int
}

// DecodePackage is Decode, with the number of records rejected.
func DecodePackage(p Package, opts Options) (*Decoded, error) {
	if opts.UpdatedAt.IsZero() {
		return nil, errors.New("hsds: Options.UpdatedAt is required")
	}
	if !inRange(opts.UpdatedAt) {
		return nil, fmt.Errorf("hsds: Options.UpdatedAt %s is out of range", opts.UpdatedAt.Format(time.RFC3339))
	}
	d := &decoder{opts: opts, cats: categories(opts.Categories)}
	ts, err := openTables(p)
	if err != nil {
		return nil, err
	}
	for _, r := range []struct {
		t   **table
		res resource
	}{
		{&d.orgs, resOrganization}, {&d.orgIdents, resOrgIdent}, {&d.svcs, resService},
		{&d.sals, resServiceAtLoc}, {&d.locs, resLocation}, {&d.addrs, resAddress},
		{&d.attrs, resAttribute}, {&d.svcAttrs, resServiceAttr}, {&d.terms, resTaxonomyTerm},
		{&d.meta, resMetadata},
	} {
		if *r.t, err = ts.read(r.res); err != nil {
			return nil, err
		}
	}
	if d.orgs == nil && d.svcs == nil {
		return nil, notPackage("it has neither %s nor %s", resOrganization.paths[0], resService.paths[0])
	}
	d.index()
	for i := range d.orgs.len() {
		d.organization(i)
	}
	for i := range d.svcs.len() {
		d.service(i)
	}
	return d.run()
}

// decoder holds one package's tables and indexes while it is converted.
type decoder struct {
	opts Options
	cats map[string]string // normalized category word → direction code

	orgs, orgIdents, svcs, sals, locs, addrs, attrs, svcAttrs, terms, meta *table

	errs      []hub.RecordError         // errors on rows of the tables that only inform records
	metaDate  map[string]time.Time      // resource id → its latest last_action_date
	locByID   map[string]int            // location id → row
	addrByLoc map[string]int            // location id → the row of its address
	salBySvc  map[string][]int          // service id → service_at_location rows, in file order
	termByID  map[string]int            // taxonomy term id → row
	links     map[string][]link         // service or organization id → its taxonomy terms
	identsOf  map[string][]int          // organization id → organization_identifiers rows
	seenIDs   map[*table]map[string]int // organization and service ids read so far → row

	lines []*line
}

// link is a row that attaches a taxonomy term to a service or organization.
type link struct {
	t      *table
	row    int
	entity string // "service", "organization", or "" for either
	termID string
}

// origin is where a value of a record came from: a table, a row, a column.
type origin struct {
	t   *table
	row int
	col string
}

// line is one organization or service on its way to a record.
type line struct {
	t       *table
	row     int
	id      string
	origins map[string]origin // the line's field ("id", "title", …) → its source
	related []string          // ids of the other rows the record is built from, for its date
	own     []hub.RecordError // the connector's findings that reject the record
	covered map[string]bool   // fields own errors are about: the decoder's errors on them restate them
	notes   []hub.RecordError // errors that leave the record applied
	json    []byte            // the NDJSON line, nil when there is nothing to decode

	rec  *hub.FeedRecord
	errs []hub.RecordError // the decoder's, as it reported them
}

func (d *decoder) newLine(t *table, row int) *line {
	l := &line{t: t, row: row, id: t.get(row, "id"), origins: map[string]origin{"id": {t, row, "id"}}, covered: map[string]bool{}}
	d.lines = append(d.lines, l)
	return l
}

// fail records a problem that rejects the record, on field of the line.
func (l *line) fail(field string, o origin, format string, args ...any) {
	l.own = append(l.own, hub.RecordError{Line: o.row + 1, Field: o.t.field(o.col), Message: fmt.Sprintf(format, args...)})
	l.covered[field] = true
}

func (l *line) at(col string) origin { return origin{l.t, l.row, col} }

// index reads the tables that only inform records into maps, and reports
// the rows of every table that cannot be read.
func (d *decoder) index() {
	for _, t := range []*table{d.orgs, d.svcs, d.orgIdents, d.sals, d.locs, d.addrs, d.attrs, d.svcAttrs, d.terms, d.meta} {
		for i := range t.len() {
			if !t.ok(i) {
				d.errs = append(d.errs, hub.RecordError{Line: i + 1, Field: t.file, Message: fmt.Sprintf(
					"has %d fields where the header has %d, so its values cannot be matched to columns; the row is skipped (a comma in a value that is not quoted?)",
					len(t.rows[i]), t.width)})
			}
		}
	}

	d.metaDate = make(map[string]time.Time)
	for i := range d.meta.len() {
		id, s := d.meta.get(i, "resource_id"), d.meta.get(i, "last_action_date")
		if !d.meta.ok(i) || id == "" || s == "" {
			continue
		}
		t, ok := parseTime(s)
		if !ok {
			d.errs = append(d.errs, hub.RecordError{Line: i + 1, Field: d.meta.field("last_action_date"),
				Message: fmt.Sprintf("%q is not a date like 2026-01-13 or a timestamp like 2026-01-13T10:00:00Z (1900–2100); the row is ignored", clip(s))})
			continue
		}
		if prev, ok := d.metaDate[id]; !ok || t.After(prev) {
			d.metaDate[id] = t
		}
	}

	d.locByID = d.byID(d.locs)
	d.termByID = d.byID(d.terms)

	d.addrByLoc = make(map[string]int)
	for i := range d.addrs.len() {
		loc := d.addrs.get(i, "location_id")
		if !d.addrs.ok(i) || loc == "" {
			continue
		}
		// A location's physical address wins over its postal one; else the first.
		if prev, ok := d.addrByLoc[loc]; !ok || (!physical(d.addrs, prev) && physical(d.addrs, i)) {
			d.addrByLoc[loc] = i
		}
	}

	d.salBySvc = make(map[string][]int)
	for i := range d.sals.len() {
		if svc := d.sals.get(i, "service_id"); d.sals.ok(i) && svc != "" {
			d.salBySvc[svc] = append(d.salBySvc[svc], i)
		}
	}

	d.links = make(map[string][]link)
	for i := range d.attrs.len() {
		entity := strings.TrimSuffix(strings.ToLower(d.attrs.get(i, "link_entity")), "s")
		id, term := d.attrs.get(i, "link_id"), d.attrs.get(i, "taxonomy_term_id")
		if d.attrs.ok(i) && id != "" && term != "" && (entity == "" || entity == "service" || entity == "organization") {
			d.links[id] = append(d.links[id], link{d.attrs, i, entity, term})
		}
	}
	for i := range d.svcAttrs.len() {
		id, term := d.svcAttrs.get(i, "service_id"), d.svcAttrs.get(i, "taxonomy_term_id")
		if d.svcAttrs.ok(i) && id != "" && term != "" {
			d.links[id] = append(d.links[id], link{d.svcAttrs, i, "service", term})
		}
	}

	d.identsOf = make(map[string][]int)
	for i := range d.orgIdents.len() {
		if org := d.orgIdents.get(i, "organization_id"); d.orgIdents.ok(i) && org != "" {
			d.identsOf[org] = append(d.identsOf[org], i)
		}
	}
}

// byID indexes a table by its id column; a repeated id is reported and
// the first row with it is read.
func (d *decoder) byID(t *table) map[string]int {
	m := make(map[string]int)
	for i := range t.len() {
		id := t.get(i, "id")
		if !t.ok(i) || id == "" {
			continue
		}
		if first, dup := m[id]; dup {
			d.errs = append(d.errs, hub.RecordError{Line: i + 1, Field: t.field("id"),
				Message: fmt.Sprintf("repeats the id of row %d; only the first row with an id is read", first+1)})
			continue
		}
		m[id] = i
	}
	return m
}

func physical(t *table, i int) bool { return strings.EqualFold(t.get(i, "address_type"), "physical") }

// duplicate reports an organization or service whose id an earlier row of
// its table has: HSDS ids are unique, and the first row is the one read.
func (d *decoder) duplicate(l *line, seen map[string]int) bool {
	if l.id == "" {
		return false
	}
	if first, dup := seen[l.id]; dup {
		l.fail("id", l.at("id"), "repeats the id of row %d; only the first row with an id is read", first+1)
		return true
	}
	seen[l.id] = l.row
	return false
}

// The data of the canonical lines, with the feed's field names.
type (
	envelope struct {
		Type      hub.RecordType `json:"type"`
		ID        string         `json:"id"`
		UpdatedAt string         `json:"updated_at"`
		Data      any            `json:"data"`
	}
	organizationData struct {
		Name         map[string]string `json:"name,omitempty"`
		BIN          string            `json:"bin,omitempty"`
		Kind         string            `json:"kind,omitempty"`
		Directions   []string          `json:"directions,omitempty"`
		Website      string            `json:"website,omitempty"`
		ContactEmail string            `json:"contact_email,omitempty"`
		Founded      string            `json:"founded,omitempty"`
	}
	projectData struct {
		Title          map[string]string `json:"title,omitempty"`
		Description    map[string]string `json:"description,omitempty"`
		OrganizationID string            `json:"organization_id,omitempty"`
		Region         string            `json:"region,omitempty"`
		Locality       string            `json:"locality,omitempty"`
		Lat            *float64          `json:"lat,omitempty"`
		Lon            *float64          `json:"lon,omitempty"`
		Directions     []string          `json:"directions,omitempty"`
		Status         string            `json:"status,omitempty"`
	}
)

func (d *decoder) organization(i int) {
	t := d.orgs
	if !t.ok(i) {
		return
	}
	l := d.newLine(t, i)
	if d.duplicate(l, d.seen(t)) {
		return
	}
	var o organizationData
	if name := t.get(i, "name"); name == "" {
		l.fail("name", l.at("name"), "is required: HSDS requires an organization's name")
	} else {
		o.Name = localized(name)
		l.origins["name"] = l.at("name")
	}
	o.Kind = string(organizationKind(t.get(i, "legal_status")))
	for _, col := range []string{"website", "url"} { // url in HSDS 2
		if v := t.get(i, col); v != "" {
			o.Website = v
			l.origins["website"] = l.at(col)
			break
		}
	}
	if o.ContactEmail = t.get(i, "email"); o.ContactEmail != "" {
		l.origins["contact_email"] = l.at("email")
	}
	o.BIN = d.orgBIN(l)
	if y := t.get(i, "year_incorporated"); y != "" {
		if year, ok := parseYear(y); ok {
			o.Founded = fmt.Sprintf("%04d-01-01", year)
			l.origins["founded"] = l.at("year_incorporated")
		} else {
			l.fail("founded", l.at("year_incorporated"), "%q is not a year like 2011", clip(y))
		}
	}
	o.Directions = d.directions(l, "organization")
	d.finish(l, hub.TypeOrganization, d.updatedAt(l), o)
}

// orgBIN finds an organization's BIN: an organization_identifiers row
// whose scheme or type says BIN (HSDS 3), else tax_id when it is 12 digits
// (HSDS 2, deprecated in 3). A tax_id of another form is not a BIN and is
// left out; an identifier said to be a BIN is passed on, and checked.
func (d *decoder) orgBIN(l *line) string {
	for _, r := range d.identsOf[l.id] {
		t := d.orgIdents
		if !isBINScheme(t.get(r, "identifier_scheme"), t.get(r, "identifier_type")) {
			continue
		}
		l.origins["bin"] = origin{t, r, "identifier"}
		l.related = append(l.related, t.get(r, "id"))
		if b := bin(t.get(r, "identifier")); b != "" {
			return b
		}
		return t.get(r, "identifier")
	}
	if b := bin(l.t.get(l.row, "tax_id")); b != "" {
		l.origins["bin"] = l.at("tax_id")
		return b
	}
	return ""
}

func (d *decoder) service(i int) {
	t := d.svcs
	if !t.ok(i) {
		return
	}
	l := d.newLine(t, i)
	if d.duplicate(l, d.seen(t)) {
		return
	}
	var p projectData
	if name := t.get(i, "name"); name == "" {
		l.fail("title", l.at("name"), "is required: HSDS requires a service's name")
	} else {
		p.Title = localized(name)
		l.origins["title"] = l.at("name")
	}
	if p.Description = localized(t.get(i, "description")); p.Description != nil {
		l.origins["description"] = l.at("description")
	}
	if p.OrganizationID = t.get(i, "organization_id"); p.OrganizationID != "" {
		l.origins["organization_id"] = l.at("organization_id")
	}
	switch s := t.get(i, "status"); {
	case s == "":
		l.fail("status", l.at("status"), "is required: one of active, inactive, defunct, temporarily closed")
	default:
		st, ok := serviceStatus(s)
		if !ok {
			l.fail("status", l.at("status"), "%q is not an HSDS service status; use active, inactive, defunct or temporarily closed", clip(s))
		}
		p.Status = string(st)
		l.origins["status"] = l.at("status")
	}
	d.place(l, &p)
	p.Directions = d.directions(l, "service")

	updated := d.updatedAt(l)
	if s := t.get(i, "last_modified"); s != "" { // HSDS 3.1: covers the service's related rows too
		if lm, ok := parseTime(s); ok {
			updated = lm
		} else {
			l.fail("updated_at", l.at("last_modified"), "%q is not a timestamp like 2026-01-13T10:00:00Z (1900–2100)", clip(s))
		}
	}
	d.finish(l, hub.TypeProject, updated, p)
}

// seen returns the ids read so far from t.
func (d *decoder) seen(t *table) map[string]int {
	if d.seenIDs == nil {
		d.seenIDs = make(map[*table]map[string]int)
	}
	if d.seenIDs[t] == nil {
		d.seenIDs[t] = make(map[string]int)
	}
	return d.seenIDs[t]
}

// place sets a project's region, locality and coordinates from the first
// location of the service (in service_at_location order) that has an
// address: region from the address's city when it is Astana, Almaty or
// Shymkent, else from its state_province, else from its region column;
// locality from its city; coordinates from the location. Locations that
// cannot be found, or have no address (a virtual location), are passed
// over; when none is left the service has no region, which rejects it.
func (d *decoder) place(l *line, p *projectData) {
	svc := l.id
	rejected := fmt.Sprintf("service %q is not imported: a project needs a region", clip(svc))
	sals := d.salBySvc[svc]
	if len(sals) == 0 {
		l.fail("region", l.at("id"), "no row of %s links this service to a location, so its region is unknown; a project needs a region",
			fileOr(d.sals, resServiceAtLoc))
		return
	}
	var passed []hub.RecordError
	for _, s := range sals {
		l.related = append(l.related, d.sals.get(s, "id"))
		locID := d.sals.get(s, "location_id")
		li, ok := d.locByID[locID]
		if !ok {
			passed = append(passed, hub.RecordError{Line: s + 1, Field: d.sals.field("location_id"),
				Message: fmt.Sprintf("location %q is not in %s; %s", clip(locID), fileOr(d.locs, resLocation), rejected)})
			continue
		}
		ai, ok := d.addrByLoc[locID]
		if !ok {
			passed = append(passed, hub.RecordError{Line: li + 1, Field: d.locs.field("id"),
				Message: fmt.Sprintf("location %q has no address in %s, so it gives no region; %s", clip(locID), fileOr(d.addrs, resAddress), rejected)})
			continue
		}
		l.related = append(l.related, locID, d.addrs.get(ai, "id"))
		d.region(l, p, ai, rejected)
		if city := d.addrs.get(ai, "city"); city != "" {
			p.Locality = city
			l.origins["locality"] = origin{d.addrs, ai, "city"}
		}
		// Set before reading them, so that "lat and lon come together" lands
		// on the location's row when one of the two is empty.
		l.origins["lat"], l.origins["lon"] = origin{d.locs, li, "latitude"}, origin{d.locs, li, "longitude"}
		p.Lat = d.coordinate(l, li, "latitude", "lat")
		p.Lon = d.coordinate(l, li, "longitude", "lon")
		return
	}
	l.own = append(l.own, passed...)
	l.covered["region"] = true
}

// region reads the region of the address in row ai.
func (d *decoder) region(l *line, p *projectData, ai int, rejected string) {
	a := d.addrs
	city := a.get(ai, "city")
	if code := matchCity(city); code != "" {
		p.Region = code
		l.origins["region"] = origin{a, ai, "city"}
		return
	}
	var failCol string
	var failed regionMatch
	for _, col := range []string{"state_province", "region"} {
		v := a.get(ai, col)
		if v == "" {
			continue
		}
		m := matchPlace(v)
		if m.code != "" {
			p.Region = m.code
			l.origins["region"] = origin{a, ai, col}
			return
		}
		if failCol == "" {
			failCol, failed = col, m
		}
	}
	switch {
	case failCol == "":
		l.fail("region", origin{a, ai, "state_province"}, "is empty, and city %q is not Astana, Almaty or Shymkent; %s", clip(city), rejected)
	case len(failed.ambiguous) > 0:
		l.fail("region", origin{a, ai, failCol}, "%q may be %s or %s; say which, as in \"Almaty Region\", \"Алматы облысы\" or \"г. Алматы\"; %s",
			clip(a.get(ai, failCol)), regionName(failed.ambiguous[0]), regionName(failed.ambiguous[1]), rejected)
	default:
		l.fail("region", origin{a, ai, failCol}, "%q is not one of Kazakhstan's 17 regions and 3 cities (write it as in \"Акмолинская область\", \"Ақмола облысы\" or \"Akmola Region\"); %s",
			clip(a.get(ai, failCol)), rejected)
	}
}

func regionName(code string) string {
	for _, r := range hub.Regions() {
		if r.Code == code {
			return fmt.Sprintf("%s (%s)", r.Name.EN, code)
		}
	}
	return code
}

// coordinate reads a location's latitude or longitude.
func (d *decoder) coordinate(l *line, li int, col, field string) *float64 {
	s := d.locs.get(li, col)
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		l.fail(field, origin{d.locs, li, col}, "%q is not a number of decimal degrees (WGS 84)", clip(s))
		return nil
	}
	return &f
}

// directions maps the taxonomy terms attached to a service or an
// organization to direction codes: each term's name, then its code, first
// through the source's Categories, then through hub.DirectionForWord; a term
// that matches neither is matched by its parent terms, nearest first. A
// term that gives no direction is reported on the row that attaches it and
// does not reject the record: HSDS taxonomies are wide (eligibility,
// audience, accessibility terms sit beside service categories), and
// rejecting every service that carries one would drop most of a
// catalogue.
func (d *decoder) directions(l *line, entity string) []string {
	var codes []string
	for _, k := range d.links[l.id] {
		if k.entity != "" && k.entity != entity {
			continue
		}
		l.related = append(l.related, k.t.get(k.row, "id"), k.termID)
		ti, ok := d.termByID[k.termID]
		if !ok {
			l.notes = append(l.notes, hub.RecordError{Line: k.row + 1, Field: k.t.field("taxonomy_term_id"),
				Message: fmt.Sprintf("taxonomy term %q is not in %s, so it gives %s %q no direction", clip(k.termID), fileOr(d.terms, resTaxonomyTerm), entity, clip(l.id))})
			continue
		}
		code, bad := d.termDirection(ti)
		if bad != "" {
			l.notes = append(l.notes, hub.RecordError{Line: k.row + 1, Field: k.t.field("taxonomy_term_id"),
				Message: fmt.Sprintf("taxonomy term %q gives %s %q no direction: %s", clip(termLabel(d.terms, ti)), entity, clip(l.id), bad)})
			continue
		}
		if code == "" {
			l.notes = append(l.notes, hub.RecordError{Line: k.row + 1, Field: k.t.field("taxonomy_term_id"),
				Message: fmt.Sprintf("taxonomy term %q is neither a direction code nor a category word the hub or this source's mapping knows, so it gives %s %q no direction (unknown words are reported, not guessed)",
					clip(termLabel(d.terms, ti)), entity, clip(l.id))})
			continue
		}
		if !contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return codes
}

// maxTermDepth bounds the walk up a taxonomy, which may have a cycle.
const maxTermDepth = 10

// termDirection maps the term in row ti, or failing that its parents. A
// term the source's Categories map to something other than a direction
// code gives no direction, and the returned message says why.
func (d *decoder) termDirection(ti int) (code, badMapping string) {
	for range maxTermDepth {
		for _, w := range []string{d.terms.get(ti, "name"), d.terms.get(ti, "code")} {
			if w == "" {
				continue
			}
			if c, ok := d.cats[hub.NormalizeCategoryWord(w)]; ok {
				if !hub.IsDirectionCode(c) {
					return "", fmt.Sprintf("this source's categories map %q to %q, which is not a direction code", clip(w), clip(c))
				}
				return c, ""
			}
			if c, ok := hub.DirectionForWord(w); ok {
				return c, ""
			}
		}
		parent, ok := d.termByID[d.terms.get(ti, "parent_id")]
		if !ok || parent == ti {
			break
		}
		ti = parent
	}
	return "", ""
}

func termLabel(t *table, i int) string {
	for _, col := range []string{"name", "code", "id"} {
		if v := t.get(i, col); v != "" {
			return v
		}
	}
	return ""
}

// updatedAt is the record's date from the metadata table: the latest
// last_action_date of its own row and of the rows it is built from, when
// its own row has one; else the batch's received time.
func (d *decoder) updatedAt(l *line) time.Time {
	t, ok := d.metaDate[l.id]
	if !ok || l.id == "" {
		return d.opts.UpdatedAt
	}
	for _, id := range l.related {
		if m, ok := d.metaDate[id]; ok && id != "" && m.After(t) {
			t = m
		}
	}
	return t
}

// finish writes the line's canonical NDJSON.
func (d *decoder) finish(l *line, typ hub.RecordType, updated time.Time, data any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Type: typ, ID: l.id, UpdatedAt: updated.UTC().Format(time.RFC3339Nano), Data: data}); err != nil {
		// Every value is a string, a finite float or a list of strings.
		panic(fmt.Sprintf("hsds: encoding a line: %v", err))
	}
	l.json = b.Bytes()
}

// run decodes the lines with the NDJSON decoder and gathers the records
// and errors, mapping the decoder's fields back to rows and columns.
func (d *decoder) run() (*Decoded, error) {
	var body bytes.Buffer
	var of []*line // NDJSON line number - 1 → line
	for _, l := range d.lines {
		if l.json != nil {
			body.Write(l.json)
			of = append(of, l)
		}
	}
	dec := ingest.NewDecoder(&body)
	for {
		rec, errs, err := dec.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		n := dec.Line()
		if n < 1 || n > len(of) {
			return nil, fmt.Errorf("hsds: the decoder read line %d of %d", n, len(of))
		}
		of[n-1].rec, of[n-1].errs = rec, errs
	}

	var records []*hub.FeedRecord
	rejected := 0
	errs := d.errs
	for _, l := range d.lines {
		errs = append(errs, l.own...)
		for _, e := range l.errs {
			key := lineField(e.Field)
			if l.covered[key] {
				continue
			}
			if o, ok := l.origins[key]; ok {
				errs = append(errs, hub.RecordError{Line: o.row + 1, Field: o.t.field(o.col), Message: e.Message})
			} else {
				errs = append(errs, hub.RecordError{Line: l.row + 1, Field: l.t.file, Message: e.Message})
			}
		}
		errs = append(errs, l.notes...)
		if l.rec != nil && len(l.own) == 0 && len(l.errs) == 0 {
			l.rec.Line = l.row + 1
			records = append(records, l.rec)
		} else {
			rejected++
		}
	}
	return &Decoded{Records: records, Errors: errs, Rejected: rejected}, nil
}

// lineField reduces a decoder error's field to the line's field it is
// about: "data.title.kk" and "data.directions[1]" to "title" and
// "directions", "id" to "id", "" to "".
func lineField(f string) string {
	f = strings.TrimPrefix(f, "data.")
	if i := strings.IndexAny(f, ".["); i >= 0 {
		f = f[:i]
	}
	return f
}

// categories normalizes Options.Categories as ingest.Options does: keys
// as category words, codes in upper case. A code that is not a direction
// code is kept, and the terms mapped to it are reported.
func categories(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for word, code := range in {
		if w := hub.NormalizeCategoryWord(word); w != "" {
			out[w] = strings.ToUpper(strings.TrimSpace(code))
		}
	}
	return out
}

// parseTime reads an HSDS date or date-time: 2026-01-13 (midnight UTC),
// an RFC 3339 timestamp, or one without a zone (read as UTC).
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, inRange(t)
		}
	}
	return time.Time{}, false
}

func inRange(t time.Time) bool {
	return !t.Before(hub.MinDate) && t.Before(hub.MaxDate.AddDate(0, 0, 1))
}

// parseYear reads year_incorporated, a number formatted %Y: 2011, or 2011.0
// from a spreadsheet.
func parseYear(s string) (int, bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	if len(s) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	return y, err == nil && y >= 0
}

func fileOr(t *table, r resource) string {
	if t != nil {
		return t.file
	}
	return r.paths[0]
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
