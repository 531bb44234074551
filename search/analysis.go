package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/russian"
	"golang.org/x/text/unicode/norm"
)

// Text analysis is ours, not an engine's: both engines index the terms
// made here and are queried with terms made the same way, so Kazakh in
// either script, Russian word forms and Kazakh suffixes behave the same on
// Bleve and on Meilisearch.
//
// Every word gets two forms:
//
//   - its skeleton: lower case, ё→е, and one Latin spelling for Kazakh and
//     Russian in Cyrillic, Kazakh in the 2018 (acute accents) and 2021
//     Latin alphabets, and words mixing the scripts by a wrong-layout
//     letter. "Біргеміз", "Birgemiz" and "Бiргемiз" are all "birgemiz";
//     "әрекет уақыты" and "áreket ýaqyty" are "areket uakiti". The mapping
//     merges letters the alphabets disagree on (ы/і/и/й → i; у/ұ/ү → u;
//     к/қ/q → k), trading a little precision for recall;
//   - its stem: the skeleton of the Russian Snowball stem (for Cyrillic
//     words without Kazakh letters), with Kazakh suffixes stripped
//     (plural, case, possessive, -лық/-лік): "еріктілердің" and "eriktiler"
//     stem to "erik", "волонтеры", "волонтерам" and "волонтерство" to one stem.

// Token is one word of a text with its byte span and its two forms.
type Token struct {
	Text       string // as written
	Start, End int    // byte offsets in the text
	Skeleton   string
	Stem       string
}

// Tokenize splits text into words (runs of letters and digits) and
// computes their forms. Control characters and punctuation separate words.
// Offsets refer to text in Unicode normalization form C (NormalizeText).
func Tokenize(text string) []Token {
	text = NormalizeText(text)
	var out []Token
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, newToken(text, start, i))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, newToken(text, start, len(text)))
	}
	return out
}

func newToken(text string, start, end int) Token {
	w := text[start:end]
	skel := Skeleton(w)
	return Token{Text: w, Start: start, End: end, Skeleton: skel, Stem: stem(w, skel)}
}

// Terms returns the space-separated skeletons and stems of text, the two
// fields every engine indexes.
func Terms(text string) (skeletons, stems string) {
	var sk, st strings.Builder
	for _, t := range Tokenize(text) {
		if sk.Len() > 0 {
			sk.WriteByte(' ')
			st.WriteByte(' ')
		}
		sk.WriteString(t.Skeleton)
		st.WriteString(t.Stem)
	}
	return sk.String(), st.String()
}

var cyrillic = map[rune]string{
	'а': "a", 'ә': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "i", 'і': "i", 'к': "k", 'қ': "k", 'л': "l", 'м': "m", 'н': "n", 'ң': "n",
	'о': "o", 'ө': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ұ': "u", 'ү': "u", 'ф': "f",
	'х': "h", 'һ': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sh", 'ъ': "", 'ы': "i", 'ь': "", 'э': "e",
	'ю': "iu", 'я': "ia",
}

// latin maps the letters of the Kazakh Latin alphabets (2018 and 2021)
// and plain Latin letters whose sound differs to the skeleton spelling.
var latin = map[rune]string{
	'á': "a", 'ä': "a", 'ǵ': "g", 'ğ': "g", 'ı': "i", 'ń': "n", 'ñ': "n", 'ó': "o", 'ö': "o", 'ú': "u",
	'ü': "u", 'ū': "u", 'ý': "u", 'ş': "sh", 'ç': "ch", 'j': "zh", 'q': "k", 'y': "i", 'w': "v", 'x': "ks",
}

// NormalizeText puts text in Unicode normalization form C, so that a letter
// with an accent typed as two code points is one.
func NormalizeText(text string) string {
	if norm.NFC.IsNormalString(text) {
		return text
	}
	return norm.NFC.String(text)
}

// Skeleton returns the script-independent spelling of one word (in NFC).
func Skeleton(word string) string {
	word = strings.ToLower(word)
	var b strings.Builder
	b.Grow(len(word))
	for _, r := range word {
		if s, ok := cyrillic[r]; ok {
			b.WriteString(s)
		} else if s, ok := latin[r]; ok {
			b.WriteString(s)
		} else if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else {
			// Other accented Latin letters lose their marks (é → e).
			for _, d := range norm.NFD.String(string(r)) {
				if !unicode.Is(unicode.Mn, d) {
					b.WriteRune(d)
				}
			}
		}
	}
	return b.String()
}

// kazakhLetters are the Cyrillic letters Russian does not have.
const kazakhLetters = "әғқңөұүһі"

// stem returns the stem of a word whose skeleton is skel.
func stem(word, skel string) string {
	lower := strings.ToLower(word)
	if isCyrillic(lower) && !strings.ContainsAny(lower, kazakhLetters) {
		if st := russianStem(lower); st != lower {
			skel = Skeleton(st)
		}
	}
	return stripKazakh(skel)
}

func isCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// russianDerivational are suffixes Snowball keeps but that separate words
// a reader sees as one family (волонтер → волонтерство, волонтерский).
var russianDerivational = []string{"ств", "ск"}

func russianStem(word string) string {
	env := snowballstem.NewEnv(strings.ReplaceAll(word, "ё", "е"))
	russian.Stem(env)
	s := env.Current()
	for _, suf := range russianDerivational {
		if t, ok := strings.CutSuffix(s, suf); ok && utf8.RuneCountInString(t) >= 4 {
			return t
		}
	}
	return s
}

// kazakhSuffixes are Kazakh inflections and the -лық/-лік derivation in
// skeleton spelling, longest first. Each is stripped while at least
// minStem letters remain.
var kazakhSuffixes = []string{
	"lar", "ler", "dar", "der", "tar", "ter", // plural
	"nin", "din", "tin", // genitive
	"nan", "nen", "dan", "den", "tan", "ten", // ablative
	"men", "ben", "pen", // instrumental
	"lik", "dik", "tik", // -лық/-лік
	"nda", "nde", "da", "de", "ta", "te", // locative
	"ga", "ge", "ka", "ke", "na", "ne", // dative
	"ni", "di", "ti", "si", // accusative, possessive
}

const minStem = 3

func stripKazakh(s string) string {
	for range 4 {
		stripped := false
		for _, suf := range kazakhSuffixes {
			if t, ok := strings.CutSuffix(s, suf); ok && len(t) >= minStem {
				s, stripped = t, true
				break
			}
		}
		if !stripped {
			break
		}
	}
	return s
}

// Typos returns how many typos a query word of this skeleton tolerates,
// as Meilisearch does by default: none below 5 letters, 1 from 5, 2 from 9.
func Typos(skeleton string) int {
	switch n := utf8.RuneCountInString(skeleton); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}
