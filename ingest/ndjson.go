package ingest

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/birgemiz/hub"
)

// MaxLineBytes bounds one line of a feed, line terminator excluded. The
// largest legitimate record (a project with 20,000-character descriptions in
// three languages) is well under it; a longer line is a broken export, and
// reading it whole would let one line hold a worker's memory.
const MaxLineBytes = 1 << 20

// readBufferSize is the bufio buffer. Lines that fit are decoded straight
// from it without a copy; longer ones are gathered in Decoder.long.
const readBufferSize = 64 << 10

var bom = []byte("\xef\xbb\xbf")

// Decoder reads an NDJSON feed line by line.
type Decoder struct {
	r    *bufio.Reader
	line int
	long []byte // a line longer than the read buffer
	err  error  // sticky: io.EOF or the read error, returned once the lines before it are out
	rd   recordDecoder
}

// NewDecoder returns a decoder reading r with no source-specific options.
// It buffers r itself.
func NewDecoder(r io.Reader) *Decoder {
	return NewDecoderOptions(r, Options{})
}

// NewDecoderOptions returns a decoder reading r with the options of the
// source the feed comes from. It buffers r itself.
func NewDecoderOptions(r io.Reader, opts Options) *Decoder {
	d := &Decoder{r: bufio.NewReaderSize(r, readBufferSize)}
	d.rd.categories = opts.categories()
	return d
}

// Line returns the 1-based number of the last line Next read. Blank lines
// count, so the numbers are the ones an editor shows for the file.
func (d *Decoder) Line() int { return d.line }

// Next returns the next non-blank line as a record, with the problems found
// in it:
//
//   - rec == nil and len(errs) > 0: the line is rejected (counted as failed);
//   - rec != nil and len(errs) > 0: the record applies but part of it was
//     refused. The only case is a volunteer's personal fields sent without
//     consent_ref and consent_at: rec.Personal is nil and one error on
//     "data.consent_ref" names the refused fields, never their values;
//   - rec != nil and errs == nil: the record is valid.
//
// err is io.EOF after the last line, or the error r returned. A line longer
// than MaxLineBytes is a per-record error and decoding goes on with the next
// line.
func (d *Decoder) Next() (rec *hub.FeedRecord, errs []hub.RecordError, err error) {
	for {
		if d.err != nil {
			return nil, nil, d.err
		}
		line, tooLong, blank, ok := d.readLine()
		if !ok {
			continue // d.err is set
		}
		d.line++
		if tooLong {
			if blank {
				continue
			}
			return nil, []hub.RecordError{{Line: d.line, Field: "",
				Message: "line is longer than 1048576 bytes (1 MiB), the limit for one record"}}, nil
		}
		if isBlank(line) {
			continue
		}
		rec, errs := d.rd.decode(line, d.line)
		return rec, errs, nil
	}
}

// readLine reads one line and returns it without its terminator, and
// without the UTF-8 byte order mark some Windows tools put before the first
// line. The slice is valid until the next call. For a line over
// MaxLineBytes it returns tooLong and whether the line held only white
// space, not the line. ok is false when no line was read; d.err then says
// why.
func (d *Decoder) readLine() (line []byte, tooLong, blank, ok bool) {
	frag, err := d.r.ReadSlice('\n')
	if d.line == 0 {
		frag = bytes.TrimPrefix(frag, bom)
	}
	if err == bufio.ErrBufferFull {
		d.long = append(d.long[:0], frag...)
		n := len(frag)
		for err == bufio.ErrBufferFull {
			frag, err = d.r.ReadSlice('\n')
			n += len(frag)
			switch {
			case tooLong:
				blank = blank && isBlank(frag)
			case n > MaxLineBytes+2: // content over the limit even after a "\r\n"
				tooLong, blank = true, isBlank(d.long) && isBlank(frag)
				d.long = d.long[:0]
			default:
				d.long = append(d.long, frag...)
			}
		}
		frag = d.long
		if tooLong {
			frag = nil
		}
		if err == io.EOF && n > 0 {
			err = nil
			d.err = io.EOF
		}
	} else if err == io.EOF && len(frag) > 0 {
		// A last line without a newline is a line.
		err = nil
		d.err = io.EOF
	}
	if err != nil {
		d.err = err
		return nil, false, false, false
	}
	frag = trimEOL(frag)
	if !tooLong && len(frag) > MaxLineBytes {
		return nil, true, isBlank(frag), true
	}
	return frag, tooLong, blank, true
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// isBlank reports whether b holds only JSON white space.
func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// lines calls fn for each line of body with its 1-based number, without the
// line terminator (and without a UTF-8 byte order mark on line 1), until fn
// returns false. It splits exactly as Decoder does.
func lines(body []byte, fn func(n int, line []byte) bool) {
	for n := 1; len(body) > 0; n++ {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = trimEOL(line)
		if n == 1 {
			line = bytes.TrimPrefix(line, bom)
		}
		if !fn(n, line) {
			return
		}
	}
}

// CountLines returns the number of non-blank lines of body: the number of
// results Decoder.Next returns before io.EOF, which a batch's progress
// counts to.
func CountLines(body []byte) int {
	count := 0
	lines(body, func(_ int, line []byte) bool {
		if !isBlank(line) {
			count++
		}
		return true
	})
	return count
}

const feedShape = `a feed has one {"type":…,"id":…} object per line`

// Sniff rejects a body that is not an NDJSON feed at all: an HTML error
// page, a JSON array, a CSV file, binary data. It looks at the first
// non-blank line only, which must be a JSON object with a "type" key: a
// broken record further down is that record's error, not the batch's. The
// error is a *hub.Error with code EINVALID.
func Sniff(body []byte) error {
	var err error
	found := false
	lines(body, func(n int, line []byte) bool {
		if isBlank(line) {
			return true
		}
		found = true
		err = sniffLine(n, line)
		return false
	})
	if !found {
		return hub.Errorf(hub.EINVALID, "empty feed")
	}
	return err
}

func sniffLine(n int, line []byte) error {
	notFeed := func(format string, args ...any) error {
		e := hub.Errorf(hub.EINVALID, format, args...)
		e.Message = "not an NDJSON feed: " + e.Message
		return e
	}
	// Only JSON white space: the line is not blank (the caller checked), so
	// something is left to look at.
	line = bytes.Trim(line, " \t\r\n")
	switch {
	case len(line) > MaxLineBytes:
		return notFeed("line %d is longer than 1048576 bytes (1 MiB); %s", n, feedShape)
	case bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line):
		return notFeed("line %d is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16?); %s", n, feedShape)
	case line[0] == '<':
		return notFeed("line %d looks like HTML or XML; %s", n, feedShape)
	case line[0] == '[':
		return notFeed("line %d starts a JSON array; %s, not an array", n, feedShape)
	case line[0] != '{':
		return notFeed("line %d is not a JSON object (%s)", n, feedShape)
	case !validJSON(line):
		return notFeed("line %d is not a complete JSON object (pretty-printed JSON?); %s", n, feedShape)
	}
	for _, m := range members(line, nil) {
		if string(m.key) == "type" {
			return nil
		}
	}
	return notFeed(`line %d is a JSON object without a "type" key; %s`, n, feedShape)
}
