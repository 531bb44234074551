package hsds_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/ingest/hsds"
)

// received is the batch's received time in the tests: the updated_at of
// records without an HSDS date.
var received = time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC)

// opts maps the fixture's one category word the hub's vocabulary lacks.
var opts = hsds.Options{UpdatedAt: received, Categories: map[string]string{"пожилые люди": "elderly_care"}}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func ptr[T any](v T) *T { return &v }

// Ids of the fixture in testdata/small.
const (
	org1 = "6f3c1a52-8d0e-4b7a-9c1f-2e4d5a6b7c01"
	org2 = "6f3c1a52-8d0e-4b7a-9c1f-2e4d5a6b7c02"
	svc1 = "2b7e9d14-5c3a-4f6e-8b1d-9a0c3e5f7a01"
	svc2 = "2b7e9d14-5c3a-4f6e-8b1d-9a0c3e5f7a02"
	svc3 = "2b7e9d14-5c3a-4f6e-8b1d-9a0c3e5f7a03"
)

// readDir returns the files of a testdata folder by name.
func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string][]byte)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// zipOf zips files under prefix ("" for the root), in name order.
func zipOf(t testing.TB, prefix string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// csvOf writes a CSV file: a header and rows.
func csvOf(t testing.TB, header string, rows ...[]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// smallZip is the fixture package, zipped as an exporter would.
func smallZip(t testing.TB) []byte { return zipOf(t, "", readDir(t, "testdata/small")) }

func decode(t *testing.T, p hsds.Package, o hsds.Options) ([]*hub.FeedRecord, []hub.RecordError) {
	t.Helper()
	recs, errs, err := hsds.Decode(p, o)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return recs, errs
}

// ignoreHash leaves the hash to TestDecodeHashesAsNDJSON.
var ignoreHash = cmpopts.IgnoreFields(hub.FeedRecord{}, "Hash")

func TestDecodeSmall(t *testing.T) {
	t.Parallel()
	p, err := hsds.ReadZip(smallZip(t))
	if err != nil {
		t.Fatalf("ReadZip: %v", err)
	}
	recs, errs := decode(t, p, opts)

	want := []*hub.FeedRecord{
		{
			Line: 1, Type: hub.TypeOrganization, ExternalID: org1, Op: hub.OpUpsert,
			UpdatedAt: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), // metadata.csv row 1
			Organization: &hub.Organization{
				Name: hub.LocalizedText{KK: "«Жасыл Көкшетау» қоғамдық қоры"},
				BIN:  "180240012345", Kind: hub.OrgPublicFoundation,
				Directions: []string{"ECOLOGY"},
				Website:    "https://green-kokshetau.example.org", ContactEmail: "info@green-kokshetau.example.org",
				Founded: date(2018, 1, 1),
			},
		},
		{
			Line: 2, Type: hub.TypeOrganization, ExternalID: org2, Op: hub.OpUpsert,
			UpdatedAt: received,
			Organization: &hub.Organization{
				Name:    hub.LocalizedText{RU: "Общественное объединение «Добрые руки»"},
				Kind:    hub.OrgNGO, // legal_status non-profit; tax_id "12-345" is not a BIN
				Website: "https://dobrye-ruki.example.kz", ContactEmail: "hello@dobrye-ruki.example.kz",
				Founded: date(2015, 1, 1),
			},
		},
		{
			Line: 1, Type: hub.TypeProject, ExternalID: svc1, Op: hub.OpUpsert,
			UpdatedAt:       received,
			OrganizationRef: org1,
			Project: &hub.Project{
				Title:       hub.LocalizedText{KK: "Бурабай көлінің жағалауын тазалау"},
				Description: hub.LocalizedText{RU: "Весенний субботник на берегу озера."},
				// The physical address of the location, not its postal one.
				RegionCode: "KZ-11", Locality: "Бурабай", Lat: ptr(53.08), Lon: ptr(70.3),
				// "Субботник" by its parent term "Экология", then "Экология" itself: once.
				Directions: []string{"ECOLOGY"},
				Status:     hub.StatusActive,
			},
		},
		{
			Line: 2, Type: hub.TypeProject, ExternalID: svc2, Op: hub.OpUpsert,
			UpdatedAt:       time.Date(2025, 12, 15, 9, 30, 0, 0, time.UTC), // last_modified
			OrganizationRef: org2,
			Project: &hub.Project{
				Title:       hub.LocalizedText{RU: "Помощь пожилым людям на дому"},
				Description: hub.LocalizedText{RU: "Доставка продуктов и лекарств, помощь по дому."},
				// The virtual location first linked has no address; the office's city is Almaty.
				RegionCode: "KZ-75", Locality: "Алматы",
				Directions: []string{"ELDERLY_CARE"}, // through Options.Categories
				Status:     hub.StatusPlanned,        // temporarily closed
			},
		},
		{
			Line: 3, Type: hub.TypeProject, ExternalID: svc3, Op: hub.OpUpsert,
			// The service's metadata says 2025-11-20, its location's 2025-12-01.
			UpdatedAt:       time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC),
			OrganizationRef: org2,
			Project: &hub.Project{
				Title:       hub.LocalizedText{EN: "Winter clothes drive"},
				Description: hub.LocalizedText{EN: "Collecting warm clothes for families in Kokshetau."},
				RegionCode:  "KZ-11", Locality: "Kokshetau", Lat: ptr(53.2833), Lon: ptr(69.3833),
				Status: hub.StatusCompleted, // inactive
			},
		},
	}
	if diff := cmp.Diff(want, recs, ignoreHash); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	wantErrs := []hub.RecordError{{Line: 4, Field: "attributes.csv:taxonomy_term_id",
		Message: `taxonomy term "Children" is neither a direction code nor a category word the hub or this source's mapping knows, so it gives service "` + svc3 + `" no direction (unknown words are reported, not guessed)`}}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestDecodeHashesAsNDJSON checks that a package decodes to the records, hash
// included, that the equivalent hand-written feed does.
func TestDecodeHashesAsNDJSON(t *testing.T) {
	t.Parallel()
	recs, _ := decode(t, hsds.Package{Files: readDir(t, "testdata/small")}, opts)
	feed := strings.Join([]string{
		`{"type":"organization","id":"` + org1 + `","updated_at":"2025-10-01","data":{"name":{"kk":"«Жасыл Көкшетау» қоғамдық қоры"},"bin":"180240012345","kind":"public foundation","directions":["экологическое"],"website":"https://green-kokshetau.example.org","contact_email":"info@green-kokshetau.example.org","founded":"2018-01-01"}}`,
		`{"type":"organization","id":"` + org2 + `","updated_at":"2026-01-13T15:00:00+05:00","data":{"name":{"ru":"Общественное объединение «Добрые руки»"},"kind":"NGO","website":"https://dobrye-ruki.example.kz","contact_email":"hello@dobrye-ruki.example.kz","founded":"2015-01-01"}}`,
		`{"type":"project","id":"` + svc1 + `","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"kk":"Бурабай көлінің жағалауын тазалау"},"description":{"ru":"Весенний субботник на берегу озера."},"organization_id":"` + org1 + `","region":"KZ-11","locality":"Бурабай","lat":53.08,"lon":70.3,"directions":["ECOLOGY"],"status":"active"}}`,
		`{"type":"project","id":"` + svc2 + `","updated_at":"2025-12-15T09:30:00Z","data":{"title":{"ru":"Помощь пожилым людям на дому"},"description":{"ru":"Доставка продуктов и лекарств, помощь по дому."},"organization_id":"` + org2 + `","region":"KZ-75","locality":"Алматы","directions":["помощь пожилым"],"status":"PLANNED"}}`,
		`{"type":"project","id":"` + svc3 + `","updated_at":"2025-12-01","data":{"title":{"en":"Winter clothes drive"},"description":{"en":"Collecting warm clothes for families in Kokshetau."},"organization_id":"` + org2 + `","region":"kz-11","locality":"Kokshetau","lat":53.2833,"lon":69.3833,"status":"COMPLETED"}}`,
	}, "\n")
	dec := ingest.NewDecoder(strings.NewReader(feed))
	var want []*hub.FeedRecord
	for {
		rec, errs, err := dec.Next()
		if err == io.EOF {
			break
		} else if err != nil || errs != nil {
			t.Fatalf("feed line %d: %v %v", dec.Line(), err, errs)
		}
		want = append(want, rec)
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i := range want {
		want[i].Line = recs[i].Line // the CSV row, not the feed's line
		if diff := cmp.Diff(want[i], recs[i]); diff != "" {
			t.Errorf("record %d (-feed +package):\n%s", i, diff)
		}
	}
}

// onePlace is a package with one service at one location whose address has
// the given city, state_province and region.
func onePlace(t *testing.T, city, state, region string) hsds.Package {
	t.Helper()
	return hsds.Package{Files: map[string][]byte{
		"datapackage.json":        readDir(t, "testdata/small")["datapackage.json"],
		"services.csv":            csvOf(t, "id,name,status", []string{"s-1", "Тест", "active"}),
		"service_at_location.csv": csvOf(t, "id,service_id,location_id", []string{"sl-1", "s-1", "l-1"}),
		"locations.csv":           csvOf(t, "id,location_type", []string{"l-1", "physical"}),
		"addresses.csv":           csvOf(t, "id,location_id,city,state_province,region,address_type", []string{"a-1", "l-1", city, state, region, "physical"}),
	}}
}

func TestDecodeRegion(t *testing.T) {
	t.Parallel()
	const rejected = `; service "s-1" is not imported: a project needs a region`
	tests := []struct {
		city, state, region string
		want                string // region code, or the error's field and message
	}{
		{"Кокшетау", "Акмолинская область", "", "KZ-11"},
		{"Көкшетау", "Ақмола облысы", "", "KZ-11"},
		{"Kokshetau", "Akmola Region", "", "KZ-11"},
		{"Kokshetau", "AKMOLA", "", "KZ-11"},
		{"Kokshetau", "Akmolinskaya oblast", "", "KZ-11"},
		{"Кокшетау", "Акмолинская обл.", "", "KZ-11"},
		{"Кокшетау", "Акмола облысы", "", "KZ-11"}, // Kazakh name typed without Kazakh letters
		{"Kokshetau", "Aqmola oblysy", "", "KZ-11"},
		{"Семей", "область Абай", "", "KZ-10"},
		{"Усть-Каменогорск", "ВКО", "", "KZ-63"},
		{"Петропавловск", "Северо-Казахстанская область", "", "KZ-59"},
		{"Уральск", "West Kazakhstan Region", "", "KZ-27"},
		{"Талдыкорган", "Жетісу облысы", "", "KZ-33"},
		{"Жезказган", "", "Ұлытау облысы", "KZ-62"}, // the region column when state_province is empty
		{"Жезказган", "Жезказганский район", "Улытауская область", "KZ-62"},

		// The three cities, by the city column first.
		{"Алматы", "", "", "KZ-75"},
		{"г. Алматы", "Алматинская область", "", "KZ-75"},
		{"Almaty", "Almaty", "", "KZ-75"},
		{"Астана", "Акмолинская область", "", "KZ-71"},
		{"Nur-Sultan", "", "", "KZ-71"},
		{"Шымкент", "", "", "KZ-79"},
		{"", "г. Алматы", "", "KZ-75"},
		{"", "Алматы қаласы", "", "KZ-75"},
		{"", "Almaty city", "", "KZ-75"},
		{"", "Астана", "", "KZ-71"},

		// Almaty Region is not the city of Almaty.
		{"Талгар", "Алматинская область", "", "KZ-19"},
		{"Қаскелең", "Алматы облысы", "", "KZ-19"},
		{"Talgar", "Almaty Region", "", "KZ-19"},
		{"Talgar", "Almaty oblast", "", "KZ-19"},
		{"Kaskelen", "Almaty", "", `addresses.csv:state_province: "Almaty" may be Almaty (KZ-75) or Almaty Region (KZ-19); say which, as in "Almaty Region", "Алматы облысы" or "г. Алматы"` + rejected},

		{"Кокшетау", "Северная провинция", "", `addresses.csv:state_province: "Северная провинция" is not one of Kazakhstan's 17 regions and 3 cities (write it as in "Акмолинская область", "Ақмола облысы" or "Akmola Region")` + rejected},
		{"Кокшетау", "", "", `addresses.csv:state_province: is empty, and city "Кокшетау" is not Astana, Almaty or Shymkent` + rejected},
		{"Ташкент", "Ташкентская область", "Ташкент", `addresses.csv:state_province: "Ташкентская область" is not one of Kazakhstan's 17 regions and 3 cities (write it as in "Акмолинская область", "Ақмола облысы" or "Akmola Region")` + rejected},
	}
	for _, tt := range tests {
		recs, errs := decode(t, onePlace(t, tt.city, tt.state, tt.region), hsds.Options{UpdatedAt: received})
		var got string
		switch {
		case len(recs) == 1 && len(errs) == 0:
			got = recs[0].Project.RegionCode
		case len(recs) == 0 && len(errs) == 1 && errs[0].Line == 1:
			got = errs[0].Field + ": " + errs[0].Message
		default:
			got = fmt.Sprintf("%+v %+v", recs, errs)
		}
		if got != tt.want {
			t.Errorf("city %q, state_province %q, region %q:\n got %s\nwant %s", tt.city, tt.state, tt.region, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ы", 501)
	p := hsds.Package{Files: map[string][]byte{
		"datapackage.json": readDir(t, "testdata/small")["datapackage.json"],
		"organizations.csv": csvOf(t, "id,name,website,year_incorporated,legal_status",
			[]string{"o-1", "", "", "", ""},
			[]string{"o-2", "Fund", "www.fund.kz", "twenty", "foundation"},
			[]string{"o-2", "Fund again", "", "", ""},
			[]string{"o-4", "Bad row"},
			[]string{"o-5", "Жасыл әлем", "", "2011.0", "ҮЕҰ"},
			[]string{"o-6", "Bad BIN", "", "", ""},
		),
		"organization_identifiers.csv": csvOf(t, "id,organization_id,identifier_scheme,identifier_type,identifier",
			[]string{"oi-1", "o-5", "KZ-BIN", "company", "1802 4001 2345"},
			[]string{"oi-2", "o-6", "", "БИН", "123"},
		),
		"services.csv": csvOf(t, "id,name,status,last_modified",
			[]string{"s-1", "Paused", "paused", ""},
			[]string{"s-2", "No status, no place", "", ""},
			[]string{"s-3", long, "active", ""},
			[]string{"s-4", "No address", "active", ""},
			[]string{"s-5", "Bad latitude", "active", ""},
			[]string{"s-6", "Unknown region", "active", ""},
			[]string{"s-7", "Bad date", "active", "yesterday"},
			[]string{"s-8", "Unknown term id", "defunct", ""},
			[]string{"s-9", "Latitude out of range", "active", ""},
			[]string{"s-10", "Longitude alone", "active", ""},
		),
		"service_at_location.csv": csvOf(t, "id,service_id,location_id",
			[]string{"sl-1", "s-1", "l-ok"},
			[]string{"sl-3", "s-3", "l-missing"},
			[]string{"sl-4", "s-4", "l-noaddr"},
			[]string{"sl-5", "s-5", "l-badlat"},
			[]string{"sl-6", "s-6", "l-nowhere"},
			[]string{"sl-7", "s-7", "l-ok"},
			[]string{"sl-8", "s-8", "l-ok"},
			[]string{"sl-9", "s-9", "l-far"},
			[]string{"sl-10", "s-10", "l-lon"},
		),
		"locations.csv": csvOf(t, "id,location_type,latitude,longitude",
			[]string{"l-ok", "physical", "51.16", "71.47"},
			[]string{"l-noaddr", "physical", "", ""},
			[]string{"l-badlat", "physical", "north", "71.47"},
			[]string{"l-nowhere", "physical", "", ""},
			[]string{"l-far", "physical", "95", "71.47"},
			[]string{"l-ok", "physical", "0", "0"},
			[]string{"l-lon", "physical", "", "71.47"},
		),
		"addresses.csv": csvOf(t, "id,location_id,city,state_province,address_type",
			[]string{"a-ok", "l-ok", "Астана", "", "physical"},
			[]string{"a-badlat", "l-badlat", "Астана", "", "physical"},
			[]string{"a-nowhere", "l-nowhere", "Springfield", "Northern Province", "physical"},
			[]string{"a-far", "l-far", "Астана", "", "physical"},
			[]string{"a-lon", "l-lon", "Астана", "", "physical"},
		),
		"attributes.csv": csvOf(t, "id,link_id,taxonomy_term_id,link_entity",
			[]string{"at-1", "s-8", "t-missing", "service"},
		),
		"taxonomy_terms.csv": csvOf(t, "id,name"),
		"metadata.csv": csvOf(t, "id,resource_id,resource_type,last_action_date",
			[]string{"m-1", "s-1", "service", "01.02.2025"},
		),
	}}
	recs, errs := decode(t, p, hsds.Options{UpdatedAt: received})

	rejected := func(id string) string { return `; service "` + id + `" is not imported: a project needs a region` }
	want := []hub.RecordError{
		re(4, "organizations.csv", "has 2 fields where the header has 5, so its values cannot be matched to columns; the row is skipped (a comma in a value that is not quoted?)"),
		re(1, "metadata.csv:last_action_date", `"01.02.2025" is not a date like 2026-01-13 or a timestamp like 2026-01-13T10:00:00Z (1900–2100); the row is ignored`),
		re(6, "locations.csv:id", "repeats the id of row 1; only the first row with an id is read"),
		re(1, "organizations.csv:name", "is required: HSDS requires an organization's name"),
		re(2, "organizations.csv:year_incorporated", `"twenty" is not a year like 2011`),
		re(2, "organizations.csv:website", "is not an http(s) URL"),
		re(3, "organizations.csv:id", "repeats the id of row 2; only the first row with an id is read"),
		re(2, "organization_identifiers.csv:identifier", "must be 12 digits"),
		re(1, "services.csv:status", `"paused" is not an HSDS service status; use active, inactive, defunct or temporarily closed`),
		re(2, "services.csv:status", "is required: one of active, inactive, defunct, temporarily closed"),
		re(2, "services.csv:id", "no row of service_at_location.csv links this service to a location, so its region is unknown; a project needs a region"),
		re(2, "service_at_location.csv:location_id", `location "l-missing" is not in locations.csv`+rejected("s-3")),
		re(3, "services.csv:name", "is 501 characters long; the limit is 500"),
		re(2, "locations.csv:id", `location "l-noaddr" has no address in addresses.csv, so it gives no region`+rejected("s-4")),
		re(3, "locations.csv:latitude", `"north" is not a number of decimal degrees (WGS 84)`),
		re(3, "addresses.csv:state_province", `"Northern Province" is not one of Kazakhstan's 17 regions and 3 cities (write it as in "Акмолинская область", "Ақмола облысы" or "Akmola Region")`+rejected("s-6")),
		re(7, "services.csv:last_modified", `"yesterday" is not a timestamp like 2026-01-13T10:00:00Z (1900–2100)`),
		re(1, "attributes.csv:taxonomy_term_id", `taxonomy term "t-missing" is not in taxonomy_terms.csv, so it gives service "s-8" no direction`),
		re(5, "locations.csv:latitude", "must be between -90 and 90"),
		re(7, "locations.csv:latitude", "lat and lon come together"),
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	wantRecs := []*hub.FeedRecord{
		{Line: 5, Type: hub.TypeOrganization, ExternalID: "o-5", Op: hub.OpUpsert, UpdatedAt: received,
			Organization: &hub.Organization{Name: hub.LocalizedText{KK: "Жасыл әлем"}, BIN: "180240012345", Kind: hub.OrgNGO, Founded: date(2011, 1, 1)}},
		{Line: 8, Type: hub.TypeProject, ExternalID: "s-8", Op: hub.OpUpsert, UpdatedAt: received,
			Project: &hub.Project{Title: hub.LocalizedText{EN: "Unknown term id"}, RegionCode: "KZ-71", Locality: "Астана",
				Lat: ptr(51.16), Lon: ptr(71.47), Status: hub.StatusCancelled}},
	}
	if diff := cmp.Diff(wantRecs, recs, ignoreHash); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestDecodeOptions(t *testing.T) {
	t.Parallel()
	p := hsds.Package{Files: readDir(t, "testdata/small")}
	if _, _, err := hsds.Decode(p, hsds.Options{}); err == nil {
		t.Error("Decode without UpdatedAt: no error")
	}
	// A mapping to something other than a code is the source's mistake: the
	// term is reported, as one the hub does not know is.
	recs, errs := decode(t, p, hsds.Options{UpdatedAt: received, Categories: map[string]string{"Пожилые  люди.": "OLD_PEOPLE"}})
	want := re(3, "attributes.csv:taxonomy_term_id", `taxonomy term "Пожилые люди" gives service "`+svc2+`" no direction: this source's categories map "Пожилые люди" to "OLD_PEOPLE", which is not a direction code`)
	if len(recs) != 5 || recs[3].Project.Directions != nil || len(errs) != 2 || errs[0] != want {
		t.Errorf("records %+v\nerrors %+v", recs, errs)
	}
	// Without the source's mapping, the word the hub does not know is reported
	// and the project applies without it.
	recs, errs = decode(t, p, hsds.Options{UpdatedAt: received})
	if len(recs) != 5 || recs[3].Project.Directions != nil {
		t.Errorf("records: %+v", recs)
	}
	if len(errs) != 2 || errs[0].Field != "attributes.csv:taxonomy_term_id" || errs[0].Line != 3 ||
		!strings.HasPrefix(errs[0].Message, `taxonomy term "Пожилые люди" is neither`) {
		t.Errorf("errors: %v", errs)
	}
}

// TestDecodeFileNames reads a package whose descriptor names the address
// table data/address.csv with a semicolon dialect, lists organizations.csv
// but ships organization.csv (HSDS examples use both), and whose other
// tables are found by their HSDS names, one in another case.
func TestDecodeFileNames(t *testing.T) {
	t.Parallel()
	files := readDir(t, "testdata/small")
	desc := `{"profile":"tabular-data-package","resources":[` +
		`{"name":"address","path":"./data/address.csv","dialect":{"delimiter":";"}},` +
		`{"name":"organization","path":"organizations.csv"},` +
		`{"name":"phone","path":"phones.csv"}]}`
	files["datapackage.json"] = []byte(desc)
	files["organization.csv"] = files["organizations.csv"] // listed under another name
	delete(files, "organizations.csv")
	files["data/address.csv"] = bytes.ReplaceAll(files["addresses.csv"], []byte(","), []byte(";"))
	delete(files, "addresses.csv")
	files["Services.CSV"] = files["services.csv"]
	delete(files, "services.csv")
	want, _ := decode(t, hsds.Package{Files: readDir(t, "testdata/small")}, opts)
	got, _ := decode(t, hsds.Package{Files: files}, opts)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-small +renamed):\n%s", diff)
	}
}

func TestDecodeRejectsPackage(t *testing.T) {
	t.Parallel()
	small := readDir(t, "testdata/small")
	with := func(name, content string) hsds.Package {
		files := make(map[string][]byte, len(small))
		for k, v := range small {
			files[k] = v
		}
		if content == "-" {
			delete(files, name)
		} else {
			files[name] = []byte(content)
		}
		return hsds.Package{Files: files}
	}
	tests := []struct {
		name string
		p    hsds.Package
		want string
	}{
		{"no descriptor", hsds.Package{}, "not an HSDS data package: it has no datapackage.json"},
		{"descriptor not JSON", with("datapackage.json", "{resources: []}"), "datapackage.json is not a data package descriptor: invalid JSON at byte 2"},
		{"resources not a list", with("datapackage.json", `{"resources": {}}`), `datapackage.json is not a data package descriptor: "resources" is a JSON object, which the Data Package format does not allow there`},
		{"remote resource", with("datapackage.json", `{"resources": [{"name": "service", "path": "https://example.org/services.csv"}]}`),
			`datapackage.json: resource "service" points at https://example.org/services.csv; put the file in the package instead`},
		{"multi-part resource", with("datapackage.json", `{"resources": [{"name": "service", "path": ["a.csv", "b.csv"]}]}`),
			`datapackage.json: resource "service" has a path that is not one file name; multi-part resources are not supported`},
		{"not UTF-8", with("services.csv", "id,name,status\ns-1,\xcf\xf0\xe8\xec\xe5\xf0,active\n"),
			"services.csv is not UTF-8 text (saved as Windows-1251 or UTF-16?); HSDS CSV files are UTF-8"},
		{"broken quotes", with("locations.csv", "id,name\nl-1,\"Офис\nl-2,Склад\n"),
			"locations.csv is not valid CSV: in the row that starts on line 2 of the file, a quoted field is not closed, or has a stray quote"},
		{"bare quote", with("locations.csv", "id,name\nl-1,Офис \"Добрые руки\"\n"),
			`locations.csv is not valid CSV: in the row that starts on line 2 of the file, a field has a quote (") but is not quoted; write quotes inside a field as ""`},
		{"no status column", with("services.csv", "id,name\ns-1,Тест\n"),
			"services.csv has no status column, which HSDS requires; its header is: id,name"},
		{"neither table", hsds.Package{Files: map[string][]byte{"datapackage.json": small["datapackage.json"], "locations.csv": small["locations.csv"]}},
			"not an HSDS data package: it has neither organizations.csv nor services.csv"},
	}
	for _, tt := range tests {
		_, _, err := hsds.Decode(tt.p, opts)
		if hub.ErrorCode(err) != hub.EINVALID || hub.ErrorMessage(err) != tt.want {
			t.Errorf("%s: got %v, want EINVALID %q", tt.name, err, tt.want)
		}
	}
	// An empty table, and one the descriptor lists but the package lacks, are empty.
	if recs, errs := decode(t, with("metadata.csv", ""), opts); len(recs) != 5 || len(errs) != 1 {
		t.Errorf("empty metadata.csv: %d records, errors %v", len(recs), errs)
	}
	if recs, errs := decode(t, with("organizations.csv", "-"), opts); len(recs) != 3 || len(errs) != 1 {
		t.Errorf("no organizations.csv: %d records, errors %v", len(recs), errs)
	}
}

func TestReadZip(t *testing.T) {
	t.Parallel()
	small := readDir(t, "testdata/small")

	p, err := hsds.ReadZip(smallZip(t))
	if err != nil {
		t.Fatalf("ReadZip at the root: %v", err)
	}
	if diff := cmp.Diff(small, p.Files); diff != "" {
		t.Errorf("files at the root (-want +got):\n%s", diff)
	}

	// One folder down, with what macOS adds and a file outside the folder.
	extra := map[string][]byte{"README.txt": []byte("export of 2026-01-13"), "__MACOSX/export/._datapackage.json": []byte("\x00\x05")}
	for name, data := range small {
		extra["export/"+name] = data
	}
	extra["export/data/"] = nil // a folder entry
	p, err = hsds.ReadZip(zipOf(t, "", extra))
	if err != nil {
		t.Fatalf("ReadZip one folder down: %v", err)
	}
	if diff := cmp.Diff(small, p.Files); diff != "" {
		t.Errorf("files one folder down (-want +got):\n%s", diff)
	}

	noDesc := make(map[string][]byte)
	for name, data := range small {
		if name != "datapackage.json" {
			noDesc[name] = data
		}
	}
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"no datapackage.json", zipOf(t, "", noDesc),
			"not an HSDS data package: the zip holds no datapackage.json at its root or one folder down; an HSDS tabular package is datapackage.json plus its CSV files"},
		{"too deep", zipOf(t, "a/b/", small),
			"not an HSDS data package: the zip holds no datapackage.json at its root or one folder down; an HSDS tabular package is datapackage.json plus its CSV files"},
		{"two packages", zipOf(t, "", map[string][]byte{"a/datapackage.json": small["datapackage.json"], "b/datapackage.json": small["datapackage.json"]}),
			"not an HSDS data package: the zip holds several packages (a/datapackage.json and b/datapackage.json); send one package per zip"},
		{"empty", nil, "not an HSDS data package: the body is empty"},
		{"CSV", small["services.csv"],
			"not an HSDS data package: the body is not a zip archive (it looks like a single CSV file: zip it together with datapackage.json and the other CSV files)"},
		{"JSON", small["datapackage.json"],
			"not an HSDS data package: the body is not a zip archive (it looks like JSON: zip datapackage.json together with its CSV files)"},
		{"HTML", []byte("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"),
			"not an HSDS data package: the body is not a zip archive (it looks like HTML or XML: an error page instead of the export?)"},
		{"truncated zip", smallZip(t)[:200], "not an HSDS data package: the body is not a zip archive"},
	}
	for _, tt := range tests {
		_, err := hsds.ReadZip(tt.body)
		if hub.ErrorCode(err) != hub.EINVALID || hub.ErrorMessage(err) != tt.want {
			t.Errorf("%s: got %v, want EINVALID %q", tt.name, err, tt.want)
		}
	}
}

// FuzzReadZip reads arbitrary bodies as packages and decodes what it reads.
// Whatever the input, nothing panics, a rejected body is EINVALID, every
// error points at a row of a named file, and every record is usable.
func FuzzReadZip(f *testing.F) {
	small := readDir(f, "testdata/small")
	f.Add(zipOf(f, "", small))
	f.Add(zipOf(f, "export/", small))
	f.Add(zipOf(f, "", map[string][]byte{"datapackage.json": small["datapackage.json"], "services.csv": []byte("id,name,status\n\"s,1\",x\n")}))
	f.Add(zipOf(f, "", map[string][]byte{"organizations.csv": small["organizations.csv"]}))
	f.Add(small["services.csv"])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := hsds.ReadZip(body)
		if err != nil {
			if hub.ErrorCode(err) != hub.EINVALID {
				t.Fatalf("ReadZip: %v", err)
			}
			return
		}
		checkDecode(t, p)
	})
}

// FuzzDecodeServices decodes the fixture with arbitrary services.csv and
// addresses.csv files, which zip mutations seldom reach.
func FuzzDecodeServices(f *testing.F) {
	small := readDir(f, "testdata/small")
	f.Add(small["services.csv"], small["addresses.csv"])
	f.Add([]byte("id,name,status\ns-1,\"a\"\"b\",active\n"), []byte("location_id,state_province\n,\n"))
	f.Fuzz(func(t *testing.T, services, addresses []byte) {
		files := make(map[string][]byte, len(small))
		for k, v := range small {
			files[k] = v
		}
		files["services.csv"], files["addresses.csv"] = services, addresses
		checkDecode(t, hsds.Package{Files: files})
	})
}

// re is a record error, written short.
func re(line int, field, message string) hub.RecordError {
	return hub.RecordError{Line: line, Field: field, Message: message}
}

func checkDecode(t *testing.T, p hsds.Package) {
	recs, errs, err := hsds.Decode(p, opts)
	if err != nil {
		if hub.ErrorCode(err) != hub.EINVALID {
			t.Fatalf("Decode: %v", err)
		}
		return
	}
	for _, e := range errs {
		if e.Line < 1 || e.Field == "" || e.Message == "" {
			t.Fatalf("error %+v", e)
		}
	}
	for _, r := range recs {
		if r.Line < 1 || r.ExternalID == "" || len(r.Hash) != 32 || (r.Organization == nil) == (r.Project == nil) {
			t.Fatalf("record %+v", r)
		}
	}
}
