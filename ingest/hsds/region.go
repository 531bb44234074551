package hsds

import (
	"strings"
	"unicode"

	"github.com/birgemiz/hub"
)

// Region matching. An HSDS address names its place in words
// (state_province "Акмолинская область", city "Алматы"); the hub needs one
// of the 20 ISO 3166-2:KZ codes. A name matches when, after folding, it is
// one of a unit's kk/ru/en names in hub.Regions() or one of the common
// spellings below, with the words that say "region" or "city" taken out.
// Nothing else is guessed: a name that matches no unit, or two, is
// reported.

// regionAliases are spellings the official names in hub.Regions() do not
// cover: Latin transliterations (the official English, the Kazakh Latin
// alphabet, the Russian transliteration), Russian renderings of Kazakh
// names, common abbreviations, and former names of the cities. Each is
// matched after the same folding as the official names.
var regionAliases = map[string][]string{
	"KZ-10": {"Abai", "Abay"},
	"KZ-11": {"Akmola", "Aqmola", "Akmolinskaya"},
	"KZ-15": {"Aktobe", "Aqtobe", "Aktyubinskaya"},
	"KZ-19": {"Almatinskaya"},
	"KZ-23": {"Atyrau", "Atyrauskaya"},
	"KZ-27": {"West Kazakhstan", "Batys Kazakhstan", "Batys Qazaqstan", "Zapadno-Kazakhstanskaya", "ЗКО"},
	"KZ-31": {"Zhambyl", "Jambyl", "Zhambylskaya"},
	"KZ-33": {"Zhetysu", "Zhetisu", "Jetisu", "Жетысу", "Zhetysuskaya"},
	"KZ-35": {"Karaganda", "Qaragandy", "Karagandy", "Karagandinskaya"},
	"KZ-39": {"Kostanay", "Kostanai", "Qostanay", "Kostanayskaya"},
	"KZ-43": {"Kyzylorda", "Qyzylorda", "Kyzylordinskaya"},
	"KZ-47": {"Mangystau", "Mangistau", "Mangistauskaya"},
	"KZ-55": {"Pavlodar", "Pavlodarskaya"},
	"KZ-59": {"North Kazakhstan", "Soltustik Kazakhstan", "Soltustik Qazaqstan", "Severo-Kazakhstanskaya", "СКО"},
	"KZ-61": {"Turkistan", "Turkestan", "Туркестан", "Turkestanskaya"},
	"KZ-62": {"Ulytau", "Ulytauskaya"},
	"KZ-63": {"East Kazakhstan", "Shygys Kazakhstan", "Shygys Qazaqstan", "Vostochno-Kazakhstanskaya", "ВКО"},
	"KZ-71": {"Nur-Sultan", "Нур-Султан", "Нұр-Сұлтан"},
	"KZ-75": {"Alma-Ata", "Алма-Ата"},
	"KZ-79": {"Chimkent", "Чимкент"},
}

// Words that say what kind of unit a name is, after folding. They are
// dropped from the name, and restrict the match to that kind: "Almaty
// Region" is KZ-19, "Almaty city" KZ-75.
var (
	regionWords = map[string]bool{"область": true, "обл": true, "облысы": true, "облысының": true,
		"region": true, "oblast": true, "oblysy": true, "province": true}
	cityWords = map[string]bool{"г": true, "город": true, "гор": true, "каласы": true,
		"city": true, "qalasy": true, "kalasy": true}
)

// places maps folded names to codes, one map per kind. Built once from
// hub.Regions() and regionAliases.
var places = func() (p struct{ regions, cities map[string]string }) {
	p.regions, p.cities = make(map[string]string), make(map[string]string)
	for _, r := range hub.Regions() {
		m := p.regions
		if r.Kind == hub.RegionKindCity {
			m = p.cities
		}
		for _, name := range append([]string{r.Name.KK, r.Name.RU, r.Name.EN}, regionAliases[r.Code]...) {
			if key, _, _ := placeKey(name); key != "" {
				m[key] = r.Code
			}
		}
	}
	return p
}()

// regionMatch is the outcome of matching one place name.
type regionMatch struct {
	code      string   // the unit, "" when none or several
	ambiguous []string // the codes a name without "region" or "city" could mean
}

// matchPlace matches a state_province or region value against the 20 units.
func matchPlace(s string) regionMatch {
	key, region, city := placeKey(s)
	switch {
	case key == "":
		return regionMatch{}
	case region && !city:
		return regionMatch{code: places.regions[key]}
	case city && !region:
		return regionMatch{code: places.cities[key]}
	case region && city:
		return regionMatch{}
	}
	c, r := places.cities[key], places.regions[key]
	switch {
	case c != "" && r != "" && c != r:
		return regionMatch{ambiguous: []string{c, r}}
	case c != "":
		return regionMatch{code: c}
	}
	return regionMatch{code: r}
}

// matchCity returns the code of a city of republican significance (Astana,
// Almaty, Shymkent) when an address's city names one, else "".
func matchCity(s string) string {
	key, region, _ := placeKey(s)
	if region {
		return ""
	}
	return places.cities[key]
}

// placeKey folds a place name for matching: lower case; Kazakh letters read
// as their Russian neighbours (қ→к, ө→о, і→и, …) and Latin letters without
// diacritics (á→a, ǵ→g, ı→i, …), so that "Ақмола", "Акмола" and the Latin
// "Aqmola" spelled with or without Kazakh letters compare equal; anything
// other than a letter or a digit separates words. The words of regionWords
// and cityWords are taken out and reported.
func placeKey(s string) (key string, region, city bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := fold[r]; ok {
			b.WriteString(f)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	kept := words[:0]
	for _, w := range words {
		switch {
		case regionWords[w]:
			region = true
		case cityWords[w]:
			city = true
		default:
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " "), region, city
}

// fold maps letters to the ones names are compared in.
var fold = map[rune]string{
	'ё': "е", 'ә': "а", 'ғ': "г", 'қ': "к", 'ң': "н", 'ө': "о", 'ұ': "у", 'ү': "у", 'һ': "х", 'і': "и",
	'á': "a", 'ä': "a", 'ǵ': "g", 'ğ': "g", 'ı': "i", 'ń': "n", 'ñ': "n", 'ó': "o", 'ö': "o",
	'ú': "u", 'ü': "u", 'ū': "u", 'ý': "y", 'ş': "sh", 'ç': "ch",
}
