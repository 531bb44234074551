package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/birgemiz/hub"
)

// The test decodes feeds on its own, strictly (unknown fields are errors),
// so that this package does not depend on ingest; the field names below are
// SPEC's table.

type tOrg struct {
	Name           hub.LocalizedText    `json:"name"`
	BIN            string               `json:"bin"`
	Kind           hub.OrganizationKind `json:"kind"`
	Region         string               `json:"region"`
	Directions     []string             `json:"directions"`
	Website        string               `json:"website"`
	ContactEmail   string               `json:"contact_email"`
	ContactPhone   string               `json:"contact_phone"`
	Founded        string               `json:"founded"`
	VolunteerCount *int                 `json:"volunteer_count"`
}

type tProject struct {
	Title             hub.LocalizedText `json:"title"`
	Description       hub.LocalizedText `json:"description"`
	OrganizationID    string            `json:"organization_id"`
	Region            string            `json:"region"`
	Locality          string            `json:"locality"`
	Lat               *float64          `json:"lat"`
	Lon               *float64          `json:"lon"`
	Directions        []string          `json:"directions"`
	Status            hub.ProjectStatus `json:"status"`
	StartDate         string            `json:"start_date"`
	EndDate           string            `json:"end_date"`
	VolunteersNeeded  *int              `json:"volunteers_needed"`
	VolunteersEngaged *int              `json:"volunteers_engaged"`
	VolunteerHours    *float64          `json:"volunteer_hours"`
	Beneficiaries     *int              `json:"beneficiaries"`
	GrantProgramme    string            `json:"grant_programme"`
	GrantAmountKZT    *int64            `json:"grant_amount_kzt"`
	Tags              []string          `json:"tags"`
	URL               string            `json:"url"`
}

type tVolunteer struct {
	Region          string              `json:"region"`
	Gender          hub.Gender          `json:"gender"`
	BirthDate       string              `json:"birth_date"`
	Languages       []string            `json:"languages"`
	Skills          []string            `json:"skills"`
	Directions      []string            `json:"directions"`
	RegisteredAt    string              `json:"registered_at"`
	Status          hub.VolunteerStatus `json:"status"`
	OrganizationIDs []string            `json:"organization_ids"`
	FullName        string              `json:"full_name"`
	Phone           string              `json:"phone"`
	Email           string              `json:"email"`
	IIN             string              `json:"iin"`
	ConsentRef      string              `json:"consent_ref"`
	ConsentAt       string              `json:"consent_at"`
}

type tParticipation struct {
	VolunteerID string   `json:"volunteer_id"`
	ProjectID   string   `json:"project_id"`
	Role        string   `json:"role"`
	Hours       *float64 `json:"hours"`
	StartDate   string   `json:"start_date"`
	EndDate     string   `json:"end_date"`
}

type tUNPlacement struct {
	VolunteerID string            `json:"volunteer_id"`
	HostEntity  string            `json:"host_entity"`
	Country     string            `json:"country"`
	DutyStation string            `json:"duty_station"`
	Title       hub.LocalizedText `json:"title"`
	Category    string            `json:"category"`
	Funding     string            `json:"funding"`
	StartDate   string            `json:"start_date"`
	EndDate     string            `json:"end_date"`
	Status      hub.ProjectStatus `json:"status"`
	SDGs        []int             `json:"sdgs"`
}

type tIndicator struct {
	Metric      string            `json:"metric"`
	Value       *float64          `json:"value"`
	Unit        string            `json:"unit"`
	Period      string            `json:"period"`
	Region      string            `json:"region"`
	CitationURL string            `json:"citation_url"`
	Note        hub.LocalizedText `json:"note"`
}

// parsedFeed holds a feed's records by type, keyed by external id, plus the
// ids in feed order.
type parsedFeed struct {
	order          []string
	orgs           map[string]*tOrg
	projects       map[string]*tProject
	volunteers     map[string]*tVolunteer
	participations map[string]*tParticipation
	placements     map[string]*tUNPlacement
	indicators     map[string]*tIndicator
}

var envelopeKeys = []string{"data", "id", "op", "type", "updated_at"}

// parseFeed checks every line of f on its own (envelope, fields, reference
// data, hub validation) and returns the records for cross-record checks.
func parseFeed(t *testing.T, f Feed) *parsedFeed {
	t.Helper()
	pf := &parsedFeed{
		orgs: map[string]*tOrg{}, projects: map[string]*tProject{}, volunteers: map[string]*tVolunteer{},
		participations: map[string]*tParticipation{}, placements: map[string]*tUNPlacement{}, indicators: map[string]*tIndicator{},
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(f.Body))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		where := fmt.Sprintf("%s:%d", f.Name, n)
		var env map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			t.Errorf("%s: not a JSON object: %v", where, err)
			continue
		}
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, envelopeKeys) {
			t.Errorf("%s: envelope keys %v, want %v", where, keys, envelopeKeys)
			continue
		}
		var typ, id, op, updated string
		for k, dst := range map[string]*string{"type": &typ, "id": &id, "op": &op, "updated_at": &updated} {
			if err := json.Unmarshal(env[k], dst); err != nil {
				t.Errorf("%s: %s is not a string", where, k)
			}
		}
		if !hub.RecordType(typ).Valid() {
			t.Errorf("%s: unknown type %q", where, typ)
		}
		if id == "" || len(id) > hub.MaxExternalIDLen {
			t.Errorf("%s: bad id %q", where, id)
		}
		if seen[id] {
			t.Errorf("%s: duplicate id %q", where, id)
		}
		seen[id] = true
		if op != string(hub.OpUpsert) {
			t.Errorf("%s: op %q, want upsert", where, op)
		}
		if _, err := time.Parse(time.RFC3339, updated); err != nil || updated != UpdatedAt {
			t.Errorf("%s: updated_at %q, want %q", where, updated, UpdatedAt)
		}
		where += " (" + id + ")"
		pf.order = append(pf.order, id)
		switch hub.RecordType(typ) {
		case hub.TypeOrganization:
			var d tOrg
			if decodeStrict(t, where, env["data"], &d) {
				checkOrg(t, where, &d)
				pf.orgs[id] = &d
			}
		case hub.TypeProject:
			var d tProject
			if decodeStrict(t, where, env["data"], &d) {
				checkProject(t, where, &d)
				pf.projects[id] = &d
			}
		case hub.TypeVolunteer:
			var d tVolunteer
			if decodeStrict(t, where, env["data"], &d) {
				checkVolunteer(t, where, &d)
				pf.volunteers[id] = &d
			}
		case hub.TypeParticipation:
			var d tParticipation
			if decodeStrict(t, where, env["data"], &d) {
				checkValid(t, where, (&hub.Participation{Role: d.Role, Hours: d.Hours,
					StartDate: date(t, where, d.StartDate), EndDate: date(t, where, d.EndDate)}).Validate())
				pf.participations[id] = &d
			}
		case hub.TypeUNPlacement:
			var d tUNPlacement
			if decodeStrict(t, where, env["data"], &d) {
				checkValid(t, where, (&hub.UNPlacement{HostEntity: d.HostEntity, Country: d.Country, DutyStation: d.DutyStation,
					Title: d.Title, Category: d.Category, Funding: d.Funding, StartDate: date(t, where, d.StartDate),
					EndDate: date(t, where, d.EndDate), Status: d.Status, SDGs: d.SDGs}).Validate())
				checkTwoLanguages(t, where+" title", d.Title)
				pf.placements[id] = &d
			}
		case hub.TypeIndicator:
			var d tIndicator
			if decodeStrict(t, where, env["data"], &d) {
				checkIndicator(t, where, &d)
				pf.indicators[id] = &d
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	if len(pf.order) == 0 {
		t.Errorf("%s: empty feed", f.Name)
	}
	checkReferences(t, f.Name, pf)
	return pf
}

func decodeStrict(t *testing.T, where string, data json.RawMessage, dst any) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Errorf("%s: data: %v", where, err)
		return false
	}
	return true
}

func checkValid(t *testing.T, where string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: invalid: %v", where, err)
	}
}

func checkRegion(t *testing.T, where, code string, required bool) {
	t.Helper()
	if code == "" && !required {
		return
	}
	for _, r := range hub.Regions() {
		if r.Code == code {
			return
		}
	}
	t.Errorf("%s: region %q is not one of hub.Regions()", where, code)
}

// directionCodes resolves a record's direction words, reporting every one
// hub.DirectionForWord does not know.
func directionCodes(t *testing.T, where string, words []string) []string {
	t.Helper()
	var codes []string
	for _, w := range words {
		c, ok := hub.DirectionForWord(w)
		if !ok {
			t.Errorf("%s: direction %q is not in the hub's vocabulary", where, w)
			continue
		}
		codes = append(codes, c)
	}
	return codes
}

func date(t *testing.T, where, s string) *time.Time {
	t.Helper()
	if s == "" {
		return nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Errorf("%s: date %q is not YYYY-MM-DD", where, s)
		return nil
	}
	return &d
}

// checkTwoLanguages holds the demo to its promise of Kazakh and Russian text.
func checkTwoLanguages(t *testing.T, where string, lt hub.LocalizedText) {
	t.Helper()
	if lt.KK == "" || lt.RU == "" {
		t.Errorf("%s: want both kk and ru, got %+v", where, lt)
	}
}

func checkOrg(t *testing.T, where string, d *tOrg) {
	t.Helper()
	checkRegion(t, where, d.Region, false)
	checkTwoLanguages(t, where+" name", d.Name)
	checkValid(t, where, (&hub.Organization{Name: d.Name, BIN: d.BIN, Kind: d.Kind, RegionCode: d.Region,
		Directions: directionCodes(t, where, d.Directions), Website: d.Website, ContactEmail: d.ContactEmail,
		ContactPhone: d.ContactPhone, Founded: date(t, where, d.Founded), VolunteerCount: d.VolunteerCount}).Validate())
}

func checkProject(t *testing.T, where string, d *tProject) {
	t.Helper()
	checkRegion(t, where, d.Region, true)
	checkTwoLanguages(t, where+" title", d.Title)
	checkTwoLanguages(t, where+" description", d.Description)
	if len(d.Directions) == 0 {
		t.Errorf("%s: no directions", where)
	}
	checkValid(t, where, (&hub.Project{Title: d.Title, Description: d.Description, RegionCode: d.Region,
		Locality: d.Locality, Lat: d.Lat, Lon: d.Lon, Directions: directionCodes(t, where, d.Directions), Status: d.Status,
		StartDate: date(t, where, d.StartDate), EndDate: date(t, where, d.EndDate), VolunteersNeeded: d.VolunteersNeeded,
		VolunteersEngaged: d.VolunteersEngaged, VolunteerHours: d.VolunteerHours, Beneficiaries: d.Beneficiaries,
		GrantProgramme: d.GrantProgramme, GrantAmountKZT: d.GrantAmountKZT, Tags: d.Tags, URL: d.URL}).Validate())
}

func checkVolunteer(t *testing.T, where string, d *tVolunteer) {
	t.Helper()
	checkRegion(t, where, d.Region, true)
	born := date(t, where, d.BirthDate)
	var year *int
	if born != nil {
		y := born.Year()
		year = &y
	}
	checkValid(t, where, (&hub.Volunteer{RegionCode: d.Region, Gender: d.Gender, BirthYear: year, Languages: d.Languages,
		Skills: d.Skills, Directions: directionCodes(t, where, d.Directions), RegisteredAt: date(t, where, d.RegisteredAt),
		Status: d.Status}).Validate())
	personal := &hub.VolunteerPersonal{FullName: d.FullName, Phone: d.Phone, Email: d.Email, IIN: d.IIN,
		ConsentRef: d.ConsentRef, ConsentAt: date(t, where, d.ConsentAt)}
	if !personal.IsZero() && (d.ConsentRef == "" || d.ConsentAt == "") {
		t.Errorf("%s: personal part without consent", where)
	}
	checkValid(t, where, personal.Validate())
}

func checkIndicator(t *testing.T, where string, d *tIndicator) {
	t.Helper()
	checkRegion(t, where, d.Region, false)
	checkTwoLanguages(t, where+" note", d.Note)
	if d.Value == nil || d.Unit == "" || d.CitationURL == "" {
		t.Errorf("%s: want value, unit and citation_url", where)
	}
	start, end, err := hub.ParsePeriod(d.Period)
	if err != nil {
		t.Errorf("%s: period %q: %v", where, d.Period, err)
	}
	var v float64
	if d.Value != nil {
		v = *d.Value
	}
	checkValid(t, where, (&hub.Indicator{Metric: d.Metric, Value: v, Unit: d.Unit, Period: d.Period, PeriodStart: start,
		PeriodEnd: end, RegionCode: d.Region, CitationURL: d.CitationURL, Note: d.Note}).Validate())
}

func checkReferences(t *testing.T, feed string, pf *parsedFeed) {
	t.Helper()
	ref := func(from, field, id string, ok bool) {
		if !ok {
			t.Errorf("%s (%s): %s %q does not name a record of the same feed", feed, from, field, id)
		}
	}
	for id, p := range pf.projects {
		if p.OrganizationID != "" {
			_, ok := pf.orgs[p.OrganizationID]
			ref(id, "organization_id", p.OrganizationID, ok)
		}
	}
	for id, v := range pf.volunteers {
		for _, o := range v.OrganizationIDs {
			_, ok := pf.orgs[o]
			ref(id, "organization_ids", o, ok)
		}
	}
	for id, p := range pf.participations {
		_, ok := pf.volunteers[p.VolunteerID]
		ref(id, "volunteer_id", p.VolunteerID, ok)
		_, ok = pf.projects[p.ProjectID]
		ref(id, "project_id", p.ProjectID, ok)
	}
	for id, u := range pf.placements {
		if u.VolunteerID != "" {
			_, ok := pf.volunteers[u.VolunteerID]
			ref(id, "volunteer_id", u.VolunteerID, ok)
		}
	}
}

func TestFeeds(t *testing.T) {
	feeds := Feeds(50)
	var names []string
	for _, f := range feeds {
		names = append(names, f.Name)
		if f.Source.Name != f.Name {
			t.Errorf("feed %q has source %q", f.Name, f.Source.Name)
		}
		if err := f.Source.Validate(); err != nil {
			t.Errorf("source %q: %v", f.Name, err)
		}
		if f.Source.Description == "" {
			t.Errorf("source %q has no description", f.Name)
		}
		wantKind := hub.SourcePublication
		if f.Name == SyntheticName {
			wantKind = hub.SourceSynthetic
		}
		if f.Source.Kind != wantKind {
			t.Errorf("source %q kind %s, want %s", f.Name, f.Source.Kind, wantKind)
		}
	}
	if want := []string{"baq-kz", "izgi-kz", "kokshetau-asia", SyntheticName}; !slices.Equal(names, want) {
		t.Errorf("feeds %v, want %v", names, want)
	}
	for i, f := range Feeds(50) {
		if !bytes.Equal(f.Body, feeds[i].Body) {
			t.Errorf("feed %q differs between two calls", f.Name)
		}
	}
	if got := Feeds(-1)[3]; len(parseFeed(t, got).volunteers) != 0 {
		t.Errorf("Feeds(-1) made synthetic volunteers")
	}
}

// TestFeedRecords checks every line of every feed: envelope, SPEC field
// names, region codes, direction words, hub validation, references.
func TestFeedRecords(t *testing.T) {
	for _, f := range Feeds(300) {
		t.Run(f.Name, func(t *testing.T) { parseFeed(t, f) })
	}
}

var twelveDigits = regexp.MustCompile(`[0-9]{12}`)

func TestNoIIN(t *testing.T) {
	for _, f := range Feeds(2000) {
		if bytes.Contains(f.Body, []byte(`"iin"`)) {
			t.Errorf("%s: has an iin field", f.Name)
		}
		if m := twelveDigits.Find(f.Body); m != nil {
			t.Errorf("%s: has a 12-digit number %s (an IIN or an invented BIN?)", f.Name, m)
		}
	}
}

func TestArticleFeeds(t *testing.T) {
	roots := map[string]string{"baq-kz": "https://baq.kz", "izgi-kz": "https://izgi.kz", "kokshetau-asia": "https://kokshetau.asia"}
	latin := regexp.MustCompile(`[áóúýǵńı]`) // letters only the 2018 Latin alphabet has
	var latinTags int
	for _, f := range Feeds(0)[:3] {
		pf := parseFeed(t, f)
		if len(pf.volunteers)+len(pf.participations) != 0 {
			t.Errorf("%s: article feeds carry no volunteer records (no personal data)", f.Name)
		}
		if len(pf.orgs) == 0 || len(pf.projects) == 0 || len(pf.indicators) == 0 {
			t.Errorf("%s: want organizations, projects and indicators", f.Name)
		}
		for id, ind := range pf.indicators {
			if ind.CitationURL != roots[f.Name] {
				t.Errorf("%s (%s): citation_url %q, want %q", f.Name, id, ind.CitationURL, roots[f.Name])
			}
		}
		for _, p := range pf.projects {
			for _, tag := range p.Tags {
				if latin.MatchString(tag) {
					latinTags++
				}
			}
		}
	}
	if latinTags < 3 {
		t.Errorf("%d Kazakh Latin-script tags in the article feeds, want a few for search tests", latinTags)
	}
}

// TestUNPlacements holds the placements to the forum article: 7
// government-funded Kazakhstanis in Kenya, Jordan, Turkey and Thailand.
func TestUNPlacements(t *testing.T) {
	pf := parseFeed(t, Feeds(0)[0])
	if len(pf.placements) != 7 {
		t.Errorf("%d UN placements, want 7", len(pf.placements))
	}
	countries := map[string]bool{}
	for id, u := range pf.placements {
		countries[u.Country] = true
		if u.Funding != "GOVERNMENT_OF_KAZAKHSTAN" || u.Status != hub.StatusActive || u.Category != "ILLUSTRATIVE" {
			t.Errorf("%s: funding %q, status %q, category %q", id, u.Funding, u.Status, u.Category)
		}
	}
	for _, c := range []string{"KE", "JO", "TR", "TH"} {
		if !countries[c] {
			t.Errorf("no placement in %s", c)
		}
	}
	if len(countries) != 4 {
		t.Errorf("placements in %d countries, want 4", len(countries))
	}
	if v := pf.indicators["baq-ind-un-volunteers-government-funded"].Value; v == nil || *v != float64(len(pf.placements)) {
		t.Errorf("indicator un_volunteers_government_funded disagrees with the placements")
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	a, b := Synthetic(7, 500), Synthetic(7, 500)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different feeds")
	}
	if bytes.Equal(a, Synthetic(8, 500)) {
		t.Fatal("different seeds, same feed")
	}
	if len(Synthetic(7, 0)) == 0 {
		t.Fatal("no organizations and projects without volunteers")
	}
}

func TestSynthetic(t *testing.T) {
	const n = 2000
	pf := parseFeed(t, Feed{Name: SyntheticName, Body: Synthetic(3, n)})

	regions := hub.Regions()
	if len(pf.orgs) != len(regions) || len(pf.projects) != ProjectsPerRegion*len(regions) || len(pf.volunteers) != n {
		t.Fatalf("%d organizations, %d projects, %d volunteers; want %d, %d, %d",
			len(pf.orgs), len(pf.projects), len(pf.volunteers), len(regions), ProjectsPerRegion*len(regions), n)
	}
	projectsIn, volunteersIn := map[string]int{}, map[string]int{}
	for _, p := range pf.projects {
		projectsIn[p.Region]++
	}
	for _, v := range pf.volunteers {
		volunteersIn[v.Region]++
	}
	for _, r := range regions {
		if projectsIn[r.Code] != ProjectsPerRegion || volunteersIn[r.Code] == 0 {
			t.Errorf("%s: %d projects, %d volunteers", r.Code, projectsIn[r.Code], volunteersIn[r.Code])
		}
	}

	isSynthetic := func(s string) bool { return strings.Contains(s, "Synthetic") || strings.Contains(s, "Синтети") }
	for id, o := range pf.orgs {
		for _, s := range []string{o.Name.KK, o.Name.RU, o.Name.EN} {
			if !isSynthetic(s) {
				t.Errorf("%s: name %q does not say it is synthetic", id, s)
			}
		}
	}
	for id, p := range pf.projects {
		for _, s := range []string{p.Title.KK, p.Title.RU, p.Title.EN, p.Description.KK, p.Description.RU, p.Description.EN} {
			if !isSynthetic(s) {
				t.Errorf("%s: %q does not say it is synthetic", id, s)
			}
		}
	}

	// Personal parts: about one in ten, all synthetic and with consent.
	var personal int
	members := map[string]int{}
	for id, v := range pf.volunteers {
		for _, o := range v.OrganizationIDs {
			members[o]++
		}
		if v.FullName == "" && v.Email == "" && v.Phone == "" {
			continue
		}
		personal++
		num := strings.TrimPrefix(id, "synthetic-v-")
		if v.FullName != "Synthetic Volunteer "+num || v.Email != "v"+num+"@example.invalid" ||
			v.ConsentRef != "synthetic-consent-"+num || !strings.HasPrefix(v.Phone, "+7 700 ") {
			t.Errorf("%s: personal part %q %q %q %q is not the synthetic pattern", id, v.FullName, v.Email, v.Phone, v.ConsentRef)
		}
	}
	if personal < n/20 || personal > n*3/20 {
		t.Errorf("%d of %d volunteers have a personal part, want about 10%%", personal, n)
	}
	for id, o := range pf.orgs {
		if o.VolunteerCount == nil || *o.VolunteerCount != members[id] {
			t.Errorf("%s: volunteer_count %v, %d volunteers name it", id, o.VolunteerCount, members[id])
		}
	}

	// Participations: 1–5 per volunteer, in open projects of the volunteer's
	// region, within the project's dates; project counters agree.
	perVolunteer := map[string]int{}
	hours := map[string]float64{}
	engaged := map[string]map[string]bool{}
	for id, pa := range pf.participations {
		v, p := pf.volunteers[pa.VolunteerID], pf.projects[pa.ProjectID]
		if v == nil || p == nil {
			continue // reported by parseFeed
		}
		perVolunteer[pa.VolunteerID]++
		hours[pa.ProjectID] += *pa.Hours
		if engaged[pa.ProjectID] == nil {
			engaged[pa.ProjectID] = map[string]bool{}
		}
		engaged[pa.ProjectID][pa.VolunteerID] = true
		if v.Region != p.Region {
			t.Errorf("%s: volunteer in %s, project in %s", id, v.Region, p.Region)
		}
		if p.Status != hub.StatusActive && p.Status != hub.StatusCompleted {
			t.Errorf("%s: participation in a %s project", id, p.Status)
		}
		if pa.StartDate < p.StartDate || (p.EndDate != "" && pa.EndDate > p.EndDate) || pa.StartDate < v.RegisteredAt {
			t.Errorf("%s: %s–%s outside project %s–%s or before registration %s",
				id, pa.StartDate, pa.EndDate, p.StartDate, p.EndDate, v.RegisteredAt)
		}
	}
	for id, v := range pf.volunteers {
		if k := perVolunteer[id]; k < 1 || k > 5 {
			t.Errorf("%s: %d participations, want 1–5", id, k)
		}
		if v.RegisteredAt < "2019-01-01" || v.RegisteredAt > "2025-12-31" {
			t.Errorf("%s: registered_at %s outside 2019–2025", id, v.RegisteredAt)
		}
	}
	for id, p := range pf.projects {
		if p.Status != hub.StatusActive && p.Status != hub.StatusCompleted {
			continue
		}
		if p.VolunteersEngaged == nil || *p.VolunteersEngaged != len(engaged[id]) || p.VolunteerHours == nil || *p.VolunteerHours != hours[id] {
			t.Errorf("%s: volunteers_engaged %v, volunteer_hours %v; participations give %d, %v",
				id, p.VolunteersEngaged, p.VolunteerHours, len(engaged[id]), hours[id])
		}
	}
}

func BenchmarkSynthetic2000(b *testing.B) {
	for b.Loop() {
		Synthetic(1, 2000)
	}
}
