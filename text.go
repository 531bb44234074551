package hub

import "strings"

// Language is one of the hub's three content languages.
type Language string

// The content languages, in fallback order.
const (
	LangKK Language = "kk"
	LangRU Language = "ru"
	LangEN Language = "en"
)

// Languages lists the content languages in fallback order: kk → ru → en.
var Languages = [...]Language{LangKK, LangRU, LangEN}

// LocalizedText is a text given in any subset of the content languages.
type LocalizedText struct {
	KK string `json:"kk,omitempty"`
	RU string `json:"ru,omitempty"`
	EN string `json:"en,omitempty"`
}

// In returns the text in lang, or "" when it was not given in lang.
func (t LocalizedText) In(lang Language) string {
	switch lang {
	case LangKK:
		return t.KK
	case LangRU:
		return t.RU
	case LangEN:
		return t.EN
	}
	return ""
}

// Get returns the text in lang when it exists, else the first language that
// has it in fallback order kk → ru → en. An empty lang means no preference.
func (t LocalizedText) Get(lang Language) string {
	if s := t.In(lang); s != "" {
		return s
	}
	for _, l := range Languages {
		if s := t.In(l); s != "" {
			return s
		}
	}
	return ""
}

// Text is Get for a language that may be absent (nil: the default).
func (t LocalizedText) Text(lang *Language) string {
	if lang == nil {
		return t.Get("")
	}
	return t.Get(*lang)
}

// TextOrNil is Text, or nil when no language has text.
func (t LocalizedText) TextOrNil(lang *Language) *string {
	if s := t.Text(lang); s != "" {
		return &s
	}
	return nil
}

// IsZero reports whether no language has text.
func (t LocalizedText) IsZero() bool { return t.KK == "" && t.RU == "" && t.EN == "" }

// TrimSpace returns t with surrounding white space removed in every language.
func (t LocalizedText) TrimSpace() LocalizedText {
	return LocalizedText{KK: strings.TrimSpace(t.KK), RU: strings.TrimSpace(t.RU), EN: strings.TrimSpace(t.EN)}
}
