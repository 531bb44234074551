package chaos_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// feedSpec describes a generated NDJSON feed.
type feedSpec struct {
	Prefix  string // prefix of every id, so feeds with different prefixes never touch each other's records
	Num     int    // 1–89, distinct per feed in one database: it keeps BINs, IINs and phones unique across feeds
	Records int    // non-blank lines
	Seed    uint64
	// Clean leaves out what a second application would count other than
	// unchanged: updates, stale lines, repeated lines, deletes of records the
	// feed sent, and rejected lines. Deletes of unknown ids and volunteers
	// sending personal data without consent stay: both count as applied.
	Clean bool
}

// feedStats counts what the generator wrote, to show the mix in the logs.
type feedStats struct {
	Lines, Blank                                          int
	New                                                   map[string]int
	ForwardRefs, Consent, NoConsent                       int
	Updates, Stale, Repeats, Deletes, UnknownDeletes, Bad int
}

func (s feedStats) String() string {
	return fmt.Sprintf("%d records (%d blank lines): new %v, %d forward references, volunteers %d with consent and %d sending personal data without it, "+
		"%d updates, %d stale lines, %d repeated lines, %d deletes, %d deletes of unknown ids, %d rejected lines",
		s.Lines, s.Blank, s.New, s.ForwardRefs, s.Consent, s.NoConsent, s.Updates, s.Stale, s.Repeats, s.Deletes, s.UnknownDeletes, s.Bad)
}

// key is a record the generator has sent.
type key struct {
	typ, id  string
	index    int
	maxAt    time.Time // the newest updated_at sent for it
	variant  int
	lastLine []byte
}

type generator struct {
	spec  feedSpec
	r     *rand.Rand
	out   bytes.Buffer
	clock time.Time
	n     map[string]int // records created so far, by type
	keys  []*key
	stats feedStats
}

var (
	regions   = []string{"KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79"}
	dirWords  = []string{"ECOLOGY", "education", "экологическое", "білім беру", "Taza Álem", "Birgemiz: Qamqor", "Saýlyq", "HEALTHCARE", "спорт", "этноволонтерство", "SOCIAL_SUPPORT", "онлайн"}
	orgKinds  = []string{"NGO", "public foundation", "Initiative-Group", "STATE_BODY", "university", "OTHER"}
	statuses  = []string{"PLANNED", "ACTIVE", "COMPLETED", "cancelled"}
	genders   = []string{"female", "male", "OTHER", "unknown"}
	hosts     = []string{"UNDP", "UNICEF", "UNHCR", "WFP", "WHO"}
	countries = []string{"KE", "JO", "TJ", "KG", "UZ", "ET", "TR"}
)

// genFeed writes a deterministic feed: organizations; projects that name
// organizations, some of which appear only later in the feed (or never);
// volunteers with and without consent to store their personal data;
// participations and UN placements that name volunteers and projects, also
// ahead of them; indicators; and, unless spec.Clean, updates, stale lines,
// repeated lines, deletes and rejected lines.
func genFeed(spec feedSpec) ([]byte, feedStats) {
	g := &generator{spec: spec, r: rand.New(rand.NewPCG(spec.Seed, uint64(spec.Num))),
		clock: time.Date(2026, 1, 10, 6, 0, 0, 0, time.UTC), n: map[string]int{}}
	g.stats.New = map[string]int{}
	for g.stats.Lines < spec.Records {
		if !spec.Clean && g.r.IntN(150) == 0 {
			g.out.WriteString("\n") // a blank line counts in line numbers, not in records
			g.stats.Blank++
		}
		g.line()
		g.stats.Lines++
	}
	return g.out.Bytes(), g.stats
}

func (g *generator) now() time.Time {
	g.clock = g.clock.Add(time.Duration(1+g.r.IntN(90)) * time.Second)
	return g.clock
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) id(typ string, i int) string {
	return fmt.Sprintf("%s-%s-%d", g.spec.Prefix, typ, i)
}

// ref names a record of typ: usually one already sent, sometimes one the
// feed sends later (or never: a reference that stays dangling).
func (g *generator) ref(typ string) string {
	n := g.n[typ]
	if n == 0 || g.r.IntN(8) == 0 {
		g.stats.ForwardRefs++
		return g.id(typ, n+1+g.r.IntN(40))
	}
	return g.id(typ, 1+g.r.IntN(n))
}

func (g *generator) emit(typ, id, op string, at time.Time, data map[string]any) []byte {
	line := map[string]any{"type": typ, "id": id, "updated_at": at.Format(time.RFC3339)}
	if op != "" {
		line["op"] = op
	}
	if data != nil {
		line["data"] = data
	}
	b, err := json.Marshal(line)
	if err != nil {
		panic(err)
	}
	g.out.Write(b)
	g.out.WriteByte('\n')
	return b
}

func (g *generator) line() {
	roll := g.r.IntN(100)
	if g.spec.Clean {
		roll = g.r.IntN(81) // only new records and deletes of unknown ids
	}
	switch {
	case roll < 9:
		g.create("organization")
	case roll < 30:
		g.create("project")
	case roll < 52:
		g.create("volunteer")
	case roll < 72:
		g.create("participation")
	case roll < 76:
		g.create("un_placement")
	case roll < 79:
		g.create("indicator")
	case roll < 81:
		g.stats.UnknownDeletes++
		g.emit(g.pick([]string{"organization", "project", "volunteer", "participation"}), g.spec.Prefix+"-gone-"+fmt.Sprint(g.r.IntN(1_000_000)), "delete", g.now(), nil)
	case roll < 87 && len(g.keys) > 0:
		k := g.keys[g.r.IntN(len(g.keys))]
		k.variant++
		k.maxAt = g.now()
		k.lastLine = g.emit(k.typ, k.id, "upsert", k.maxAt, g.data(k.typ, k.index, k.variant))
		g.stats.Updates++
	case roll < 91 && len(g.keys) > 0:
		k := g.keys[g.r.IntN(len(g.keys))]
		g.emit(k.typ, k.id, "", k.maxAt.Add(-time.Duration(1+g.r.IntN(3600))*time.Second), g.data(k.typ, k.index, k.variant+100))
		g.stats.Stale++
	case roll < 93 && len(g.keys) > 0:
		k := g.keys[g.r.IntN(len(g.keys))]
		g.out.Write(k.lastLine)
		g.out.WriteByte('\n')
		g.stats.Repeats++
	case roll < 97 && len(g.keys) > 0:
		k := g.keys[g.r.IntN(len(g.keys))]
		k.maxAt = g.now()
		k.lastLine = g.emit(k.typ, k.id, "delete", k.maxAt, nil)
		g.stats.Deletes++
	default:
		g.bad()
	}
}

func (g *generator) create(typ string) {
	g.n[typ]++
	i := g.n[typ]
	k := &key{typ: typ, id: g.id(typ, i), index: i, maxAt: g.now()}
	k.lastLine = g.emit(typ, k.id, "", k.maxAt, g.data(typ, i, 0))
	g.keys = append(g.keys, k)
	g.stats.New[typ]++
}

// bad writes a line the hub rejects, under an id used nowhere else.
func (g *generator) bad() {
	g.stats.Bad++
	id := fmt.Sprintf("%s-bad-%d", g.spec.Prefix, g.stats.Bad)
	at := g.now().Format(time.RFC3339)
	switch g.r.IntN(5) {
	case 0:
		fmt.Fprintf(&g.out, `{"type":"project","id":%q,"updated_at":%q,"data":{"title":{"ru":"Обрыв"`+"\n", id, at)
	case 1:
		fmt.Fprintf(&g.out, `{"type":"project","id":%q,"updated_at":%q,"data":{"title":{"ru":"Т"},"region":"KZ-99","status":"ACTIVE"}}`+"\n", id, at)
	case 2:
		fmt.Fprintf(&g.out, `{"type":"project","id":%q,"updated_at":%q,"data":{"title":{"ru":"Т"},"region":"KZ-71","status":"ACTIVE","directions":["космонавтика"]}}`+"\n", id, at)
	case 3:
		fmt.Fprintf(&g.out, `{"type":"organization","id":%q,"updated_at":%q,"data":{"name":{"en":"N"},"bin":"12345"}}`+"\n", id, at)
	default:
		fmt.Fprintf(&g.out, `{"type":"event","id":%q,"updated_at":%q,"data":{}}`+"\n", id, at)
	}
}

func (g *generator) dirs() []string {
	out := []string{}
	for range 1 + g.r.IntN(3) {
		out = append(out, g.pick(dirWords))
	}
	return out
}

func date(y, m, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }

// data is the content of record i of typ; variant changes it.
func (g *generator) data(typ string, i, variant int) map[string]any {
	p, num := g.spec.Prefix, g.spec.Num
	switch typ {
	case "organization":
		d := map[string]any{
			"name":            map[string]any{"kk": fmt.Sprintf("«Жарық %s-%d» қоғамдық бірлестігі", p, i), "ru": fmt.Sprintf("Объединение «Свет %s-%d»", p, i)},
			"kind":            g.pick(orgKinds),
			"region":          g.pick(regions),
			"directions":      g.dirs(),
			"volunteer_count": 10*i + variant,
			"founded":         date(1995+i%30, 1+i%12, 1+i%28),
		}
		if i%3 != 0 {
			d["bin"] = fmt.Sprintf("%02d%010d", num, i)
			d["website"] = fmt.Sprintf("https://%s-%d.example.org", p, i)
		}
		return d
	case "project":
		d := map[string]any{
			"title":             map[string]any{"kk": fmt.Sprintf("Жоба %s-%d", p, i), "en": fmt.Sprintf("Project %s-%d v%d", p, i, variant)},
			"organization_id":   g.ref("organization"),
			"region":            g.pick(regions),
			"status":            g.pick(statuses),
			"directions":        g.dirs(),
			"start_date":        date(2025, 1+i%12, 1+i%28),
			"end_date":          date(2026, 1+i%12, 1+i%28),
			"volunteers_needed": 5 + i%200 + variant,
			"tags":              []string{"тег-" + fmt.Sprint(i%17), "субботник"},
		}
		if i%4 == 0 {
			d["lat"], d["lon"] = 43.0+float64(i%900)/100, 51.0+float64(i%2800)/100
			d["description"] = map[string]any{"ru": strings.Repeat("Описание проекта. ", 1+i%5)}
		}
		return d
	case "volunteer":
		d := map[string]any{
			"region":           g.pick(regions),
			"gender":           g.pick(genders),
			"birth_date":       date(1960+i%45, 1+i%12, 1+i%28),
			"languages":        []string{"kk", "ru"},
			"skills":           []string{fmt.Sprintf("skill-%d", (i+variant)%23)},
			"directions":       g.dirs(),
			"registered_at":    date(2020+i%6, 1+i%12, 1+i%28),
			"organization_ids": []string{g.ref("organization"), g.ref("organization")},
		}
		switch i % 5 {
		case 0, 1: // with consent: the personal part is stored
			d["full_name"] = fmt.Sprintf("Волонтёр %s-%d", p, i)
			d["phone"] = fmt.Sprintf("+7 7%02d %07d", num, i)
			d["email"] = fmt.Sprintf("v%d@%s.example.kz", i, p)
			d["iin"] = fmt.Sprintf("%02d%010d", num+10, i)
			d["consent_ref"] = fmt.Sprintf("consent-%s-%d", p, i)
			d["consent_at"] = "2025-03-01T09:00:00+05:00"
			g.stats.Consent++
		case 2: // personal data without consent: refused, the public part applies
			d["full_name"] = fmt.Sprintf("Без согласия %s-%d", p, i)
			d["iin"] = fmt.Sprintf("%02d%010d", num+10, i)
			g.stats.NoConsent++
		}
		return d
	case "participation":
		return map[string]any{
			"volunteer_id": g.ref("volunteer"),
			"project_id":   g.ref("project"),
			"role":         g.pick([]string{"volunteer", "team leader", "coordinator"}),
			"hours":        float64(i%40) + 0.5*float64(variant%2),
			"start_date":   date(2025, 1+i%12, 1+i%28),
		}
	case "un_placement":
		d := map[string]any{
			"host_entity": g.pick(hosts),
			"country":     g.pick(countries),
			"status":      g.pick(statuses),
			"title":       map[string]any{"en": fmt.Sprintf("Assignment %s-%d v%d", p, i, variant)},
			"sdgs":        []int{1 + i%17, 1 + (i+5)%17},
			"start_date":  date(2024, 1+i%12, 1),
		}
		if i%2 == 0 {
			d["volunteer_id"] = g.ref("volunteer")
		}
		return d
	case "indicator":
		return map[string]any{
			"metric": fmt.Sprintf("volunteers_%s_%d", strings.ToLower(strings.ReplaceAll(p, "-", "_")), i),
			"value":  1000*i + variant,
			"unit":   "people",
			"period": fmt.Sprint(2015 + i%10),
			"region": g.pick(regions),
		}
	}
	panic("unknown type " + typ)
}
