// Package exports serves CSV exports: statistics with the parameters of
// the GraphQL statistics field, for researchers (and admins), protected as
// in GraphQL; and a de-identified list of volunteers (public part only, an
// age band instead of a birth date), a list of people, so for admins and
// for a platform's own volunteers (hub.PeopleScope). Both stream: rows are
// written as PostgreSQL returns them, never gathered in memory.
package exports

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	hub "github.com/birgemiz/hub"
)

// VolunteerExporter streams the de-identified volunteers.
type VolunteerExporter interface {
	// ExportVolunteers calls fn for each live volunteer scope reads, in id
	// order, as rows arrive from the database.
	ExportVolunteers(ctx context.Context, region string, scope hub.PeopleScope, fn func(*hub.ExportedVolunteer) error) error
}

// Handler serves /v1/exports/… . Requests reach it through the
// middleware that puts the caller's principal in the context.
type Handler struct {
	Statistics hub.StatisticsService
	Volunteers VolunteerExporter
	Log        *slog.Logger
}

// Register adds the export routes to mux, each wrapped by auth (which sets
// the principal).
func (h *Handler) Register(mux *http.ServeMux, auth func(http.Handler) http.Handler) {
	mux.Handle("GET /v1/exports/statistics.csv", auth(http.HandlerFunc(h.statistics)))
	mux.Handle("GET /v1/exports/volunteers.csv", auth(http.HandlerFunc(h.volunteers)))
}

// cellText keeps free text a source sent from being read as a formula by
// the spreadsheet the file is opened in (OWASP's advice on CSV injection):
// line breaks become spaces, so a value is one line, and a value that
// starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe. Codes, ids and numbers never start so, and are written as
// they are.
func cellText(s string) string {
	s = lineBreaks.Replace(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\v", " ", "\f", " ", "\u0085", " ", "\u2028", " ", "\u2029", " ")

// listText is a list of free-text items in one cell, joined by ";", each
// guarded as cellText guards a cell: a spreadsheet set to split on ";" (as
// many are where "," is the decimal mark) makes every item a cell.
func listText(items []string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = cellText(it)
	}
	return strings.Join(out, ";")
}

// WriteError writes an export's error answer, {"error":{"code","message"}},
// for a GraphQL error code from the authentication and rate limits the
// exports share with the GraphQL endpoint (graph.ErrorWriter).
func WriteError(w http.ResponseWriter, status int, code, message string) {
	switch code {
	case "UNAUTHENTICATED":
		code = "unauthorized"
	case "INTERNAL_SERVER_ERROR":
		code = "internal"
	default:
		code = strings.ToLower(code)
	}
	writeJSONError(w, status, code, message)
}

func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code := http.StatusInternalServerError, "internal"
	msg := "internal error; try again"
	switch hub.ErrorCode(err) {
	case hub.EUNAUTHORIZED:
		status, code, msg = http.StatusUnauthorized, "unauthorized", hub.ErrorMessage(err)
		w.Header().Set("WWW-Authenticate", `Bearer realm="birgemiz-hub"`)
	case hub.EFORBIDDEN:
		status, code, msg = http.StatusForbidden, "forbidden", hub.ErrorMessage(err)
	case hub.EINVALID:
		status, code, msg = http.StatusBadRequest, "invalid", hub.ErrorMessage(err)
	default:
		h.Log.ErrorContext(r.Context(), "export failed", "path", r.URL.Path, "err", err)
	}
	writeJSONError(w, status, code, msg)
}

// authorize lets researchers (and admins) in to the statistics export.
func authorize(r *http.Request) error {
	p := hub.PrincipalFrom(r.Context())
	if err := p.Require(hub.RoleResearcher); err != nil {
		return hub.Errorf(hub.ErrorCode(err), "exports need a researcher API key (Authorization: Bearer hubkey_…)")
	}
	return nil
}

// statisticsParams are the query parameters of the statistics export, the
// arguments of the GraphQL field: lists comma-separated.
var statisticsParams = map[string]hub.Dimension{
	"region": hub.DimRegion, "direction": hub.DimDirection, "year": hub.DimYear, "month": hub.DimMonth,
	"organizationKind": hub.DimOrganizationKind, "country": hub.DimCountry, "gender": hub.DimGender,
	"ageBand": hub.DimAgeBand, "source": hub.DimSource,
}

// ParseStatisticsQuery reads a statistics query from URL parameters:
// measures=VOLUNTEERS,PROJECTS&groupBy=REGION,YEAR&region=KZ-11&from=2020&to=2024&subtotals=true&total=true.
func ParseStatisticsQuery(v url.Values) (hub.StatisticsQuery, error) {
	q := hub.StatisticsQuery{Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{}}}
	for name, vals := range v {
		if len(vals) != 1 {
			return q, hub.Errorf(hub.EINVALID, "parameter %s is given %d times; give it once (lists are comma-separated)", name, len(vals))
		}
		val := vals[0]
		switch name {
		case "measures":
			for _, m := range splitList(val) {
				q.Measures = append(q.Measures, hub.Measure(strings.ToUpper(m)))
			}
		case "groupBy":
			for _, d := range splitList(val) {
				q.GroupBy = append(q.GroupBy, hub.Dimension(strings.ToUpper(d)))
			}
		case "from":
			q.Filter.From = val
		case "to":
			q.Filter.To = val
		case "subtotals", "total":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return q, hub.Errorf(hub.EINVALID, "parameter %s must be true or false", name)
			}
			if name == "total" {
				q.Total = b
			} else {
				q.Subtotals = b
			}
		default:
			d, ok := statisticsParams[name]
			if !ok {
				return q, hub.Errorf(hub.EINVALID, "unknown parameter %q; use measures, groupBy, from, to, subtotals, total, or a filter: region, direction, year, month, organizationKind, country, gender, ageBand, source", name)
			}
			q.Filter.Equal[d] = val
		}
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (h *Handler) statistics(w http.ResponseWriter, r *http.Request) {
	if err := authorize(r); err != nil {
		h.fail(w, r, err)
		return
	}
	q, err := ParseStatisticsQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.Statistics.Statistics(r.Context(), q, hub.PrincipalFrom(r.Context()).IsAdmin())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	csvHeaders(w, "statistics", s.AsOf)
	cw := csv.NewWriter(w)
	var header []string
	for _, d := range s.GroupBy {
		header = append(header, strings.ToLower(string(d)))
	}
	for _, m := range s.Measures {
		header = append(header, strings.ToLower(string(m)))
	}
	_ = cw.Write(append(header, "suppressed", "as_of"))
	asOf := s.AsOf.UTC().Format(time.RFC3339)
	for _, row := range s.Rows {
		rec := make([]string, 0, len(header)+2)
		for _, k := range row.Keys {
			if k == nil {
				rec = append(rec, "") // all values: a subtotal or the total
			} else {
				rec = append(rec, *k)
			}
		}
		for _, v := range row.Values {
			if v == nil {
				rec = append(rec, "")
			} else {
				rec = append(rec, strconv.FormatFloat(*v, 'f', -1, 64))
			}
		}
		_ = cw.Write(append(rec, strconv.FormatBool(row.Suppressed), asOf))
	}
	cw.Flush()
}

// volunteerColumns is the header of the volunteer export.
var volunteerColumns = []string{"volunteer_id", "region", "gender", "age_band", "languages", "skills", "directions",
	"registered_at", "status", "total_hours", "organizations", "sources"}

func (h *Handler) volunteers(w http.ResponseWriter, r *http.Request) {
	scope, err := hub.PrincipalFrom(r.Context()).PeopleScope()
	if err != nil {
		h.fail(w, r, hub.Errorf(hub.ErrorCode(err), "the volunteer export is a list of people: it needs an admin API key, or a platform's for its own volunteers; counts of people are in the statistics export"))
		return
	}
	region := ""
	for name, vals := range r.URL.Query() {
		if name != "region" || len(vals) != 1 {
			h.fail(w, r, hub.Errorf(hub.EINVALID, "the volunteer export takes one optional parameter, region (e.g. region=KZ-11)"))
			return
		}
		region = strings.ToUpper(vals[0])
		if !hub.IsRegionCode(region) {
			h.fail(w, r, hub.Errorf(hub.EINVALID, "region %q is not a region code such as KZ-11", vals[0]))
			return
		}
	}
	started := false
	var cw *csv.Writer
	start := func() {
		started = true
		csvHeaders(w, "volunteers", time.Now())
		cw = csv.NewWriter(w)
		_ = cw.Write(volunteerColumns)
	}
	flusher, _ := w.(http.Flusher)
	n := 0
	err = h.Volunteers.ExportVolunteers(r.Context(), region, scope, func(v *hub.ExportedVolunteer) error {
		if !started {
			start()
		}
		hours := strconv.FormatFloat(v.TotalHours, 'f', -1, 64)
		registered := ""
		if v.RegisteredAt != nil {
			registered = v.RegisteredAt.Format(time.DateOnly)
		}
		if err := cw.Write([]string{hub.GlobalID("Volunteer", v.ID), v.RegionCode, string(v.Gender), string(v.AgeBand), listText(v.Languages),
			listText(v.Skills), strings.Join(v.Directions, ";"), registered, string(v.Status), hours,
			strconv.Itoa(v.Organizations), strings.Join(v.Sources, ";")}); err != nil {
			return err
		}
		if n++; n%5000 == 0 {
			cw.Flush()
			if flusher != nil {
				flusher.Flush()
			}
		}
		return cw.Error()
	})
	if err != nil && !started {
		h.fail(w, r, err)
		return
	}
	if err != nil {
		// The header is sent: all that can be done is to cut the body short,
		// which a client sees as a broken transfer, not a complete file.
		h.Log.ErrorContext(r.Context(), "volunteer export cut short", "rows", n, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !started {
		start() // no volunteers: the header alone
	}
	cw.Flush()
}

func csvHeaders(w http.ResponseWriter, name string, at time.Time) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="birgemiz-%s-%s.csv"`, name, at.UTC().Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
}
