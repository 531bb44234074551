// Package ingest turns feed bodies into validated hub records. It owns the
// feed formats and nothing else: no SQL, no network, no reconciliation
// against stored state. The store applies what comes out of here.
//
// The canonical format is NDJSON, one record per line (see SPEC, Feeds):
//
//	{"type":"project","id":"ext-17","op":"upsert","updated_at":"2026-01-13T10:00:00Z","data":{...}}
//
// A Decoder reads such a body line by line and returns, for each non-blank
// line, either a *hub.FeedRecord or the reasons the line was rejected, as
// hub.RecordError values with the line number, the field's JSON path and a
// message for the person who maintains the feed. One bad line never stops a
// batch. Sniff rejects bodies that are not a feed at all before anything is
// decoded, and CountLines gives the number of records a batch counts to.
//
// CSV is accepted too, one record type per file (SPEC, Feeds). A
// CSVDecoder turns each row into the NDJSON line that says the same thing
// and decodes it with the same code, so that both formats check a field
// alike, report it with the same message and hash a record alike;
// SniffCSV and CountCSVRecords are its Sniff and CountLines. Both decoders
// are RecordReaders, and both take the Options of the source a feed comes
// from: its own category words for directions.
//
// Messages never repeat a volunteer's personal data (name, phone, email,
// IIN, birth date, consent reference), because batch errors are shown to the
// platform's operators and kept far longer than the record would be.
//
// Decoding is written for batches of a million lines: each line is
// validated and then read in place by a small JSON scanner, rather than
// unmarshalled through reflection twice, and a record's hash is computed
// from a compact encoding rather than from its JSON.
package ingest
