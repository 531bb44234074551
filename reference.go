package hub

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// Region is a first-level administrative unit of Kazakhstan, identified by
// its ISO 3166-2:KZ code.
type Region struct {
	Code string        // ISO 3166-2:KZ, e.g. "KZ-11"
	Kind RegionKind    // REGION or CITY
	Name LocalizedText // official names
}

// RegionKind says whether a region is an oblast or a city of republican significance.
type RegionKind string

// Region kinds.
const (
	RegionKindRegion RegionKind = "REGION"
	RegionKindCity   RegionKind = "CITY"
)

// Direction is a canonical volunteering direction with a stable code.
type Direction struct {
	Code string
	Name LocalizedText
}

// ReferenceService reads the reference data shipped with the hub.
type ReferenceService interface {
	// FindRegions returns all regions ordered by code.
	FindRegions(ctx context.Context) ([]*Region, error)
	// FindDirections returns all directions ordered by code.
	FindDirections(ctx context.Context) ([]*Direction, error)
}

// Regions returns the 20 first-level units (17 regions and 3 cities) in code
// order. It is the one source of the region reference data: migrations
// write it to PostgreSQL and feed validation checks codes against it.
func Regions() []Region {
	r := func(code, kk, ru, en string) Region {
		return Region{Code: code, Kind: RegionKindRegion, Name: LocalizedText{KK: kk, RU: ru, EN: en}}
	}
	c := func(code, kk, ru, en string) Region {
		return Region{Code: code, Kind: RegionKindCity, Name: LocalizedText{KK: kk, RU: ru, EN: en}}
	}
	return []Region{
		r("KZ-10", "Абай облысы", "Абайская область", "Abai Region"),
		r("KZ-11", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
		r("KZ-15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
		r("KZ-19", "Алматы облысы", "Алматинская область", "Almaty Region"),
		r("KZ-23", "Атырау облысы", "Атырауская область", "Atyrau Region"),
		r("KZ-27", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"),
		r("KZ-31", "Жамбыл облысы", "Жамбылская область", "Zhambyl Region"),
		r("KZ-33", "Жетісу облысы", "Жетысуская область", "Zhetysu Region"),
		r("KZ-35", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
		r("KZ-39", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
		r("KZ-43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
		r("KZ-47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
		r("KZ-55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
		r("KZ-59", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region"),
		r("KZ-61", "Түркістан облысы", "Туркестанская область", "Turkistan Region"),
		r("KZ-62", "Ұлытау облысы", "Улытауская область", "Ulytau Region"),
		r("KZ-63", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"),
		c("KZ-71", "Астана", "Астана", "Astana"),
		c("KZ-75", "Алматы", "Алматы", "Almaty"),
		c("KZ-79", "Шымкент", "Шымкент", "Shymkent"),
	}
}

// regionCodes is the set of region codes, built once: validation checks
// every record against it.
var regionCodes = func() map[string]bool {
	m := make(map[string]bool)
	for _, r := range Regions() {
		m[r.Code] = true
	}
	return m
}()

// IsRegionCode reports whether code is one of the 20 ISO 3166-2:KZ codes the hub knows.
func IsRegionCode(code string) bool { return regionCodes[code] }

// directionDefs is the direction vocabulary: code, names, and the category
// words (Russian, Kazakh in both scripts, the national programme's
// sub-platform names) that sources commonly use for it. Words are stored
// normalized (see NormalizeCategoryWord).
var directionDefs = []struct {
	code  string
	name  LocalizedText
	words []string
}{
	{"ANIMAL_WELFARE", LocalizedText{"Жануарларды қорғау", "Защита животных", "Animal welfare"},
		[]string{"зооволонтерство", "защита животных", "помощь животным", "жануарларды қорғау", "зооволонтерлік"}},
	{"CULTURAL_HERITAGE", LocalizedText{"Рухани-мәдени және тарихи мұра", "Сохранение духовно-культурных и исторических ценностей", "Cultural and historical heritage"},
		[]string{"культурное наследие", "сохранение культурного наследия", "историческое наследие", "мәдени мұра", "рухани-мәдени мұра", "тарихи мұра"}},
	{"EDUCATION", LocalizedText{"Білім беру", "Образовательное волонтерство", "Education"},
		[]string{"образовательное", "образование", "образовательное волонтерство", "білім", "білім беру", "bilim", "birgemiz bilim"}},
	{"ELDERLY_CARE", LocalizedText{"Қарт адамдарға көмек", "Помощь пожилым людям", "Elderly care"},
		[]string{"помощь пожилым", "помощь пожилым людям", "серебряное волонтерство", "қарттарға көмек", "қарт адамдарға көмек", "күміс волонтерлік"}},
	{"EMERGENCY", LocalizedText{"Төтенше жағдайлар", "Ликвидация чрезвычайных ситуаций и техногенных катастроф", "Emergencies and disasters"},
		[]string{"чрезвычайные ситуации", "чс", "ликвидация чрезвычайных ситуаций", "спасательное", "төтенше жағдай", "төтенше жағдайлар", "тж"}},
	{"ETHNO", LocalizedText{"Этноволонтерлік", "Этноволонтерство", "Ethno-volunteering"},
		[]string{"этноволонтерство", "этноволонтерлік", "этно"}},
	{"EVENTS", LocalizedText{"Іс-шаралар волонтерлігі", "Событийное волонтерство", "Event volunteering"},
		[]string{"событийное", "событийное волонтерство", "іс-шаралар", "мероприятия"}},
	{"HEALTHCARE", LocalizedText{"Медициналық волонтерлік", "Медицинское волонтерство", "Healthcare"},
		[]string{"медицинское", "здравоохранение", "медицинское волонтерство", "медициналық", "денсаулық сақтау", "saýlyq", "saulyq", "birgemiz saýlyq", "birgemiz saulyq"}},
	{"LEGAL_AID", LocalizedText{"Құқықтық көмек", "Правовая помощь населению", "Legal aid"},
		[]string{"правовое", "правовая помощь", "юридическая помощь", "юридическое", "құқықтық көмек", "заңгерлік көмек"}},
	{"MEDIA_ONLINE", LocalizedText{"Медиа және онлайн волонтерлік", "Медиа- и онлайн-волонтерство", "Media and online volunteering"},
		[]string{"медиаволонтерство", "онлайн-волонтерство", "онлайн", "медиа", "медиаволонтерлік"}},
	{"SOCIAL_SUPPORT", LocalizedText{"Қиын өмірлік жағдайдағы адамдарға тәлімгерлік", "Наставничество людям в трудной жизненной ситуации", "Mentoring people in hardship"},
		[]string{"наставничество", "социальное", "социальная помощь", "социальное волонтерство", "әлеуметтік", "әлеуметтік көмек", "тәлімгерлік", "qamqor", "birgemiz qamqor", "қамқор"}},
	{"SPECIAL_NEEDS", LocalizedText{"Ерекше қажеттіліктері бар адамдарға көмек", "Помощь людям с особыми потребностями", "People with special needs"},
		[]string{"инклюзивное", "инклюзия", "люди с особыми потребностями", "помощь людям с инвалидностью", "ерекше қажеттіліктері бар адамдар", "инклюзивті"}},
	{"SPORTS", LocalizedText{"Спорт волонтерлігі", "Спортивное волонтерство", "Sports"},
		[]string{"спортивное", "спорт", "спортивное волонтерство"}},
	{"ECOLOGY", LocalizedText{"Экологиялық волонтерлік", "Экологическое волонтерство", "Ecology"},
		[]string{"экологическое", "экология", "экологическое волонтерство", "экологиялық", "taza álem", "taza alem", "birgemiz taza álem", "birgemiz taza alem", "таза әлем"}},
}

// Directions returns the canonical directions in code order.
func Directions() []Direction {
	out := make([]Direction, 0, len(directionDefs))
	for _, d := range directionDefs {
		out = append(out, Direction{Code: d.code, Name: d.name})
	}
	slices.SortFunc(out, func(a, b Direction) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// IsDirectionCode reports whether code is a canonical direction code.
func IsDirectionCode(code string) bool {
	for _, d := range directionDefs {
		if d.code == code {
			return true
		}
	}
	return false
}

// DirectionForWord returns the direction code for a source's category word:
// either a canonical code (any case) or a word of the shipped vocabulary, in
// Russian, Kazakh (Cyrillic or Latin) or a sub-platform name such as
// "Birgemiz: Qamqor". ok is false for an unknown word; callers report it and
// never guess.
func DirectionForWord(word string) (code string, ok bool) {
	if c := strings.ToUpper(strings.TrimSpace(word)); IsDirectionCode(c) {
		return c, true
	}
	w := NormalizeCategoryWord(word)
	for _, d := range directionDefs {
		for _, dw := range d.words {
			if dw == w {
				return d.code, true
			}
		}
	}
	return "", false
}

// NormalizeCategoryWord folds a category word for matching: lower case, ё→е,
// punctuation other than inner hyphens dropped, white space collapsed.
func NormalizeCategoryWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "ё", "е")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == ':' || r == ',' || r == '.' || r == '"' || r == '«' || r == '»' || r == '(' || r == ')':
			space = true
		case r == ' ' || r == '\t' || r == '\n' || r == '\u00a0':
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	regionsByCode = sync.OnceValue(func() map[string]*Region {
		m := make(map[string]*Region)
		for _, r := range Regions() {
			m[r.Code] = &r
		}
		return m
	})
	directionsByCode = sync.OnceValue(func() map[string]*Direction {
		m := make(map[string]*Direction)
		for _, d := range Directions() {
			m[d.Code] = &d
		}
		return m
	})
)

// RegionByCode returns the region with an ISO 3166-2:KZ code (any case,
// surrounding space ignored), or nil. Callers share the value: do not
// modify it.
func RegionByCode(code string) *Region {
	return regionsByCode()[strings.ToUpper(strings.TrimSpace(code))]
}

// DirectionsByCode returns the directions with codes, in their order,
// skipping unknown codes. Callers share the values: do not modify them.
func DirectionsByCode(codes []string) []*Direction {
	m := directionsByCode()
	out := make([]*Direction, 0, len(codes))
	for _, c := range codes {
		if d := m[c]; d != nil {
			out = append(out, d)
		}
	}
	return out
}

// NameIn is the region's name in lang (nil: the default), with fallback.
func (r *Region) NameIn(lang *Language) string { return r.Name.Text(lang) }

// NameIn is the direction's name in lang (nil: the default), with fallback.
func (d *Direction) NameIn(lang *Language) string { return d.Name.Text(lang) }
