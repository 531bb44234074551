package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/birgemiz/hub"
)

// RecordReader is what every feed decoder offers; the worker reads batches through it.
type RecordReader interface {
	Next() (rec *hub.FeedRecord, errs []hub.RecordError, err error) // same contract as (*Decoder).Next
	Line() int
}

var (
	_ RecordReader = (*Decoder)(nil)
	_ RecordReader = (*CSVDecoder)(nil)
)

// A CSV feed holds one record type, named by the caller rather than by the
// file: a header row of column names, then one record per row (SPEC, Feeds).
// Each row is turned into the NDJSON line that says the same thing and
// decoded by the NDJSON decoder's own code, so that a field gets the same
// checks and the same error message, and a record the same hash, whichever
// format it came in. Only the spelling differs: multilingual text is spread
// over name_kk, name_ru and name_en columns, lists are one cell separated by
// ";", and an empty cell is an absent field.

// csvKind says how a column's cells become a JSON value.
type csvKind uint8

const (
	csvString  csvKind = iota // a string
	csvText                   // multilingual text: one column per language, name_kk, name_ru, name_en
	csvNumber                 // a number when the cell is a JSON number, else a string (which the field refuses)
	csvList                   // strings separated by ";"
	csvNumbers                // numbers separated by ";", each as for csvNumber
)

type csvField struct {
	name string
	kind csvKind
}

// csvType lists the data fields of a record type as types.go reads them
// (TestCSVFieldsMatchDecoder keeps the two in step), with a header to
// suggest when a file has none.
type csvType struct {
	fields  []csvField
	example string
}

var csvTypes = map[hub.RecordType]csvType{
	hub.TypeOrganization: {example: "id,updated_at,name_ru,region", fields: []csvField{
		{"name", csvText}, {"bin", csvString}, {"kind", csvString}, {"region", csvString},
		{"directions", csvList}, {"website", csvString}, {"contact_email", csvString},
		{"contact_phone", csvString}, {"founded", csvString}, {"volunteer_count", csvNumber},
	}},
	hub.TypeProject: {example: "id,updated_at,title_ru,region,status", fields: []csvField{
		{"title", csvText}, {"description", csvText}, {"organization_id", csvString}, {"region", csvString},
		{"locality", csvString}, {"lat", csvNumber}, {"lon", csvNumber}, {"directions", csvList},
		{"status", csvString}, {"start_date", csvString}, {"end_date", csvString},
		{"volunteers_needed", csvNumber}, {"volunteers_engaged", csvNumber}, {"volunteer_hours", csvNumber},
		{"beneficiaries", csvNumber}, {"grant_programme", csvString}, {"grant_amount_kzt", csvNumber},
		{"tags", csvList}, {"url", csvString},
	}},
	hub.TypeVolunteer: {example: "id,updated_at,region,status", fields: []csvField{
		{"region", csvString}, {"gender", csvString}, {"birth_date", csvString}, {"languages", csvList},
		{"skills", csvList}, {"directions", csvList}, {"registered_at", csvString}, {"status", csvString},
		{"organization_ids", csvList}, {"full_name", csvString}, {"phone", csvString}, {"email", csvString},
		{"iin", csvString}, {"consent_ref", csvString}, {"consent_at", csvString},
	}},
	hub.TypeParticipation: {example: "id,updated_at,volunteer_id,project_id,hours", fields: []csvField{
		{"volunteer_id", csvString}, {"project_id", csvString}, {"role", csvString}, {"hours", csvNumber},
		{"start_date", csvString}, {"end_date", csvString},
	}},
	hub.TypeUNPlacement: {example: "id,updated_at,host_entity,country,status", fields: []csvField{
		{"volunteer_id", csvString}, {"host_entity", csvString}, {"country", csvString},
		{"duty_station", csvString}, {"title", csvText}, {"category", csvString}, {"funding", csvString},
		{"start_date", csvString}, {"end_date", csvString}, {"status", csvString}, {"sdgs", csvNumbers},
	}},
	hub.TypeIndicator: {example: "id,updated_at,metric,value,period", fields: []csvField{
		{"metric", csvString}, {"value", csvNumber}, {"unit", csvString}, {"period", csvString},
		{"region", csvString}, {"citation_url", csvString}, {"note", csvText},
	}},
}

// csvLangs are the language suffixes of text columns, in the order of
// csvLayout.cols.
var csvLangs = [3]string{"kk", "ru", "en"}

// csvLayout says where each part of a record is in a row: a column index,
// or -1 when the header has no such column.
type csvLayout struct {
	id, updatedAt, op, typ int
	fields                 []csvField
	cols                   [][3]int // per field; [0] unless the field is text
	columns                int      // cells a row must have
	known                  int      // columns that are envelope or data columns of the type
	data                   int      // columns that are data columns of the type
	unknown                int      // columns ignored for want of a meaning
	duplicate              bool
}

// csvHeaderError is a problem with one column of the header.
type csvHeaderError struct {
	field, msg string
}

// newCSVLayout maps a header row to the parts of a typ record and reports
// the columns it cannot use. Those are ignored, so that one stray column in
// an export does not reject every row. A column without a name, which
// spreadsheets write for a trailing separator, is ignored silently.
func newCSVLayout(typ hub.RecordType, header []string) (*csvLayout, []csvHeaderError) {
	ct := csvTypes[typ]
	l := &csvLayout{id: -1, updatedAt: -1, op: -1, typ: -1, fields: ct.fields, columns: len(header)}
	l.cols = make([][3]int, len(ct.fields))
	for i := range l.cols {
		l.cols[i] = [3]int{-1, -1, -1}
	}
	names := make([]string, len(header))
	count := make(map[string]int, len(header))
	for i, h := range header {
		names[i] = strings.TrimSpace(h)
		count[names[i]]++
	}
	var errs []csvHeaderError
	for i, name := range names {
		if name == "" {
			continue
		}
		if n := count[name]; n != 1 {
			// A column given twice is ambiguous in every row: neither copy
			// is read. It is reported at its first copy.
			if n > 1 {
				errs = append(errs, csvHeaderError{fieldKey([]byte(name)), fmt.Sprintf("column appears %d times in the header; none of them is read", n)})
				count[name] = -n
			}
			l.duplicate = true
			l.unknown++
			continue
		}
		slot, msg := csvColumnFor(typ, ct.fields, name)
		if slot == nil {
			errs = append(errs, csvHeaderError{fieldKey([]byte(name)), msg})
			l.unknown++
			continue
		}
		switch slot.role {
		case "id":
			l.id = i
		case "updated_at":
			l.updatedAt = i
		case "op":
			l.op = i
		case "type":
			l.typ = i
		default:
			l.cols[slot.field][slot.lang] = i
			l.data++
		}
		l.known++
	}
	return l, errs
}

// csvSlot is what a column holds: an envelope key (role), or a data field
// (role "", with the index of the field and, for text, of the language).
type csvSlot struct {
	role        string
	field, lang int
}

// csvColumnFor finds what the column name holds in a typ record, or says
// why it holds nothing.
func csvColumnFor(typ hub.RecordType, fields []csvField, name string) (*csvSlot, string) {
	switch name {
	case "id", "updated_at", "op", "type":
		return &csvSlot{role: name}, ""
	}
	for i, f := range fields {
		if f.kind != csvText {
			if name == f.name {
				return &csvSlot{field: i}, ""
			}
			continue
		}
		base, lang, ok := strings.Cut(name, "_")
		if name == f.name {
			return nil, fmt.Sprintf("multilingual text goes in %[1]s_kk, %[1]s_ru and %[1]s_en columns; this column is ignored", f.name)
		}
		if !ok || base != f.name {
			continue
		}
		for j, l := range csvLangs {
			if lang == l {
				return &csvSlot{field: i, lang: j}, ""
			}
		}
		return nil, fmt.Sprintf("unknown language; use %[1]s_kk, %[1]s_ru or %[1]s_en; this column is ignored", f.name)
	}
	if lower := strings.ToLower(name); lower != name {
		if s, _ := csvColumnFor(typ, fields, lower); s != nil {
			return nil, fmt.Sprintf("unknown column; column names are lower case (%s); this column is ignored", clip(lower))
		}
	}
	return nil, fmt.Sprintf("unknown column for type %s; this column is ignored", typ)
}

// csvScanner reads the rows of a CSV body: encoding/csv with the
// separator the header line uses, after a UTF-8 byte order mark, skipping
// rows whose cells are all blank. The decoder, SniffCSV and CountCSVRecords
// share it, so that they agree on where rows are.
type csvScanner struct {
	cr *csv.Reader
}

func newCSVScanner(r io.Reader) *csvScanner {
	br := bufio.NewReaderSize(r, readBufferSize)
	b, err1 := br.Peek(len(bom))
	if bytes.Equal(b, bom) {
		_, _ = br.Discard(len(bom))
	}
	// The separator is decided by the first line that is not blank, as
	// far as the buffer holds it: a header line longer than 64 KiB is a
	// broken file whatever its separator.
	head, err2 := br.Peek(readBufferSize)
	comma := ','
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if isBlank(line) {
			continue
		}
		if bytes.IndexByte(line, ';') >= 0 && bytes.IndexByte(line, ',') < 0 {
			comma = ';'
		}
		break
	}
	// A read error met while peeking goes to the peek alone: keep it for
	// the end of the buffered bytes, or a cut body would read as a whole one.
	var src io.Reader = br
	for _, err := range []error{err1, err2} {
		if err != nil && err != io.EOF {
			src = &errAfter{r: br, err: err}
			break
		}
	}
	cr := csv.NewReader(src)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // rows of the wrong length are the row's error, not the file's
	cr.ReuseRecord = true
	return &csvScanner{cr: cr}
}

// errAfter reads r, then fails with err where r ends.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		err = e.err
	}
	return n, err
}

// next returns the next row that is not blank: its cells with surrounding
// white space trimmed (valid until the next call), and the line it starts
// on; or the syntax error that ended the row. err is io.EOF at the end, or
// the error the reader returned.
func (s *csvScanner) next() (cells []string, line int, perr *csv.ParseError, err error) {
	for {
		cells, err = s.cr.Read()
		if errors.As(err, &perr) {
			return nil, perr.StartLine, perr, nil
		} else if err != nil {
			return nil, 0, nil, err
		}
		blank := true
		for i, c := range cells {
			cells[i] = strings.TrimSpace(c)
			blank = blank && cells[i] == ""
		}
		if !blank {
			line, _ = s.cr.FieldPos(0)
			return cells, line, nil, nil
		}
	}
}

// csvSyntax describes a CSV syntax error by its line, never by the text
// around it, which may be personal data. encoding/csv counts columns in
// bytes, which a Cyrillic line would make misleading, so they are left out.
func csvSyntax(perr *csv.ParseError) string {
	switch {
	case errors.Is(perr.Err, csv.ErrBareQuote):
		return fmt.Sprintf(`a " in a cell that does not start with one (on line %d); put the cell in quotes and double the " inside it`, perr.Line)
	case errors.Is(perr.Err, csv.ErrQuote):
		return fmt.Sprintf(`a quoted cell is not closed, or has a " that is not doubled (on line %d)`, perr.Line)
	default:
		return fmt.Sprintf("on line %d", perr.Line)
	}
}

// CSVDecoder reads a CSV feed of one record type row by row.
type CSVDecoder struct {
	typ     hub.RecordType
	sc      *csvScanner
	started bool
	layout  *csvLayout // nil when the header could not be read
	line    int
	header  int   // the line of the header row, once read
	err     error // sticky: io.EOF or the read error
	rd      recordDecoder
	buf     []byte // the row as an NDJSON line
}

// NewCSVDecoder returns a decoder reading a CSV feed of typ records from r,
// with the options of the source it comes from. It buffers r itself.
func NewCSVDecoder(r io.Reader, typ hub.RecordType, opts Options) *CSVDecoder {
	d := &CSVDecoder{typ: typ, sc: newCSVScanner(r)}
	d.rd.categories = opts.categories()
	return d
}

// Line returns the 1-based line on which the row Next returned last
// starts. Blank lines and the lines inside quoted cells count, so the
// numbers are the ones an editor shows for the file.
func (d *CSVDecoder) Line() int { return d.line }

// HeaderLine returns the line of the header row, or 0 before it is read.
// A result of Next on that line is about the header's columns, not a
// record; blank lines before the header put it after line 1.
func (d *CSVDecoder) HeaderLine() int { return d.header }

// Next returns the next data row as a record, with the problems found in
// it, under the same contract as (*Decoder).Next. The header row is not a
// record; but when it has problems, the first call returns them alone,
// once, on the header's line: each column that cannot be used (unknown, or
// given twice) with the column name as the field, and the rows are read
// without those columns; or a header that cannot be read at all, with the
// field "", and then every row is rejected. A row whose cells are all empty is skipped like a
// blank line. A row with more or fewer cells than the header has columns,
// one that is not valid CSV, and one longer than MaxLineBytes are rejected
// with one error, and decoding goes on with the next row.
func (d *CSVDecoder) Next() (rec *hub.FeedRecord, errs []hub.RecordError, err error) {
	if d.err != nil {
		return nil, nil, d.err
	}
	if !d.started {
		d.started = true
		if errs := d.readHeader(); errs != nil {
			return nil, errs, nil
		}
		if d.err != nil {
			return nil, nil, d.err
		}
	}
	cells, line, perr, err := d.sc.next()
	if err != nil {
		d.err = err
		return nil, nil, err
	}
	d.line = line
	fail := func(format string, args ...any) (*hub.FeedRecord, []hub.RecordError, error) {
		return nil, []hub.RecordError{{Line: line, Field: "", Message: fmt.Sprintf(format, args...)}}, nil
	}
	switch {
	case perr != nil:
		return fail("row is not valid CSV: %s", csvSyntax(perr))
	case d.layout == nil:
		return fail("row not read: the header row could not be read, so its cells have no names")
	case len(cells) != d.layout.columns:
		return fail("row has %d cells, but the header has %d columns", len(cells), d.layout.columns)
	case rowBytes(cells) > MaxLineBytes:
		return fail("row is longer than 1048576 bytes (1 MiB), the limit for one record")
	}
	for _, c := range cells {
		if !utf8.ValidString(c) {
			return fail("row is not valid UTF-8 (is the file in another encoding, such as Windows-1251?)")
		}
	}
	if i := d.layout.typ; i >= 0 && cells[i] != "" && cells[i] != string(d.typ) {
		// Only a record type is quoted: a cell in the wrong column may hold
		// anything, a name included.
		msg := fmt.Sprintf("must be empty or %s, the record type of this file (a CSV file holds one record type)", d.typ)
		if hub.RecordType(cells[i]).Valid() {
			msg = fmt.Sprintf("%q is not the record type of this file (%s); a CSV file holds one record type", cells[i], d.typ)
		}
		return nil, []hub.RecordError{{Line: line, Field: "type", Message: msg}}, nil
	}
	d.buf = d.layout.appendJSON(d.buf[:0], d.typ, cells)
	rec, errs = d.rd.decode(d.buf, line)
	return rec, errs, nil
}

// readHeader reads the header row and returns the problems to report for
// it, or nil. It sets d.err at the end of the body or on a read error.
func (d *CSVDecoder) readHeader() []hub.RecordError {
	cells, line, perr, err := d.sc.next()
	if err != nil {
		d.err = err
		return nil
	}
	d.line, d.header = line, line
	rd := &d.rd
	rd.line, rd.errs, rd.dropped = line, nil, 0
	switch {
	case perr != nil:
		rd.add("", "header row is not valid CSV: %s", csvSyntax(perr))
	case rowBytes(cells) > MaxLineBytes:
		rd.add("", "header row is longer than 1048576 bytes (1 MiB)")
	default:
		layout, problems := newCSVLayout(d.typ, cells)
		d.layout = layout
		for _, p := range problems {
			rd.add(p.field, "%s", p.msg)
		}
	}
	if len(rd.errs) == 0 {
		return nil
	}
	return rd.result()
}

// rowBytes is the size of a row as written without quotes: its cells and
// the separators between them.
func rowBytes(cells []string) int {
	n := len(cells) - 1
	for _, c := range cells {
		n += len(c)
	}
	return n
}

// appendJSON appends to b the NDJSON line that says what the row says.
// Cells are trimmed, and an empty cell is an absent field.
func (l *csvLayout) appendJSON(b []byte, typ hub.RecordType, cells []string) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, string(typ))
	for _, env := range [...]struct {
		key string
		col int
	}{{"id", l.id}, {"updated_at", l.updatedAt}, {"op", l.op}} {
		if env.col >= 0 && cells[env.col] != "" {
			b = append(b, ',', '"')
			b = append(b, env.key...)
			b = append(b, '"', ':')
			b = appendJSONString(b, cells[env.col])
		}
	}
	b = append(b, `,"data":{`...)
	first := true
	key := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	for i, f := range l.fields {
		cols := l.cols[i]
		if f.kind == csvText {
			open := false
			for j, col := range cols {
				if col < 0 || cells[col] == "" {
					continue
				}
				if !open {
					key(f.name)
					b = append(b, '{')
					open = true
				} else {
					b = append(b, ',')
				}
				b = append(b, '"')
				b = append(b, csvLangs[j]...)
				b = append(b, '"', ':')
				b = appendJSONString(b, cells[col])
			}
			if open {
				b = append(b, '}')
			}
			continue
		}
		if cols[0] < 0 || cells[cols[0]] == "" {
			continue
		}
		cell := cells[cols[0]]
		switch f.kind {
		case csvString:
			key(f.name)
			b = appendJSONString(b, cell)
		case csvNumber:
			key(f.name)
			b = appendJSONNumber(b, cell)
		case csvList, csvNumbers:
			n := 0
			for item := range strings.SplitSeq(cell, ";") {
				if item = strings.TrimSpace(item); item == "" {
					continue
				}
				if n == 0 {
					key(f.name)
					b = append(b, '[')
				} else {
					b = append(b, ',')
				}
				n++
				if f.kind == csvNumbers {
					b = appendJSONNumber(b, item)
				} else {
					b = appendJSONString(b, item)
				}
			}
			if n > 0 {
				b = append(b, ']')
			}
		}
	}
	return append(b, '}', '}')
}

// appendJSONNumber appends s as a JSON number when it is one, and else as a
// string, so that the field reports "must be a number" exactly as it does
// for a string in an NDJSON line.
func appendJSONNumber(b []byte, s string) []byte {
	start := len(b)
	b = append(b, s...)
	if end, ok := validNumber(b, start); ok && end == len(b) {
		return b
	}
	return appendJSONString(b[:start], s)
}

// appendJSONString appends s as a JSON string literal. s is valid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// CountCSVRecords returns the number of data rows of a CSV body: the rows
// after the header that are not blank, which is the number of results
// CSVDecoder.Next returns before io.EOF, and what a batch's progress counts
// to. The one exception is a header with problems, such as an unknown
// column: Next reports them in a result of their own, which this count,
// made without the record type, cannot foresee.
func CountCSVRecords(body []byte) int {
	sc := newCSVScanner(bytes.NewReader(body))
	n := -1 // the header
	for {
		if _, _, _, err := sc.next(); err != nil {
			return max(n, 0)
		}
		n++
	}
}

// SniffCSV rejects a body that is not a CSV feed of typ records at all: an
// empty body, binary data or text in another encoding, an HTML error page,
// JSON, a file without a header row, or a header that lacks the id or
// updated_at column or names none of the type's fields. It reads the first
// lines only: a broken row further down is that row's error. The error is a
// *hub.Error with code EINVALID.
func SniffCSV(body []byte, typ hub.RecordType) error {
	notFeed := func(format string, args ...any) error {
		e := hub.Errorf(hub.EINVALID, format, args...)
		e.Message = "not a CSV feed: " + e.Message
		return e
	}
	ct, ok := csvTypes[typ]
	if !ok {
		return hub.Errorf(hub.EINVALID, "%q is not a record type; use one of %s", clip(string(typ)), recordTypeList)
	}
	shape := fmt.Sprintf("a CSV feed of %s records starts with a header row such as %s", typ, ct.example)

	var first []byte
	n := 0
	lines(body, func(i int, line []byte) bool {
		if isBlank(line) {
			return true
		}
		first, n = bytes.Trim(line, " \t\r\n"), i
		return false
	})
	switch {
	case n == 0:
		return hub.Errorf(hub.EINVALID, "empty feed")
	case bytes.IndexByte(first, 0) >= 0 || !utf8.Valid(first):
		return notFeed("line %d is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16 or Windows-1251?); %s", n, shape)
	case first[0] == '<':
		return notFeed("line %d looks like HTML or XML; %s", n, shape)
	case first[0] == '{' || first[0] == '[':
		return notFeed("line %d looks like JSON (an NDJSON feed?); %s", n, shape)
	}

	cells, line, perr, err := newCSVScanner(bytes.NewReader(body)).next()
	switch {
	case err != nil: // only blank rows, such as ",,,"
		return hub.Errorf(hub.EINVALID, "empty feed")
	case perr != nil:
		return notFeed("line %d is not a valid CSV header row: %s", line, csvSyntax(perr))
	case rowBytes(cells) > MaxLineBytes:
		return notFeed("the header row (line %d) is longer than 1048576 bytes (1 MiB); %s", line, shape)
	}
	l, _ := newCSVLayout(typ, cells)
	if l.known == 0 && !l.duplicate {
		return notFeed("line %d is not a header row: none of its %d columns is a column of a %s record; %s", line, len(cells), typ, shape)
	}
	if l.duplicate {
		seen := make(map[string]bool, len(cells))
		for _, c := range cells {
			if c != "" && seen[c] {
				return notFeed("column %q appears more than once in the header row (line %d)", clip(c), line)
			}
			seen[c] = true
		}
	}
	switch {
	case l.id < 0 && l.updatedAt < 0:
		return notFeed("the header row (line %d) has no id and no updated_at column; %s", line, shape)
	case l.id < 0:
		return notFeed("the header row (line %d) has no id column; %s", line, shape)
	case l.updatedAt < 0:
		return notFeed("the header row (line %d) has no updated_at column; %s", line, shape)
	case l.data == 0 && l.unknown > 0:
		return notFeed("none of the columns of the header row (line %d) is a field of a %s record; is it a file of another record type? %s", line, typ, shape)
	}
	return nil
}
