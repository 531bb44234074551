package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/birgemiz/hub"
)

// generateScale returns a scale's batches, copied.
func generateScale(t testing.TB, sc Scale) []ScaleBatch {
	t.Helper()
	var out []ScaleBatch
	if err := NewScaleGenerator(sc).Generate(func(b ScaleBatch) error {
		b.Body = bytes.Clone(b.Body)
		out = append(out, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func hashBatches(batches []ScaleBatch) string {
	h := sha256.New()
	for _, b := range batches {
		h.Write([]byte(b.Name + "\n"))
		h.Write(b.Body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestScaleNamed(t *testing.T) {
	for _, name := range []string{"region", "metro", "national"} {
		sc, err := ScaleNamed(name)
		if err != nil || sc.Name != name {
			t.Errorf("ScaleNamed(%q) = %+v, %v", name, sc, err)
		}
		src := sc.Source()
		if err := src.Validate(); err != nil || src.Kind != hub.SourceSynthetic || !strings.HasPrefix(src.Name, "synthetic-") {
			t.Errorf("%s: source %+v: %v", name, src, err)
		}
	}
	_, err := ScaleNamed("city")
	if err == nil || !strings.Contains(err.Error(), `"city"`) || !strings.Contains(err.Error(), "region, metro, national") {
		t.Errorf("ScaleNamed(city): %v, want an error naming the three scales", err)
	}
	region, _ := ScaleNamed("region")
	national, _ := ScaleNamed("national")
	if national.Volunteers != 1_000_000 || national.Projects != 100_000 || national.Organizations != 1_000 || national.UNPlacements != 2_000 {
		t.Errorf("national scale %+v", national)
	}
	if region.Volunteers*100 != national.Volunteers || region.Projects*100 != national.Projects {
		t.Errorf("region scale %+v is not a hundredth of national", region)
	}
}

func TestScaleDeterministic(t *testing.T) {
	sc, _ := ScaleNamed("region")
	a, b := hashBatches(generateScale(t, sc)), hashBatches(generateScale(t, sc))
	if a != b {
		t.Fatalf("two generations of the region scale differ: %s, %s", a, b)
	}
	sc.Seed++
	if c := hashBatches(generateScale(t, sc)); c == a {
		t.Fatal("another seed gave the same feed")
	}
}

// TestScaleRegion checks the region scale's records one by one (as
// TestFeedRecords does the small feeds) and what they add up to.
func TestScaleRegion(t *testing.T) {
	sc, _ := ScaleNamed("region")
	g := NewScaleGenerator(sc)
	batches := generateScale(t, sc)

	// Batches: within the limits, in phase order, each referring only to
	// earlier phases or to earlier lines of itself.
	phaseOf := map[string]int{} // external id → phase
	lastPhase := 0
	var all bytes.Buffer
	for _, b := range batches {
		if b.Phase < lastPhase {
			t.Errorf("%s: phase %d after phase %d", b.Name, b.Phase, lastPhase)
		}
		lastPhase = b.Phase
		if b.Lines > sc.BatchLines || len(b.Body) > sc.BatchBytes+64<<10 {
			t.Errorf("%s: %d lines, %d bytes; limits %d, %d", b.Name, b.Lines, len(b.Body), sc.BatchLines, sc.BatchBytes)
		}
		if n := bytes.Count(b.Body, []byte("\n")); n != b.Lines {
			t.Errorf("%s: says %d lines, has %d", b.Name, b.Lines, n)
		}
		seen := map[string]bool{}
		for _, line := range bytes.Split(bytes.TrimSpace(b.Body), []byte("\n")) {
			var l struct {
				ID   string
				Data struct {
					OrganizationID  string   `json:"organization_id"`
					OrganizationIDs []string `json:"organization_ids"`
					VolunteerID     string   `json:"volunteer_id"`
					ProjectID       string   `json:"project_id"`
				}
			}
			if err := json.Unmarshal(line, &l); err != nil {
				t.Fatalf("%s: %v", b.Name, err)
			}
			for _, ref := range append([]string{l.Data.OrganizationID, l.Data.VolunteerID, l.Data.ProjectID}, l.Data.OrganizationIDs...) {
				if p, ok := phaseOf[ref]; ref != "" && !seen[ref] && (!ok || p >= b.Phase) {
					t.Errorf("%s: %s refers to %s, neither in an earlier phase nor earlier in the batch", b.Name, l.ID, ref)
				}
			}
			seen[l.ID] = true
			phaseOf[l.ID] = b.Phase
		}
		all.Write(b.Body)
	}
	if want := []int{1, 2, 3, 4}; lastPhase != 4 || len(batches) < len(want) {
		t.Errorf("%d batches, last phase %d", len(batches), lastPhase)
	}
	if volunteerBatches := len(slices.DeleteFunc(slices.Clone(batches), func(b ScaleBatch) bool { return b.Phase != PhaseVolunteers })); volunteerBatches < 2 {
		t.Errorf("%d batches of volunteers; want several, so that the load test applies some side by side", volunteerBatches)
	}

	pf := parseFeed(t, Feed{Name: sc.Source().Name, Body: all.Bytes()})
	counts := g.Counts()
	got := map[hub.RecordType]int{hub.TypeOrganization: len(pf.orgs), hub.TypeProject: len(pf.projects), hub.TypeVolunteer: len(pf.volunteers),
		hub.TypeParticipation: len(pf.participations), hub.TypeUNPlacement: len(pf.placements), hub.TypeIndicator: len(pf.indicators)}
	want := map[hub.RecordType]int{hub.TypeOrganization: sc.Organizations, hub.TypeProject: sc.Projects, hub.TypeVolunteer: sc.Volunteers,
		hub.TypeParticipation: ParticipationsPerVolunteer * sc.Volunteers, hub.TypeUNPlacement: sc.UNPlacements, hub.TypeIndicator: counts[hub.TypeIndicator]}
	for typ := range want {
		if got[typ] != want[typ] || counts[typ] != want[typ] {
			t.Errorf("%s: %d records, Counts says %d, want %d", typ, got[typ], counts[typ], want[typ])
		}
	}
	if counts[hub.TypeIndicator] < 100 {
		t.Errorf("%d indicators, want per region and year", counts[hub.TypeIndicator])
	}

	// Every region has organizations, projects and volunteers, the four
	// largest the most volunteers.
	perRegion := map[string][3]int{}
	for _, o := range pf.orgs {
		c := perRegion[o.Region]
		c[0]++
		perRegion[o.Region] = c
	}
	for _, p := range pf.projects {
		c := perRegion[p.Region]
		c[1]++
		perRegion[p.Region] = c
	}
	for _, v := range pf.volunteers {
		c := perRegion[v.Region]
		c[2]++
		perRegion[v.Region] = c
	}
	var byVolunteers []string
	for _, r := range hub.Regions() {
		c := perRegion[r.Code]
		if c[0] == 0 || c[1] == 0 || c[2] == 0 {
			t.Errorf("%s: %d organizations, %d projects, %d volunteers", r.Code, c[0], c[1], c[2])
		}
		byVolunteers = append(byVolunteers, r.Code)
	}
	slices.SortFunc(byVolunteers, func(a, b string) int { return perRegion[b][2] - perRegion[a][2] })
	top := slices.Clone(byVolunteers[:4])
	slices.Sort(top)
	if want := []string{"KZ-61", "KZ-71", "KZ-75", "KZ-79"}; !slices.Equal(top, want) {
		t.Errorf("most volunteers in %v, want Turkistan Region, Astana, Almaty and Shymkent %v", byVolunteers[:4], want)
	}
	if perRegion["KZ-75"][2] < 10*perRegion["KZ-62"][2] {
		t.Errorf("Almaty has %d volunteers, Ulytau %d: not spread as people are", perRegion["KZ-75"][2], perRegion["KZ-62"][2])
	}

	// Counters agree with participations and memberships; dates agree.
	engaged := map[string]map[string]bool{}
	hours := map[string]float64{}
	perVolunteer := map[string]int{}
	for id, pa := range pf.participations {
		v, p := pf.volunteers[pa.VolunteerID], pf.projects[pa.ProjectID]
		if v == nil || p == nil {
			continue // reported by parseFeed
		}
		if engaged[pa.ProjectID] == nil {
			engaged[pa.ProjectID] = map[string]bool{}
		}
		engaged[pa.ProjectID][pa.VolunteerID] = true
		hours[pa.ProjectID] += *pa.Hours
		perVolunteer[pa.VolunteerID]++
		if p.Status != hub.StatusActive && p.Status != hub.StatusCompleted {
			t.Errorf("%s: participation in a %s project", id, p.Status)
		}
		if pa.StartDate < p.StartDate || (p.EndDate != "" && pa.EndDate > p.EndDate) || pa.StartDate < v.RegisteredAt || pa.EndDate > "2025-12-31" {
			t.Errorf("%s: %s–%s outside project %s–%s, before registration %s or after 2025", id, pa.StartDate, pa.EndDate, p.StartDate, p.EndDate, v.RegisteredAt)
		}
		if *pa.Hours <= 0 || *pa.Hours > 120 {
			t.Errorf("%s: %v hours", id, *pa.Hours)
		}
	}
	var multi int
	for id, p := range pf.projects {
		if len(p.Directions) > 1 {
			multi++
		}
		if p.Status != hub.StatusActive && p.Status != hub.StatusCompleted {
			if len(engaged[id]) > 0 || p.VolunteersEngaged != nil {
				t.Errorf("%s: %s project with volunteers", id, p.Status)
			}
			continue
		}
		if p.VolunteersEngaged == nil || *p.VolunteersEngaged != len(engaged[id]) || p.VolunteerHours == nil || *p.VolunteerHours != hours[id] {
			t.Errorf("%s: volunteers_engaged %v, volunteer_hours %v; participations give %d, %v",
				id, p.VolunteersEngaged, p.VolunteerHours, len(engaged[id]), hours[id])
		}
	}
	if multi < len(pf.projects)/5 {
		t.Errorf("%d of %d projects in several directions", multi, len(pf.projects))
	}
	members := map[string]int{}
	years := map[string]int{}
	var personal int
	for id, v := range pf.volunteers {
		for _, o := range v.OrganizationIDs {
			members[o]++
		}
		if k := perVolunteer[id]; k < 1 || k > 9 {
			t.Errorf("%s: %d participations, want 1–9", id, k)
		}
		if v.RegisteredAt < "2019-01-01" || v.RegisteredAt > "2025-12-31" {
			t.Errorf("%s: registered_at %s outside 2019–2025", id, v.RegisteredAt)
		}
		years[v.RegisteredAt[:4]]++
		if v.FullName != "" {
			personal++
			if !strings.HasPrefix(v.FullName, "Synthetic Volunteer ") || !strings.HasSuffix(v.Email, ".example.invalid") ||
				!strings.HasPrefix(v.ConsentRef, "synthetic-consent-") || v.ConsentAt == "" || v.IIN != "" {
				t.Errorf("%s: personal part %q %q %q is not the synthetic pattern", id, v.FullName, v.Email, v.ConsentRef)
			}
		}
	}
	if len(years) != 7 {
		t.Errorf("registrations in %d years, want 2019–2025: %v", len(years), years)
	}
	if personal < sc.Volunteers/20 || personal > sc.Volunteers*3/20 {
		t.Errorf("%d of %d volunteers have a personal part, want about 10%%", personal, sc.Volunteers)
	}
	for id, o := range pf.orgs {
		if o.VolunteerCount == nil || *o.VolunteerCount != members[id] {
			t.Errorf("%s: volunteer_count %v, %d volunteers name it", id, o.VolunteerCount, members[id])
		}
	}

	// Names and titles: three languages, mostly different from each other,
	// and organizations the hub will not take for one another.
	titles := [3]map[string]bool{{}, {}, {}}
	for id, p := range pf.projects {
		for i, s := range []string{p.Title.KK, p.Title.RU, p.Title.EN} {
			if s == "" {
				t.Errorf("%s: a title is missing: %+v", id, p.Title)
			}
			titles[i][s] = true
		}
		if p.Description.EN == "" || strings.Contains(p.Description.KK+p.Description.RU, "lorem") {
			t.Errorf("%s: description %+v", id, p.Description)
		}
	}
	for i, lang := range []string{"kk", "ru", "en"} {
		if len(titles[i]) < len(pf.projects)*9/10 {
			t.Errorf("%d distinct %s titles among %d projects", len(titles[i]), lang, len(pf.projects))
		}
	}
	names := map[string]string{}
	for id, o := range pf.orgs {
		for _, n := range (&hub.Organization{Name: o.Name}).MatchNames() {
			if other, ok := names[o.Region+" "+n]; ok {
				t.Errorf("%s and %s share the name %q in %s: the hub would merge them", id, other, n, o.Region)
			}
			names[o.Region+" "+n] = id
		}
	}
	countries := map[string]bool{}
	for _, u := range pf.placements {
		countries[u.Country] = true
	}
	if len(countries) < 4 {
		t.Errorf("UN placements in %d countries", len(countries))
	}

	if m := twelveDigits.Find(all.Bytes()); m != nil {
		t.Errorf("a 12-digit number %s (an IIN or an invented BIN?)", m)
	}
	if bytes.Contains(all.Bytes(), []byte(`"iin"`)) {
		t.Error("an iin field")
	}
}

// TestScaleQuotesNoArticle holds the generated text to its promise: built
// from the articles' vocabulary, not from their sentences.
func TestScaleQuotesNoArticle(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "shared", "seeds", "*.txt"))
	if len(seeds) == 0 {
		t.Skip("the seed articles (../shared/seeds) are not next to this checkout")
	}
	sc, _ := ScaleNamed("region")
	var all bytes.Buffer
	for _, b := range generateScale(t, sc) {
		if b.Phase == PhaseProjects || b.Phase == PhaseOrganizations {
			all.Write(b.Body)
		}
	}
	split := regexp.MustCompile(`[.!?»—–\n]+`)
	for _, path := range seeds {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range split.Split(string(text), -1) {
			s = strings.TrimSpace(s)
			if len([]rune(s)) >= 40 && bytes.Contains(all.Bytes(), []byte(s)) {
				t.Errorf("%s: the generated text quotes %q", filepath.Base(path), s)
			}
		}
	}
}

func TestKKLatin(t *testing.T) {
	for in, want := range map[string]string{
		"саябақты тазалау":                "saıabaqty tazalaý",
		"Ұлы Жібек жолы":                  "Uly Jibek joly",
		"ұлттық ойындар фестивалі":        "ulttyq oıyndar festıvali",
		"Қазақстан халқы тілдерінің күні": "Qazaqstan halqy tilderiniń kúni",
	} {
		if got := kkLatin(in); got != want {
			t.Errorf("kkLatin(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkScaleRegion(b *testing.B) {
	sc, _ := ScaleNamed("region")
	for b.Loop() {
		if err := NewScaleGenerator(sc).Generate(func(ScaleBatch) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScaleRevisions checks the nightly snapshots after the first: each
// lists every record of the one before, in the same order, and changes
// about 1% of the volunteers, participations and projects, with a later
// updated_at and other content; every other line is the same bytes.
func TestScaleRevisions(t *testing.T) {
	t.Parallel()
	sc, err := ScaleNamed("region")
	if err != nil {
		t.Fatal(err)
	}
	lines := func(rev int) [][]byte {
		sc := sc
		sc.Revision = rev
		var out [][]byte
		for _, b := range generateScale(t, sc) {
			out = append(out, bytes.Split(bytes.TrimSuffix(b.Body, []byte("\n")), []byte("\n"))...)
		}
		return out
	}
	type line struct {
		Type, ID  string
		UpdatedAt string `json:"updated_at"`
		Data      json.RawMessage
	}
	prev := lines(0)
	for rev := 1; rev <= 2; rev++ {
		cur := lines(rev)
		if len(cur) != len(prev) {
			t.Fatalf("revision %d has %d lines, the one before %d", rev, len(cur), len(prev))
		}
		changed := map[string]int{}
		for i := range cur {
			if bytes.Equal(cur[i], prev[i]) {
				continue
			}
			var a, b line
			if err := json.Unmarshal(prev[i], &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(cur[i], &b); err != nil {
				t.Fatal(err)
			}
			if a.Type != b.Type || a.ID != b.ID {
				t.Fatalf("revision %d line %d is %s %s, the one before %s %s", rev, i+1, b.Type, b.ID, a.Type, a.ID)
			}
			if b.UpdatedAt != RevisionTime(rev) || bytes.Equal(a.Data, b.Data) {
				t.Fatalf("revision %d changed %s %s: updated_at %s (want %s), data changed: %v",
					rev, b.Type, b.ID, b.UpdatedAt, RevisionTime(rev), !bytes.Equal(a.Data, b.Data))
			}
			changed[b.Type]++
		}
		counts := NewScaleGenerator(sc).Counts()
		for _, typ := range []hub.RecordType{hub.TypeVolunteer, hub.TypeParticipation, hub.TypeProject} {
			share := float64(changed[string(typ)]) / float64(counts[typ])
			if share < 0.005 || share > 0.015 {
				t.Errorf("revision %d changed %d of %d %s records (%.2f%%), want about 1%%", rev, changed[string(typ)], counts[typ], typ, 100*share)
			}
		}
		for typ, n := range changed {
			if typ != string(hub.TypeVolunteer) && typ != string(hub.TypeParticipation) && typ != string(hub.TypeProject) {
				t.Errorf("revision %d changed %d %s records; only volunteers, participations and projects change", rev, n, typ)
			}
		}
		prev = cur
	}
}
