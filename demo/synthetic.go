package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/birgemiz/hub"
)

// SyntheticName is the source name of the synthetic feed.
const SyntheticName = "synthetic"

// ProjectsPerRegion is how many synthetic projects Synthetic makes in each region.
const ProjectsPerRegion = 3

// Synthetic returns a canonical NDJSON feed of made-up records for load and
// search tests: one organization and ProjectsPerRegion projects in each of the
// 20 regions, the given number of volunteers spread over all regions (the
// first 20 one per region, the rest weighted by population), and 1–5
// participations per volunteer in active or completed projects of the
// volunteer's region. About one volunteer in ten carries a personal part with
// a synthetic consent; none has an IIN. Every name and title says it is
// synthetic.
//
// The output depends only on seed and volunteers: the same arguments give
// the same bytes. Project counters (volunteers_engaged, volunteer_hours) and
// organization volunteer counts agree with the generated participations and
// memberships.
func Synthetic(seed int64, volunteers int) []byte {
	g := &generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
	g.build(max(volunteers, 0))
	return g.encode()
}

// Dates the generator works with. "now" is the demo's reference day, so
// statuses and dates stay consistent whenever the demo is loaded.
var (
	synNow       = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	synLastDay   = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC) // last day anything happened
	synFirstReg  = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	synFirstProj = time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)
)

type generator struct {
	rng      *rand.Rand
	orgs     []*synOrg
	projects []*synProject
	vols     []*synVolunteer
	parts    []*synParticipation
}

type synOrg struct {
	id   string
	data orgData
}

type synProject struct {
	id      string
	status  hub.ProjectStatus
	start   time.Time
	end     *time.Time
	engaged int // distinct volunteers taking part
	last    int // the last volunteer counted in engaged; a volunteer's participations are made together
	data    projectData
}

type synVolunteer struct {
	id   string
	data volunteerData
}

type synParticipation struct {
	id   string
	data participationData
}

func (g *generator) build(n int) {
	regions := hub.Regions()
	places := make([]place, len(regions))
	weights := make([]int, len(regions))
	for i, r := range regions {
		places[i] = placeFor(r.Code)
		weights[i] = places[i].weight
	}
	kinds := []hub.OrganizationKind{hub.OrgNGO, hub.OrgPublicFoundation, hub.OrgInitiativeGroup}

	// Organizations and projects, region by region; open holds each region's
	// projects that volunteers can have taken part in.
	open := make([][]*synProject, len(regions))
	for ri, r := range regions {
		slug := strings.ToLower(r.Code)
		founded := g.date(time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC))
		org := &synOrg{id: "synthetic-o-" + slug, data: orgData{
			Name: hub.LocalizedText{
				KK: "Синтетикалық ұйым " + r.Code,
				RU: "Синтетическая организация " + r.Code,
				EN: "Synthetic organization " + r.Code,
			},
			Kind:         string(kinds[ri%len(kinds)]),
			Region:       r.Code,
			Website:      "https://example.invalid/synthetic/" + slug,
			ContactEmail: "org-" + slug + "@example.invalid",
			Founded:      founded.Format(time.DateOnly),
		}}
		g.orgs = append(g.orgs, org)
		for k := range ProjectsPerRegion {
			p := g.project(len(g.projects)+1, r.Code, places[ri], org.id, k == 0)
			g.projects = append(g.projects, p)
			if p.status == hub.StatusActive || p.status == hub.StatusCompleted {
				open[ri] = append(open[ri], p)
			}
			if !slices.Contains(org.data.Directions, p.data.Directions[0]) {
				org.data.Directions = append(org.data.Directions, p.data.Directions[0])
			}
		}
	}

	// Volunteers and their participations.
	for num := 1; num <= n; num++ {
		ri := num - 1
		if ri >= len(regions) {
			ri = pickIndex(g.rng, weights)
		}
		g.volunteer(num, regions[ri].Code, g.orgs[ri], open[ri])
	}

	for _, p := range g.projects {
		if p.status == hub.StatusPlanned || p.status == hub.StatusCancelled {
			continue
		}
		p.data.VolunteersEngaged = ptr(p.engaged)
		p.data.VolunteersNeeded = ptr(p.engaged + g.rng.IntN(21))
	}
}

// project makes the num-th synthetic project. The first project of each
// region is always active or completed so that every region's volunteers
// have somewhere to take part.
func (g *generator) project(num int, code string, pl place, orgID string, open bool) *synProject {
	th := &themes[g.rng.IntN(len(themes))]
	topic := th.topics[g.rng.IntN(len(th.topics))]
	p := &synProject{id: fmt.Sprintf("synthetic-p-%03d", num)}

	switch x := g.rng.IntN(100); {
	case open && x < 60:
		p.status = hub.StatusActive
	case open:
		p.status = hub.StatusCompleted
	case x < 15:
		p.status = hub.StatusPlanned
	case x < 60:
		p.status = hub.StatusActive
	case x < 95:
		p.status = hub.StatusCompleted
	default:
		p.status = hub.StatusCancelled
	}
	switch p.status {
	case hub.StatusCompleted:
		p.start = g.date(synFirstProj, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))
		p.end = ptr(minTime(p.start.AddDate(0, 0, 7+g.rng.IntN(360)), synLastDay))
	case hub.StatusActive:
		p.start = g.date(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 10, 31, 0, 0, 0, 0, time.UTC))
		if g.rng.IntN(2) == 0 {
			p.end = ptr(g.date(synNow.AddDate(0, 1, 0), synNow.AddDate(1, 0, 0)))
		}
	case hub.StatusPlanned:
		p.start = g.date(synNow.AddDate(0, 0, 17), synNow.AddDate(0, 8, 0))
		p.end = ptr(p.start.AddDate(0, 0, 30+g.rng.IntN(90)))
	default:
		p.start = g.date(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC))
	}

	directions := []string{th.code}
	if g.rng.IntN(2) == 0 {
		directions = append(directions, th.words[g.rng.IntN(len(th.words))])
	}
	d := projectData{
		Title: hub.LocalizedText{
			KK: fmt.Sprintf("Синтетикалық жоба №%d: %s", num, topic.kk),
			RU: fmt.Sprintf("Синтетический проект №%d: %s", num, topic.ru),
			EN: fmt.Sprintf("Synthetic project %d: %s", num, topic.en),
		},
		Description: hub.LocalizedText{
			KK: fmt.Sprintf("Синтетикалық демо жазба, нақты жоба емес. %s қаласы: %s.", pl.kk, topic.kk),
			RU: fmt.Sprintf("Синтетическая демонстрационная запись, не реальный проект. Город %s: %s.", pl.ru, topic.ru),
			EN: fmt.Sprintf("Synthetic demo record, not a real project. %s: %s.", pl.en, topic.en),
		},
		OrganizationID: orgID,
		Region:         code,
		Locality:       pl.kk,
		Lat:            ptr(round4(pl.lat + (g.rng.Float64()-0.5)*0.04)),
		Lon:            ptr(round4(pl.lon + (g.rng.Float64()-0.5)*0.04)),
		Directions:     directions,
		Status:         string(p.status),
		StartDate:      p.start.Format(time.DateOnly),
		Tags:           []string{"synthetic", topic.latin},
	}
	if p.end != nil {
		d.EndDate = p.end.Format(time.DateOnly)
	}
	switch p.status {
	case hub.StatusPlanned:
		d.VolunteersNeeded = ptr(10 + g.rng.IntN(51))
	case hub.StatusActive, hub.StatusCompleted:
		d.Beneficiaries = ptr(g.rng.IntN(501))
		d.VolunteerHours = ptr(0.0)
	}
	// Birgemiz: Qamqor is the national programme's small-grant line for care projects.
	if qamqorThemes[th.code] && p.status != hub.StatusCancelled && g.rng.IntN(2) == 0 {
		d.GrantProgramme = "Birgemiz: Qamqor"
		d.GrantAmountKZT = ptr(int64(50+g.rng.IntN(251)) * 10_000)
	}
	p.data = d
	return p
}

// volunteer makes volunteer num of region code and 1–5 participations in open.
func (g *generator) volunteer(num int, code string, org *synOrg, open []*synProject) {
	id := fmt.Sprintf("synthetic-v-%06d", num)
	reg := g.date(synFirstReg, synLastDay)

	var firstDir string
	for k := range 1 + g.rng.IntN(5) {
		p := open[g.rng.IntN(len(open))]
		if firstDir == "" {
			firstDir = p.data.Directions[0]
		}
		last := synLastDay
		if p.end != nil && p.end.Before(last) {
			last = *p.end
		}
		start := g.date(p.start, last)
		end := minTime(start.AddDate(0, 0, g.rng.IntN(31)), last)
		hours := 2 + float64(g.rng.IntN(79))/2
		reg = minTime(reg, start)
		if p.last != num {
			p.engaged, p.last = p.engaged+1, num
		}
		*p.data.VolunteerHours += hours
		g.parts = append(g.parts, &synParticipation{
			id: fmt.Sprintf("synthetic-pa-%06d-%d", num, k+1),
			data: participationData{
				VolunteerID: id,
				ProjectID:   p.id,
				Role:        roles[pickIndex(g.rng, roleWeights)],
				Hours:       hours,
				StartDate:   start.Format(time.DateOnly),
				EndDate:     end.Format(time.DateOnly),
			},
		})
	}

	d := volunteerData{
		Region:       code,
		Gender:       string(genders[pickIndex(g.rng, genderWeights)]),
		BirthDate:    g.date(time.Date(1955, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2008, 12, 31, 0, 0, 0, 0, time.UTC)).Format(time.DateOnly),
		Languages:    languageSets[pickIndex(g.rng, languageWeights)],
		Skills:       g.pick(skills, 1+g.rng.IntN(3)),
		Directions:   g.volunteerDirections(firstDir),
		RegisteredAt: reg.Format(time.DateOnly),
		Status:       string(hub.VolunteerActive),
	}
	if g.rng.IntN(100) < 15 {
		d.Status = string(hub.VolunteerInactive)
	}
	if g.rng.IntN(100) < 60 {
		d.OrganizationIDs = []string{org.id}
		org.data.VolunteerCount++
	}
	if g.rng.IntN(10) == 0 {
		digits := fmt.Sprintf("%07d", num)
		d.FullName = fmt.Sprintf("Synthetic Volunteer %06d", num)
		d.Email = fmt.Sprintf("v%06d@example.invalid", num)
		d.Phone = "+7 700 " + digits[:3] + " " + digits[3:5] + " " + digits[5:]
		d.ConsentRef = fmt.Sprintf("synthetic-consent-%06d", num)
		d.ConsentAt = reg.Format(time.DateOnly)
	}
	g.vols = append(g.vols, &synVolunteer{id: id, data: d})
}

// volunteerDirections returns 1–3 distinct directions starting with first,
// each written as its code or, now and then, as one of its category words.
func (g *generator) volunteerDirections(first string) []string {
	codes := []string{first}
	for range g.rng.IntN(3) {
		c := themes[g.rng.IntN(len(themes))].code
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	for i, c := range codes {
		if g.rng.IntN(10) < 3 {
			th := themeFor(c)
			codes[i] = th.words[g.rng.IntN(len(th.words))]
		}
	}
	return codes
}

// date returns a uniformly random day in [lo, hi].
func (g *generator) date(lo, hi time.Time) time.Time {
	days := int(hi.Sub(lo).Hours() / 24)
	return lo.AddDate(0, 0, g.rng.IntN(days+1))
}

// pick returns k distinct items of list in list order.
func (g *generator) pick(list []string, k int) []string { return pickStrings(g.rng, list, k) }

func (g *generator) encode() []byte {
	var buf bytes.Buffer
	buf.Grow(600*len(g.projects) + 350*len(g.vols) + 200*len(g.parts))
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	put := func(typ hub.RecordType, id string, data any) {
		// Every value is a plain struct of strings, numbers and slices: it cannot fail to encode.
		if err := enc.Encode(feedLine{Type: string(typ), ID: id, Op: string(hub.OpUpsert), UpdatedAt: UpdatedAt, Data: data}); err != nil {
			panic("demo: " + err.Error())
		}
	}
	for _, o := range g.orgs {
		put(hub.TypeOrganization, o.id, &o.data)
	}
	for _, p := range g.projects {
		put(hub.TypeProject, p.id, &p.data)
	}
	for _, v := range g.vols {
		put(hub.TypeVolunteer, v.id, &v.data)
	}
	for _, p := range g.parts {
		put(hub.TypeParticipation, p.id, &p.data)
	}
	return buf.Bytes()
}

// feedLine is the canonical feed envelope.
type feedLine struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Op        string `json:"op"`
	UpdatedAt string `json:"updated_at"`
	Data      any    `json:"data"`
}

type orgData struct {
	Name           hub.LocalizedText `json:"name"`
	Kind           string            `json:"kind"`
	Region         string            `json:"region"`
	Directions     []string          `json:"directions"`
	Website        string            `json:"website"`
	ContactEmail   string            `json:"contact_email"`
	Founded        string            `json:"founded"`
	VolunteerCount int               `json:"volunteer_count"`
}

type projectData struct {
	Title             hub.LocalizedText `json:"title"`
	Description       hub.LocalizedText `json:"description"`
	OrganizationID    string            `json:"organization_id"`
	Region            string            `json:"region"`
	Locality          string            `json:"locality"`
	Lat               *float64          `json:"lat"`
	Lon               *float64          `json:"lon"`
	Directions        []string          `json:"directions"`
	Status            string            `json:"status"`
	StartDate         string            `json:"start_date"`
	EndDate           string            `json:"end_date,omitempty"`
	VolunteersNeeded  *int              `json:"volunteers_needed,omitempty"`
	VolunteersEngaged *int              `json:"volunteers_engaged,omitempty"`
	VolunteerHours    *float64          `json:"volunteer_hours,omitempty"`
	Beneficiaries     *int              `json:"beneficiaries,omitempty"`
	GrantProgramme    string            `json:"grant_programme,omitempty"`
	GrantAmountKZT    *int64            `json:"grant_amount_kzt,omitempty"`
	Tags              []string          `json:"tags"`
}

type volunteerData struct {
	Region          string   `json:"region"`
	Gender          string   `json:"gender"`
	BirthDate       string   `json:"birth_date"`
	Languages       []string `json:"languages"`
	Skills          []string `json:"skills"`
	Directions      []string `json:"directions"`
	RegisteredAt    string   `json:"registered_at"`
	Status          string   `json:"status"`
	OrganizationIDs []string `json:"organization_ids,omitempty"`
	FullName        string   `json:"full_name,omitempty"`
	Phone           string   `json:"phone,omitempty"`
	Email           string   `json:"email,omitempty"`
	ConsentRef      string   `json:"consent_ref,omitempty"`
	ConsentAt       string   `json:"consent_at,omitempty"`
}

type participationData struct {
	VolunteerID string  `json:"volunteer_id"`
	ProjectID   string  `json:"project_id"`
	Role        string  `json:"role"`
	Hours       float64 `json:"hours"`
	StartDate   string  `json:"start_date"`
	EndDate     string  `json:"end_date"`
}

// place is a region's administrative centre, where its synthetic projects
// are put, and the region's rough share of the population (tens of thousands).
type place struct {
	code       string
	kk, ru, en string
	lat, lon   float64
	weight     int
}

var regionPlaces = []place{
	{"KZ-10", "Семей", "Семей", "Semey", 50.4111, 80.2275, 60},
	{"KZ-11", "Көкшетау", "Кокшетау", "Kokshetau", 53.2833, 69.3833, 78},
	{"KZ-15", "Ақтөбе", "Актобе", "Aktobe", 50.2839, 57.1670, 93},
	{"KZ-19", "Қонаев", "Конаев", "Konaev", 43.8667, 77.0667, 150},
	{"KZ-23", "Атырау", "Атырау", "Atyrau", 47.1167, 51.8833, 70},
	{"KZ-27", "Орал", "Уральск", "Oral", 51.2333, 51.3667, 69},
	{"KZ-31", "Тараз", "Тараз", "Taraz", 42.9000, 71.3667, 120},
	{"KZ-33", "Талдықорған", "Талдыкорган", "Taldykorgan", 45.0167, 78.3667, 70},
	{"KZ-35", "Қарағанды", "Караганда", "Karaganda", 49.8047, 73.1094, 113},
	{"KZ-39", "Қостанай", "Костанай", "Kostanay", 53.2144, 63.6246, 83},
	{"KZ-43", "Қызылорда", "Кызылорда", "Kyzylorda", 44.8528, 65.5092, 83},
	{"KZ-47", "Ақтау", "Актау", "Aktau", 43.6500, 51.1500, 78},
	{"KZ-55", "Павлодар", "Павлодар", "Pavlodar", 52.2873, 76.9674, 75},
	{"KZ-59", "Петропавл", "Петропавловск", "Petropavl", 54.8667, 69.1500, 53},
	{"KZ-61", "Түркістан", "Туркестан", "Turkistan", 43.3000, 68.2500, 210},
	{"KZ-62", "Жезқазған", "Жезказган", "Zhezkazgan", 47.7833, 67.7000, 22},
	{"KZ-63", "Өскемен", "Усть-Каменогорск", "Oskemen", 49.9483, 82.6275, 72},
	{"KZ-71", "Астана", "Астана", "Astana", 51.1694, 71.4491, 140},
	{"KZ-75", "Алматы", "Алматы", "Almaty", 43.2383, 76.9456, 220},
	{"KZ-79", "Шымкент", "Шымкент", "Shymkent", 42.3167, 69.5958, 120},
}

func placeFor(code string) place {
	for _, p := range regionPlaces {
		if p.code == code {
			return p
		}
	}
	panic("demo: no synthetic place for region " + code) // hub.Regions() and places disagree
}

// topic is a realistic project theme in three languages, plus the Kazakh in
// Latin script (2018 alphabet) as a tag for transliteration search tests.
type topic struct{ kk, ru, en, latin string }

// theme is a direction with its category words (all in the hub's
// vocabulary, see hub.DirectionForWord) and project topics.
type theme struct {
	code   string
	words  []string
	topics []topic
}

var themes = []theme{
	{"EDUCATION", []string{"образовательное", "білім беру", "Birgemiz: Bilim"}, []topic{
		{"мектеп оқушыларына репетиторлық", "репетиторство для школьников", "tutoring for schoolchildren", "mektep oqýshylaryna repetıtorlyq"},
		{"аудандық кітапханадағы оқу клубы", "читательский клуб в районной библиотеке", "reading club at the district library", "aýdandyq kitaphanadaǵy oqý klýby"},
	}},
	{"HEALTHCARE", []string{"медицинское", "денсаулық сақтау", "Birgemiz: Saýlyq"}, []topic{
		{"донорлық қан тапсыру күні", "день донора крови", "blood donor day", "donorlyq qan tapsyrý kúni"},
		{"емханада науқастарға көмек", "помощь пациентам в поликлинике", "helping patients at a polyclinic", "emhanada naýqastarǵa kómek"},
	}},
	{"ECOLOGY", []string{"экологическое", "таза әлем", "Birgemiz: Taza Álem"}, []topic{
		{"саябақты тазалау", "уборка парка", "park clean-up", "saıabaqty tazalaý"},
		{"ағаш отырғызу", "посадка деревьев", "tree planting", "aǵash otyrǵyzý"},
	}},
	{"SOCIAL_SUPPORT", []string{"наставничество", "әлеуметтік көмек", "Birgemiz: Qamqor"}, []topic{
		{"көп балалы отбасыларға азық-түлік себеті", "продуктовые наборы для многодетных семей", "food parcels for large families", "kóp balaly otbasylarǵa azyq-túlik sebeti"},
		{"балалар үйі түлектеріне тәлімгерлік", "наставничество для выпускников детских домов", "mentoring young people leaving children's homes", "balalar úıi túlekterine tálimgerlik"},
	}},
	{"EMERGENCY", []string{"ЧС", "төтенше жағдайлар"}, []topic{
		{"су тасқынынан зардап шеккендерге көмек", "помощь пострадавшим от паводка", "flood relief", "sý tasqynynan zardap shekkenderge kómek"},
		{"гуманитарлық көмек жинау пункті", "пункт сбора гуманитарной помощи", "humanitarian aid collection point", "gýmanıtarlyq kómek jınaý pýnkti"},
	}},
	{"ELDERLY_CARE", []string{"помощь пожилым", "күміс волонтерлік"}, []topic{
		{"қарттарға бару", "посещение пожилых людей", "elderly visits", "qarttarǵa barý"},
		{"зейнеткерлерге цифрлық сауаттылық", "цифровая грамотность для пенсионеров", "digital skills for pensioners", "zeınetkerlerge tsıfrlyq saýattylyq"},
	}},
	{"SPECIAL_NEEDS", []string{"инклюзия", "инклюзивті"}, []topic{
		{"пандустар орнату", "установка пандусов", "installing ramps", "pandýstar ornatý"},
		{"ерекше балаларға арналған инклюзивті спорт", "инклюзивный спорт для особенных детей", "inclusive sport for children with special needs", "ınklıýzıvti sport"},
	}},
	{"CULTURAL_HERITAGE", []string{"культурное наследие", "тарихи мұра"}, []topic{
		{"тарихи ескерткіштерді күту", "уход за историческими памятниками", "caring for historical monuments", "tarıhı eskertkishterdi kútý"},
		{"өлкетану мұражайында экскурсиялар", "экскурсии в краеведческом музее", "tours at the local history museum", "ólketaný murajaıynda ekskýrsıalar"},
	}},
	{"LEGAL_AID", []string{"правовая помощь", "заңгерлік көмек"}, []topic{
		{"тұрғындарға тегін заң кеңесі", "бесплатные юридические консультации для жителей", "free legal advice for residents", "turǵyndarǵa tegin zań keńesi"},
		{"мектептерде құқықтық сауаттылық сабақтары", "уроки правовой грамотности в школах", "legal literacy lessons in schools", "mektepterde quqyqtyq saýattylyq sabaqtary"},
	}},
	{"EVENTS", []string{"событийное", "іс-шаралар"}, []topic{
		{"Наурыз мерекесіндегі волонтерлер", "волонтеры на празднике Наурыз", "volunteers at the Nauryz festival", "Naýryz merekesindegi volonterler"},
		{"жастар форумын ұйымдастыру", "организация молодежного форума", "organising a youth forum", "jastar forýmyn uıymdastyrý"},
	}},
	{"ANIMAL_WELFARE", []string{"зооволонтерство", "жануарларды қорғау"}, []topic{
		{"үйсіз жануарлар баспанасына көмек", "помощь приюту для бездомных животных", "helping a shelter for stray animals", "úısiz janýarlar baspanasyna kómek"},
		{"иттерді асырап алу күні", "день пристройства собак", "dog adoption day", "ıtterdi asyrap alý kúni"},
	}},
	{"ETHNO", []string{"этноволонтерство", "этноволонтерлік"}, []topic{
		{"этномәдени бірлестіктер фестивалі", "фестиваль этнокультурных объединений", "festival of ethnocultural associations", "etnomádenı birlestikter festıvali"},
		{"қазақ тілінде сөйлесу клубы", "разговорный клуб казахского языка", "Kazakh conversation club", "qazaq tilinde sóılesý klýby"},
	}},
	{"MEDIA_ONLINE", []string{"медиаволонтерство", "онлайн"}, []topic{
		{"волонтерлерге арналған медиамектеп", "медиашкола для волонтеров", "media school for volunteers", "volonterlerge arnalǵan medıamektep"},
		{"онлайн кеңес беру желісі", "онлайн-линия консультаций", "online help line", "onlaın keńes berý jelisi"},
	}},
	{"SPORTS", []string{"спортивное волонтерство", "спорт"}, []topic{
		{"қалалық марафондағы волонтерлер", "волонтеры на городском марафоне", "volunteers at the city marathon", "qalalyq marafondaǵy volonterler"},
		{"аулалық футбол турнирі", "дворовый турнир по футболу", "neighbourhood football tournament", "aýlalyq fýtbol týrnıri"},
	}},
}

func themeFor(code string) *theme {
	for i := range themes {
		if themes[i].code == code {
			return &themes[i]
		}
	}
	panic("demo: no synthetic theme for direction " + code)
}

var (
	qamqorThemes = map[string]bool{"SOCIAL_SUPPORT": true, "ELDERLY_CARE": true, "SPECIAL_NEEDS": true, "HEALTHCARE": true}

	roles       = []string{"волонтер", "координатор", "тәлімгер", "фотограф", "жүргізуші"}
	roleWeights = []int{70, 10, 10, 5, 5}

	genders       = []hub.Gender{hub.GenderFemale, hub.GenderMale, hub.GenderUnknown}
	genderWeights = []int{54, 44, 2}

	languageSets    = [][]string{{"kk", "ru"}, {"kk"}, {"ru"}, {"kk", "ru", "en"}}
	languageWeights = []int{50, 20, 15, 15}

	skills = []string{"первая помощь", "SMM", "фотосъемка", "вождение", "английский язык", "юриспруденция",
		"педагогика", "ағылшын тілі", "дизайн", "организация мероприятий", "работа с детьми", "IT"}
)

func pickIndex(rng *rand.Rand, weights []int) int {
	var sum int
	for _, w := range weights {
		sum += w
	}
	x := rng.IntN(sum)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func ptr[T any](v T) *T { return &v }

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}
