package hsds

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/birgemiz/hub"
)

// A resource is one HSDS table the connector reads: the names the package
// descriptor may give it (HSDS 3 first, then HSDS 2 where it differs), the
// paths to try when the descriptor does not list it, and the columns
// without which none of its rows can be read.
type resource struct {
	names    []string
	paths    []string
	required []string
}

// The tables read, after the "name" and "path" of each resource in the HSDS
// 3 datapackage.json (schema/*.json, datapackage_metadata). Earlier HSDS
// releases and some exporters use singular file names; those are tried too.
var (
	resOrganization = resource{[]string{"organization"}, []string{"organizations.csv", "organization.csv"}, []string{"id", "name"}}
	resOrgIdent     = resource{[]string{"organization_identifier"}, []string{"organization_identifiers.csv", "organization_identifier.csv"}, []string{"organization_id", "identifier"}}
	resService      = resource{[]string{"service"}, []string{"services.csv", "service.csv"}, []string{"id", "name", "status"}}
	resServiceAtLoc = resource{[]string{"service_at_location"}, []string{"service_at_location.csv", "services_at_location.csv", "service_at_locations.csv"}, []string{"service_id", "location_id"}}
	resLocation     = resource{[]string{"location"}, []string{"locations.csv", "location.csv"}, []string{"id"}}
	resAddress      = resource{[]string{"address", "physical_address"}, []string{"addresses.csv", "address.csv", "physical_addresses.csv"}, []string{"location_id"}}
	resAttribute    = resource{[]string{"attribute"}, []string{"attributes.csv", "attribute.csv"}, []string{"link_id", "taxonomy_term_id"}}
	resServiceAttr  = resource{[]string{"service_attribute"}, []string{"service_attributes.csv", "service_attribute.csv"}, []string{"service_id", "taxonomy_term_id"}}
	resTaxonomyTerm = resource{[]string{"taxonomy_term"}, []string{"taxonomy_terms.csv", "taxonomy_term.csv"}, []string{"id"}}
	resMetadata     = resource{[]string{"metadata"}, []string{"metadata.csv"}, []string{"resource_id", "last_action_date"}}
)

// descriptor is the part of datapackage.json the connector reads.
type descriptor struct {
	Resources []struct {
		Name    string          `json:"name"`
		Path    json.RawMessage `json:"path"`
		Dialect json.RawMessage `json:"dialect"`
	} `json:"resources"`
}

// table is one CSV resource: its header and its data rows. Row i (from 0)
// is data row i+1, the number errors carry.
type table struct {
	file  string         // the file's name in the package, the prefix of error fields
	cols  map[string]int // lower-case column name → index
	width int            // fields in the header
	rows  [][]string
	bad   []bool // rows whose number of fields differs from the header's
}

// ok reports whether row i has as many fields as the header. The other
// rows are reported once (see decoder.badRows) and read by nobody: a row
// with a field too many or too few has its values under the wrong columns.
func (t *table) ok(i int) bool { return !t.bad[i] }

// len returns the number of data rows; a nil table (an absent resource) has none.
func (t *table) len() int {
	if t == nil {
		return 0
	}
	return len(t.rows)
}

// get returns the trimmed value of col in row i, "" when the column is absent.
func (t *table) get(i int, col string) string {
	c, ok := t.cols[col]
	if !ok || c >= len(t.rows[i]) {
		return ""
	}
	return strings.TrimSpace(t.rows[i][c])
}

// has reports whether the table has the column.
func (t *table) has(col string) bool {
	if t == nil {
		return false
	}
	_, ok := t.cols[col]
	return ok
}

// field returns the error field for col: "services.csv:status".
func (t *table) field(col string) string { return t.file + ":" + col }

// tables reads a package's descriptor and its tables.
type tables struct {
	desc  descriptor
	files map[string][]byte
	lower map[string]string // lower-case name → name, for case-insensitive lookups
}

func openTables(p Package) (*tables, error) {
	raw, ok := p.Files[descriptorName]
	if !ok {
		return nil, notPackage("it has no %s", descriptorName)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	t := &tables{files: p.Files, lower: make(map[string]string, len(p.Files))}
	if err := json.Unmarshal(raw, &t.desc); err != nil {
		return nil, hub.Errorf(hub.EINVALID, "%s is not a data package descriptor: %s", descriptorName, jsonProblem(err))
	}
	names := make([]string, 0, len(p.Files))
	for name := range p.Files {
		names = append(names, name)
	}
	sort.Strings(names) // the first of two names differing only in case wins, whatever the map order
	for _, name := range names {
		if l := strings.ToLower(name); t.lower[l] == "" {
			t.lower[l] = name
		}
	}
	return t, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%q is a JSON %s, which the Data Package format does not allow there", te.Field, te.Value)
	}
	return "invalid JSON"
}

// read returns the table of r, or nil when the package does not hold it.
// A resource the descriptor lists whose file is absent counts as absent:
// exporters commonly ship the whole HSDS descriptor with only the tables
// they fill. A file that is not UTF-8 CSV, or lacks a column every row
// needs, rejects the package: none of its rows could be read.
func (ts *tables) read(r resource) (*table, error) {
	name, delim, err := ts.locate(r)
	if err != nil || name == "" {
		return nil, err
	}
	data := bytes.TrimPrefix(ts.files[name], []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, hub.Errorf(hub.EINVALID, "%s is not UTF-8 text (saved as Windows-1251 or UTF-16?); HSDS CSV files are UTF-8", name)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // rows of the wrong width are that row's error, not the file's
	t := &table{file: name, cols: make(map[string]int)}
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return t, nil // an empty file is an empty table
		}
		return nil, csvError(name, err)
	}
	t.width = len(header)
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := t.cols[h]; !dup && h != "" {
			t.cols[h] = i
		}
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(name, err)
		}
		t.rows = append(t.rows, row)
		t.bad = append(t.bad, len(row) != t.width)
	}
	if len(t.rows) > 0 {
		for _, col := range r.required {
			if !t.has(col) {
				return nil, hub.Errorf(hub.EINVALID, "%s has no %s column, which HSDS requires; its header is: %s", name, col, clipHeader(header))
			}
		}
	}
	return t, nil
}

// locate finds the file of r and its CSV delimiter: by the path the
// descriptor gives the resource, else by the HSDS file names; "" when the
// package has neither.
func (ts *tables) locate(r resource) (name string, delim rune, err error) {
	delim = ','
	for _, res := range ts.desc.Resources {
		if !containsFold(r.names, res.Name) {
			continue
		}
		if d := dialectDelimiter(res.Dialect); d != 0 {
			delim = d
		}
		var p string
		if len(res.Path) > 0 && json.Unmarshal(res.Path, &p) != nil {
			return "", 0, hub.Errorf(hub.EINVALID, "%s: resource %q has a path that is not one file name; multi-part resources are not supported", descriptorName, res.Name)
		}
		if strings.Contains(p, "://") {
			return "", 0, hub.Errorf(hub.EINVALID, "%s: resource %q points at %s; put the file in the package instead", descriptorName, res.Name, clip(p))
		}
		if name := ts.file(p); p != "" && name != "" {
			return name, delim, nil
		}
		break // listed but not shipped: perhaps under its HSDS name
	}
	for _, p := range r.paths {
		if name := ts.file(p); name != "" {
			return name, delim, nil
		}
	}
	return "", delim, nil
}

// file returns the package's name for path p, matched exactly, else
// ignoring case; "" when absent.
func (ts *tables) file(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(p, `\`, "/")), "/")
	if _, ok := ts.files[p]; ok {
		return p
	}
	return ts.lower[strings.ToLower(p)]
}

// dialectDelimiter reads a CSV dialect's one-character delimiter, 0 when
// there is none (a dialect may also be a path, which is not read).
func dialectDelimiter(raw json.RawMessage) rune {
	var d struct {
		Delimiter string `json:"delimiter"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return 0
	}
	r, n := utf8.DecodeRuneInString(d.Delimiter)
	if n == 0 || n != len(d.Delimiter) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		return 0
	}
	return r
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		what := "it is malformed"
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			what = "a quoted field is not closed, or has a stray quote"
		case errors.Is(pe.Err, csv.ErrBareQuote):
			what = `a field has a quote (") but is not quoted; write quotes inside a field as ""`
		}
		return hub.Errorf(hub.EINVALID, "%s is not valid CSV: in the row that starts on line %d of the file, %s", name, pe.StartLine, what)
	}
	return hub.Errorf(hub.EINVALID, "%s cannot be read as CSV", name)
}

func clipHeader(h []string) string {
	s := strings.Join(h, ",")
	if len(h) == 0 || strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	return clip(s)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}

// clip shortens s for quoting in a message, as ingest does, so that one
// huge value cannot make an error row as large as the package.
func clip(s string) string {
	const max = 60
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
