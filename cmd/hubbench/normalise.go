package main

// The normalisers turn the hub's and the peer's answers to one question
// into the same Go values, so that the checks compare data, not shapes:
// the hub's global ids (base64url "Type:id") and PostGraphile's rowId (the
// id column, a BigInt string) both become the database id; the hub's
// name(lang:), which falls back kk → ru → en, is computed from
// PostGraphile's three columns by the same rule; directions become sorted
// codes. Lists keep their order: both sides order by id.

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Names is a name or title as the hub's name(lang:) gives it in each language.
type Names struct{ KK, RU, EN string }

// fallbackNames is what the hub answers for name(lang: KK), (lang: RU) and
// (lang: EN) of a record whose columns are kk, ru, en (nil or empty when
// missing): the text in that language, else the first of kk, ru, en that
// has one (hub.LocalizedText.Get).
func fallbackNames(kk, ru, en *string) Names {
	v := [3]string{deref(kk), deref(ru), deref(en)}
	first := ""
	for _, s := range v {
		if s != "" {
			first = s
			break
		}
	}
	get := func(s string) string {
		if s != "" {
			return s
		}
		return first
	}
	return Names{KK: get(v[0]), RU: get(v[1]), EN: get(v[2])}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeGlobalID returns the database id of a hub global id of type typ.
func decodeGlobalID(gid, typ string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return 0, fmt.Errorf("id %q is not base64url: %w", gid, err)
	}
	t, id, ok := strings.Cut(string(b), ":")
	if !ok || t != typ {
		return 0, fmt.Errorf("id %q is %q, not a %s id", gid, b, typ)
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("id %q is %q: no database id", gid, b)
	}
	return n, nil
}

// rowID parses PostGraphile's rowId (a BigInt, sent as a JSON string).
func rowID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("rowId %q is not a number", s)
	}
	return n, nil
}

func sortedCodes[T any](list []T, code func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = code(v)
	}
	slices.Sort(out)
	return out
}

// normaliseEach applies f to each element of list, in order, stopping at
// the first error; an empty list gives an empty, non-nil slice.
func normaliseEach[S, T any](list []S, f func(S) (T, error)) ([]T, error) {
	out := make([]T, 0, len(list))
	for _, v := range list {
		t, err := f(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// namesOf is n's names, or nil when n is nil.
func namesOf[N interface{ names() Names }](n *N) *Names {
	if n == nil {
		return nil
	}
	v := (*n).names()
	return &v
}

// hubNames and the peer's column triples, as both answer them.
type hubNames struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

func (n hubNames) names() Names { return Names(n) }

type peerName struct {
	NameKk *string `json:"nameKk"`
	NameRu *string `json:"nameRu"`
	NameEn *string `json:"nameEn"`
}

func (n peerName) names() Names { return fallbackNames(n.NameKk, n.NameRu, n.NameEn) }

type peerTitle struct {
	TitleKk *string `json:"titleKk"`
	TitleRu *string `json:"titleRu"`
	TitleEn *string `json:"titleEn"`
}

func (n peerTitle) names() Names { return fallbackNames(n.TitleKk, n.TitleRu, n.TitleEn) }

type hubCode struct {
	Code string `json:"code"`
}

// ---- a-projects: 100 projects with organization, region and directions

// ProjectA is one project of a-projects.
type ProjectA struct {
	ID           int64
	Directions   []string
	Organization *OrgRef
	Region       *RegionRef
}

// OrgRef is an organization by id and name.
type OrgRef struct {
	ID   int64
	Name Names
}

// RegionRef is a region by code and name.
type RegionRef struct {
	Code string
	Name Names
}

type hubA struct {
	Projects struct {
		Edges []hubAEdge `json:"edges"`
	} `json:"projects"`
}

type hubAEdge struct {
	Node struct {
		ID           string    `json:"id"`
		Directions   []hubCode `json:"directions"`
		Organization *struct {
			ID string `json:"id"`
			hubNames
		} `json:"organization"`
		Region *struct {
			Code string `json:"code"`
			hubNames
		} `json:"region"`
	} `json:"node"`
}

type peerA struct {
	Projects struct {
		Nodes []peerANode `json:"nodes"`
	} `json:"projects"`
}

type peerANode struct {
	RowID        string   `json:"rowId"`
	Directions   []string `json:"directions"`
	Organization *struct {
		RowID string `json:"rowId"`
		peerName
	} `json:"organization"`
	Region *struct {
		Code string `json:"code"`
		peerName
	} `json:"region"`
}

func (h hubA) normalise() ([]ProjectA, error) {
	return normaliseEach(h.Projects.Edges, func(e hubAEdge) (ProjectA, error) {
		n := e.Node
		id, err := decodeGlobalID(n.ID, "Project")
		if err != nil {
			return ProjectA{}, err
		}
		p := ProjectA{ID: id, Directions: sortedCodes(n.Directions, func(d hubCode) string { return d.Code })}
		if o := n.Organization; o != nil {
			oid, err := decodeGlobalID(o.ID, "Organization")
			if err != nil {
				return ProjectA{}, err
			}
			p.Organization = &OrgRef{ID: oid, Name: o.names()}
		}
		if r := n.Region; r != nil {
			p.Region = &RegionRef{Code: r.Code, Name: r.names()}
		}
		return p, nil
	})
}

func (g peerA) normalise() ([]ProjectA, error) {
	return normaliseEach(g.Projects.Nodes, func(n peerANode) (ProjectA, error) {
		id, err := rowID(n.RowID)
		if err != nil {
			return ProjectA{}, err
		}
		p := ProjectA{ID: id, Directions: sortedCodes(n.Directions, func(s string) string { return s })}
		if o := n.Organization; o != nil {
			oid, err := rowID(o.RowID)
			if err != nil {
				return ProjectA{}, err
			}
			p.Organization = &OrgRef{ID: oid, Name: o.names()}
		}
		if r := n.Region; r != nil {
			p.Region = &RegionRef{Code: r.Code, Name: r.names()}
		}
		return p, nil
	})
}

// ---- b-organizations: 50 organizations with their first 10 projects

// OrgB is one organization of b-organizations.
type OrgB struct {
	ID       int64
	Name     Names
	Projects []Titled
}

// Titled is a project by id and title.
type Titled struct {
	ID    int64
	Title Names
}

type hubTitled struct {
	ID string `json:"id"`
	hubNames
}

type hubB struct {
	Organizations struct {
		Edges []hubBEdge `json:"edges"`
	} `json:"organizations"`
}

type hubBEdge struct {
	Node struct {
		ID string `json:"id"`
		hubNames
		Projects struct {
			Edges []hubTitledEdge `json:"edges"`
		} `json:"projects"`
	} `json:"node"`
}

type hubTitledEdge struct {
	Node hubTitled `json:"node"`
}

type peerTitled struct {
	RowID string `json:"rowId"`
	peerTitle
}

type peerB struct {
	Organizations struct {
		Nodes []peerBNode `json:"nodes"`
	} `json:"organizations"`
}

type peerBNode struct {
	RowID string `json:"rowId"`
	peerName
	Projects struct {
		Nodes []peerTitled `json:"nodes"`
	} `json:"projects"`
}

func (t hubTitled) normalise() (Titled, error) {
	id, err := decodeGlobalID(t.ID, "Project")
	return Titled{ID: id, Title: t.names()}, err
}

func (t peerTitled) normalise() (Titled, error) {
	id, err := rowID(t.RowID)
	return Titled{ID: id, Title: t.names()}, err
}

func (e hubTitledEdge) normalise() (Titled, error) { return e.Node.normalise() }

func (h hubB) normalise() ([]OrgB, error) {
	return normaliseEach(h.Organizations.Edges, func(e hubBEdge) (OrgB, error) {
		id, err := decodeGlobalID(e.Node.ID, "Organization")
		if err != nil {
			return OrgB{}, err
		}
		projects, err := normaliseEach(e.Node.Projects.Edges, hubTitledEdge.normalise)
		return OrgB{ID: id, Name: e.Node.names(), Projects: projects}, err
	})
}

func (g peerB) normalise() ([]OrgB, error) {
	return normaliseEach(g.Organizations.Nodes, func(n peerBNode) (OrgB, error) {
		id, err := rowID(n.RowID)
		if err != nil {
			return OrgB{}, err
		}
		projects, err := normaliseEach(n.Projects.Nodes, peerTitled.normalise)
		return OrgB{ID: id, Name: n.names(), Projects: projects}, err
	})
}

// ---- c-volunteers: 50 volunteers, totalHours, participations → project → organization

// VolunteerC is one volunteer of c-volunteers.
type VolunteerC struct {
	ID             int64
	TotalHours     float64
	Participations []PartC
}

// PartC is one participation, with its project and the project's organization.
type PartC struct {
	ID      int64
	Hours   *float64
	Project *ProjC
}

// ProjC is a participation's project.
type ProjC struct {
	Title        Names
	Organization *Names
}

type hubC struct {
	Volunteers struct {
		Edges []hubCEdge `json:"edges"`
	} `json:"volunteers"`
}

type hubCEdge struct {
	Node struct {
		ID             string  `json:"id"`
		TotalHours     float64 `json:"totalHours"`
		Participations struct {
			Edges []hubCPartEdge `json:"edges"`
		} `json:"participations"`
	} `json:"node"`
}

type hubCPartEdge struct {
	Node struct {
		ID      string   `json:"id"`
		Hours   *float64 `json:"hours"`
		Project *struct {
			hubNames
			Organization *hubNames `json:"organization"`
		} `json:"project"`
	} `json:"node"`
}

type peerC struct {
	Volunteers struct {
		Nodes []peerCNode `json:"nodes"`
	} `json:"volunteers"`
}

type peerCNode struct {
	RowID          string  `json:"rowId"`
	TotalHours     float64 `json:"totalHours"`
	Participations struct {
		Nodes []peerCPart `json:"nodes"`
	} `json:"participations"`
}

type peerCPart struct {
	RowID   string   `json:"rowId"`
	Hours   *float64 `json:"hours"`
	Project *struct {
		peerTitle
		Organization *peerName `json:"organization"`
	} `json:"project"`
}

func (e hubCPartEdge) normalise() (PartC, error) {
	id, err := decodeGlobalID(e.Node.ID, "Participation")
	if err != nil {
		return PartC{}, err
	}
	p := PartC{ID: id, Hours: e.Node.Hours}
	if pr := e.Node.Project; pr != nil {
		p.Project = &ProjC{Title: pr.names(), Organization: namesOf(pr.Organization)}
	}
	return p, nil
}

func (n peerCPart) normalise() (PartC, error) {
	id, err := rowID(n.RowID)
	if err != nil {
		return PartC{}, err
	}
	p := PartC{ID: id, Hours: n.Hours}
	if pr := n.Project; pr != nil {
		p.Project = &ProjC{Title: pr.names(), Organization: namesOf(pr.Organization)}
	}
	return p, nil
}

func (h hubC) normalise() ([]VolunteerC, error) {
	return normaliseEach(h.Volunteers.Edges, func(e hubCEdge) (VolunteerC, error) {
		id, err := decodeGlobalID(e.Node.ID, "Volunteer")
		if err != nil {
			return VolunteerC{}, err
		}
		parts, err := normaliseEach(e.Node.Participations.Edges, hubCPartEdge.normalise)
		return VolunteerC{ID: id, TotalHours: e.Node.TotalHours, Participations: parts}, err
	})
}

func (g peerC) normalise() ([]VolunteerC, error) {
	return normaliseEach(g.Volunteers.Nodes, func(n peerCNode) (VolunteerC, error) {
		id, err := rowID(n.RowID)
		if err != nil {
			return VolunteerC{}, err
		}
		parts, err := normaliseEach(n.Participations.Nodes, peerCPart.normalise)
		return VolunteerC{ID: id, TotalHours: n.TotalHours, Participations: parts}, err
	})
}

// ---- d-page: 20 projects after a cursor deep in the list

// PageD is d-page's answer: cursors differ by design, so only whether
// there is a next page and the projects are compared.
type PageD struct {
	HasNextPage bool
	Projects    []Titled
}

type hubD struct {
	Projects struct {
		PageInfo struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
		Edges []hubTitledEdge `json:"edges"`
	} `json:"projects"`
}

type peerD struct {
	Projects struct {
		PageInfo struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
		Nodes []peerTitled `json:"nodes"`
	} `json:"projects"`
}

func (h hubD) normalise() (PageD, error) {
	projects, err := normaliseEach(h.Projects.Edges, hubTitledEdge.normalise)
	return PageD{HasNextPage: h.Projects.PageInfo.HasNextPage, Projects: projects}, err
}

func (g peerD) normalise() (PageD, error) {
	projects, err := normaliseEach(g.Projects.Nodes, peerTitled.normalise)
	return PageD{HasNextPage: g.Projects.PageInfo.HasNextPage, Projects: projects}, err
}

// ---- e-node / e-nodes: projects by id

// ProjectE is a project looked up by id.
type ProjectE struct {
	ID         int64
	Title      Names
	Region     string
	Directions []string
}

type hubProjectE struct {
	ID string `json:"id"`
	hubNames
	Region *struct {
		Code string `json:"code"`
	} `json:"region"`
	Directions []hubCode `json:"directions"`
}

type peerProjectE struct {
	RowID string `json:"rowId"`
	peerTitle
	RegionCode string   `json:"regionCode"`
	Directions []string `json:"directions"`
}

type hubNode struct {
	Node *hubProjectE `json:"node"`
}

type hubNodes struct {
	Nodes []*hubProjectE `json:"nodes"`
}

type peerNode struct {
	Project *peerProjectE `json:"project"`
}

type peerNodes struct {
	ProjectsByIds struct {
		Nodes []*peerProjectE `json:"nodes"`
	} `json:"projectsByIds"`
}

func (p *hubProjectE) normalise() (ProjectE, error) {
	id, err := decodeGlobalID(p.ID, "Project")
	out := ProjectE{ID: id, Title: p.names(), Directions: sortedCodes(p.Directions, func(d hubCode) string { return d.Code })}
	if p.Region != nil {
		out.Region = p.Region.Code
	}
	return out, err
}

func (p *peerProjectE) normalise() (ProjectE, error) {
	id, err := rowID(p.RowID)
	return ProjectE{ID: id, Title: p.names(), Region: p.RegionCode,
		Directions: sortedCodes(p.Directions, func(s string) string { return s })}, err
}

// normaliseList normalises a list of projects; a null (no such live
// project) is left out on either side, as projectsByIds leaves it out.
func normaliseList[T interface{ normalise() (ProjectE, error) }](list []T, isNil func(T) bool) ([]ProjectE, error) {
	out := []ProjectE{}
	for _, p := range list {
		if isNil(p) {
			continue
		}
		n, err := p.normalise()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (h hubNode) normalise() ([]ProjectE, error) {
	return normaliseList([]*hubProjectE{h.Node}, func(p *hubProjectE) bool { return p == nil })
}

func (h hubNodes) normalise() ([]ProjectE, error) {
	return normaliseList(h.Nodes, func(p *hubProjectE) bool { return p == nil })
}

func (g peerNode) normalise() ([]ProjectE, error) {
	return normaliseList([]*peerProjectE{g.Project}, func(p *peerProjectE) bool { return p == nil })
}

func (g peerNodes) normalise() ([]ProjectE, error) {
	return normaliseList(g.ProjectsByIds.Nodes, func(p *peerProjectE) bool { return p == nil })
}

// ---- statistics

// hubStats is a statistics answer.
type hubStats struct {
	Statistics struct {
		AsOf  string `json:"asOf"`
		Exact bool   `json:"exact"`
		Rows  []struct {
			Keys       []*string  `json:"keys"`
			Values     []*float64 `json:"values"`
			Suppressed bool       `json:"suppressed"`
		} `json:"rows"`
	} `json:"statistics"`
}

// Cells are statistics cells by "MEASURE|key|key…": only cells with a
// value other than 0, since the hub answers every combination of keys (0
// where nothing is counted) and a GROUP BY only those with rows.
type Cells map[string]float64

func cellKey(measure string, keys []string) string {
	return measure + "|" + strings.Join(keys, "|")
}

// cells returns the hub's answer as cells; measures are the answer's
// measures in order. A suppressed (null) value is left out.
func (h hubStats) cells(measures []string) (Cells, error) {
	out := Cells{}
	for _, r := range h.Statistics.Rows {
		if len(r.Values) != len(measures) {
			return nil, fmt.Errorf("a row has %d values for %d measures", len(r.Values), len(measures))
		}
		keys := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			if k == nil {
				return nil, fmt.Errorf("a row has a null key (a subtotal): not asked for")
			}
			keys[i] = *k
		}
		for i, v := range r.Values {
			if v != nil && *v != 0 {
				out[cellKey(measures[i], keys)] = *v
			}
		}
	}
	return out, nil
}

// cellsDiff lists the cells that differ between hub and want (the same
// counts made with GROUP BY), values equal within a relative 1e-9 (sums of
// hours add up in another order), at most limit lines; "" when equal.
func cellsDiff(hub, want Cells, limit int) string {
	var lines []string
	keys := make([]string, 0, len(hub)+len(want))
	for k := range hub {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := hub[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		h, hok := hub[k]
		w, wok := want[k]
		switch {
		case !hok:
			lines = append(lines, fmt.Sprintf("  %s: hub 0 (or missing), PostgreSQL %g", k, w))
		case !wok:
			lines = append(lines, fmt.Sprintf("  %s: hub %g, PostgreSQL 0 (no rows)", k, h))
		case !approxEqual(h, w):
			lines = append(lines, fmt.Sprintf("  %s: hub %g, PostgreSQL %g", k, h, w))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	n := len(lines)
	if n > limit {
		lines = append(lines[:limit], fmt.Sprintf("  … and %d more", n-limit))
	}
	return fmt.Sprintf("%d of %d cells differ (hub %d non-zero cells, PostgreSQL %d):\n%s", n, len(keys), len(hub), len(want),
		strings.Join(lines, "\n"))
}

func approxEqual(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// protectedViolations checks a protected (non-admin) answer against the
// exact VOLUNTEERS counts, by docs/statistics.md: a cell of 15 people or
// more is published, within ±5; no published count of people is 1 to 9.
func protectedViolations(h hubStats, measures []string, exact Cells, limit int) (suppressed int, problems []string) {
	vi := slices.Index(measures, "VOLUNTEERS")
	for _, r := range h.Statistics.Rows {
		if r.Suppressed {
			suppressed++
		}
		if vi < 0 || vi >= len(r.Values) {
			continue
		}
		keys := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			if k != nil {
				keys[i] = *k
			}
		}
		k := cellKey("VOLUNTEERS", keys)
		want, v := exact[k], r.Values[vi]
		switch {
		case v != nil && *v >= 1 && *v <= 9:
			problems = append(problems, fmt.Sprintf("  %s: published %g, a count of 1 to 9 people", k, *v))
		case want >= 15 && v == nil:
			problems = append(problems, fmt.Sprintf("  %s: suppressed, but %g people are counted", k, want))
		case want >= 15 && math.Abs(*v-want) > 5:
			problems = append(problems, fmt.Sprintf("  %s: published %g, counted %g (more than ±5)", k, *v, want))
		}
	}
	if len(problems) > limit {
		problems = append(problems[:limit], fmt.Sprintf("  … and %d more", len(problems)-limit))
	}
	return suppressed, problems
}

// diff compares a hub answer with the peer's, both normalised, floats
// equal within a relative 1e-9; "" when equal, else go-cmp's report cut to
// at most limit lines, (-hub +peer).
func diff(hub, peer any, limit int) string {
	d := cmp.Diff(hub, peer, cmpopts.EquateApprox(1e-9, 0), cmpopts.EquateEmpty())
	if d == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(d, "\n"), "\n")
	if len(lines) > limit {
		lines = append(lines[:limit], fmt.Sprintf("… %d more lines", len(lines)-limit))
	}
	return "(-hub +peer):\n" + strings.Join(lines, "\n")
}
