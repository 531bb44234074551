package hsds

import (
	"strings"
	"unicode"

	"github.com/birgemiz/hub"
)

// language tells the language of an HSDS text by its script alone, since
// HSDS text fields carry no language: Cyrillic with a letter only Kazakh
// uses (ә ғ қ ң ө ұ ү һ і) is Kazakh, other Cyrillic is Russian, anything
// else English. A Russian text quoting a Kazakh name («Көктем») reads as
// Kazakh; a Kazakh text in the Latin alphabet reads as English.
func language(s string) hub.Language {
	cyrillic := false
	for _, r := range s {
		switch {
		case strings.ContainsRune("әғқңөұүһіӘҒҚҢӨҰҮҺІ", r):
			return hub.LangKK
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic = true
		}
	}
	if cyrillic {
		return hub.LangRU
	}
	return hub.LangEN
}

// localized puts s under its language; empty s gives nil, which leaves the
// field out of the line.
func localized(s string) map[string]string {
	if s == "" {
		return nil
	}
	return map[string]string{string(language(s)): s}
}

// serviceStatus maps HSDS service.status, whose values are "active",
// "inactive", "defunct" and "temporarily closed", to a project status. A
// service is an ongoing offer rather than a project with an end, so:
//
//   - active → ACTIVE: it runs now;
//   - inactive → COMPLETED: it no longer runs, and nothing says it will again;
//   - defunct → CANCELLED: it was discontinued for good, and the hub does not
//     claim it ran its course;
//   - temporarily closed → PLANNED: it does not run now and is expected to
//     run again, which is what PLANNED says of a project.
//
// ok is false for any other value.
func serviceStatus(s string) (hub.ProjectStatus, bool) {
	switch strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), " ") {
	case "active":
		return hub.StatusActive, true
	case "inactive":
		return hub.StatusCompleted, true
	case "defunct":
		return hub.StatusCancelled, true
	case "temporarily closed":
		return hub.StatusPlanned, true
	}
	return "", false
}

// kindRules map organization.legal_status to a kind, first match wins. A
// rule matches when a word of the status is one of its words, or starts
// with one of its stems (hyphens are dropped first, so "non-profit" is
// "nonprofit"). Statuses no rule matches give OTHER.
var kindRules = []struct {
	kind  hub.OrganizationKind
	words []string
	stems []string
}{
	{hub.OrgUniversity, []string{"вуз", "жоо"}, []string{"universit", "университет"}},
	{hub.OrgStateBody, []string{"state", "government", "governmental", "госорган", "акимат", "әкімдік"}, []string{"государствен", "мемлекеттік"}},
	{hub.OrgPublicFoundation, []string{"қор", "қоры", "фонд"}, []string{"foundation", "фонда", "фонду", "фондом"}},
	{hub.OrgInitiativeGroup, nil, []string{"initiative", "инициативн", "бастамашыл"}},
	{hub.OrgNGO, []string{"ngo", "нко", "үеұ", "nonprofit", "notforprofit", "nongovernmental"}, []string{"некоммерческ", "неправительствен", "общественн", "қоғамдық"}},
}

// organizationKind maps HSDS organization.legal_status to a kind.
func organizationKind(status string) hub.OrganizationKind {
	s := strings.ReplaceAll(strings.ToLower(status), "-", "")
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, rule := range kindRules {
		for _, w := range words {
			for _, x := range rule.words {
				if w == x {
					return rule.kind
				}
			}
			for _, stem := range rule.stems {
				if strings.HasPrefix(w, stem) {
					return rule.kind
				}
			}
		}
	}
	return hub.OrgOther
}

// bin returns s as a BIN when it is one: 12 digits, with spaces or hyphens
// between groups allowed. Other tax ids (a foreign one, a placeholder) give "".
func bin(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\u00a0':
		default:
			return ""
		}
	}
	if b.Len() != 12 {
		return ""
	}
	return b.String()
}

// isBINScheme reports whether an organization_identifiers row names a BIN:
// its identifier_scheme or identifier_type has the word BIN, or its Russian
// (БИН) or Kazakh (БСН) abbreviation, as in "KZ-BIN".
func isBINScheme(scheme, typ string) bool {
	for _, s := range []string{scheme, typ} {
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if w == "bin" || w == "бин" || w == "бсн" {
				return true
			}
		}
	}
	return false
}
