package feedapi

import (
	"net/http"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/ingest/hsds"
)

// classifyOther handles the formats besides NDJSON: CSV (one record type,
// named by ?type=) and HSDS data packages (application/zip).
func classifyOther(r *http.Request, mt string, b *hub.Batch, body []byte) error {
	switch mt {
	case "text/csv":
		t := hub.RecordType(r.URL.Query().Get("type"))
		if !t.Valid() {
			return fail(http.StatusBadRequest, "invalid", "a CSV feed holds one record type: add ?type=organization (or project, volunteer, participation, un_placement, indicator)")
		}
		if err := ingest.SniffCSV(body, t); err != nil {
			return fail(http.StatusBadRequest, "not_a_feed", "%s", hub.ErrorMessage(err))
		}
		b.Format, b.RecordType, b.Lines = hub.FormatCSV, t, ingest.CountCSVRecords(body)
		return nil
	case "application/zip":
		pkg, err := hsds.ReadZip(body)
		if err != nil {
			return fail(http.StatusBadRequest, "not_a_feed", "%s", hub.ErrorMessage(err))
		}
		// Decoded here only to refuse a package that cannot be read at all
		// and to count its records; the worker decodes it again.
		recs, _, err := hsds.Decode(pkg, hsds.Options{UpdatedAt: time.Now().UTC()})
		if err != nil {
			return fail(http.StatusBadRequest, "not_a_feed", "%s", hub.ErrorMessage(err))
		}
		b.Format, b.Lines = hub.FormatHSDS, len(recs)
		return nil
	}
	return fail(http.StatusUnsupportedMediaType, "unsupported_media_type",
		"Content-Type %q is not a feed format: use application/x-ndjson, text/csv (with ?type=) or application/zip (an HSDS 3 data package)", mt)
}
