// Package feedapi is the HTTP API sources push feeds to:
// POST /v1/sources/{source}/batches stores a signed body as a batch and
// answers 202 with its receipt once it is durable, and GET
// /v1/batches/{id} answers the receipt with per-record errors. Pushes are
// authenticated by the source's bearer token and signed per the Standard
// Webhooks specification.
package feedapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/internal/ratelimit"
)

// Limits on a push, by default.
const (
	DefaultMaxBody         = 256 << 20 // bytes as sent (compressed or not)
	DefaultMaxDecompressed = 1 << 30   // bytes after gzip
	MaxErrorsPerReceipt    = 1000
)

// Handler serves the feed API.
type Handler struct {
	Sources hub.SourceService
	// Keys, when set, lets API keys in: a platform key pushes for, and
	// reads the receipts of, the source it is bound to; an admin key reads
	// any receipt. Without it only sources' tokens are taken.
	Keys    hub.KeyService
	Batches hub.BatchService
	// Enqueue tells the workers about a stored batch. Its failure is logged
	// and the batch stays stored: the reconciler enqueues it later.
	Enqueue func(ctx context.Context, batchID string) error
	Log     *slog.Logger
	// Limiter, when set, limits each source's pushes and receipt reads
	// (its push allowance) and the failed tokens per client address.
	Limiter *ratelimit.Limiter

	MaxBody         int64
	MaxDecompressed int64
}

// Register adds the API's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/sources/{source}/batches", h.push)
	mux.HandleFunc("GET /v1/batches/{id}", h.receipt)
}

// apiError is the JSON error body: a code, a message for people.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		switch hub.ErrorCode(err) {
		case hub.EUNAUTHORIZED:
			ae = fail(http.StatusUnauthorized, "unauthorized", "%s", hub.ErrorMessage(err))
		case hub.EFORBIDDEN:
			ae = fail(http.StatusForbidden, "forbidden", "%s", hub.ErrorMessage(err))
		case hub.ENOTFOUND:
			ae = fail(http.StatusNotFound, "not_found", "%s", hub.ErrorMessage(err))
		case hub.EINVALID:
			ae = fail(http.StatusBadRequest, "invalid", "%s", hub.ErrorMessage(err))
		default:
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				// The client went away: nobody reads this answer, and it
				// is not the hub's failure.
				h.Log.DebugContext(r.Context(), "feed api client went away", "path", r.URL.Path)
				ae = fail(499, "client_closed_request", "the client closed the request")
				break
			}
			h.Log.ErrorContext(r.Context(), "feed api failed", "path", r.URL.Path, "err", err)
			ae = fail(http.StatusInternalServerError, "internal", "internal error; the body was not stored, send it again")
		}
	}
	if ae.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="birgemiz-hub"`)
	}
	writeJSON(w, ae.Status, map[string]any{"error": ae})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// authenticate returns the caller of the request's bearer token (a
// source's token acts as its source's platform caller) and spends one
// request of its push allowance: its source's, or an admin key's own. With
// a Limiter, a token that is not valid spends one of the client address's
// failed credentials, and once those are spent the address's tokens are
// refused (429) unread. The allowance's X-RateLimit headers go on w.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (hub.Principal, error) {
	token, ok := hub.BearerToken(r.Header.Get("Authorization"))
	if !ok {
		return hub.Principal{}, fail(http.StatusUnauthorized, "unauthorized", "send the source's token, or a platform API key bound to the source, as Authorization: Bearer <token>")
	}
	p, d, err := h.Limiter.Authenticate(r, token, (&hub.Authenticator{Keys: h.Keys, Sources: h.Sources}).Authenticate)
	var blocked *ratelimit.CredentialsBlocked
	switch {
	case errors.As(err, &blocked):
		d.SetHeaders(w.Header())
		return hub.Principal{}, fail(http.StatusTooManyRequests, "rate_limited", "%s", blocked.Error())
	case err != nil:
		if hub.ErrorCode(err) == hub.EUNAUTHORIZED {
			d.SetHeaders(w.Header())
		}
		return hub.Principal{}, err
	}
	if h.Limiter != nil {
		name, who := "key:"+p.Key, fmt.Sprintf("the feed API of key %q", p.Key)
		if p.Source != nil {
			name, who = p.Source.Name, fmt.Sprintf("the feed API of source %q", p.Source.Name)
		}
		d := h.Limiter.Push(r.Context(), name)
		d.SetHeaders(w.Header())
		if !d.Allowed {
			return hub.Principal{}, fail(http.StatusTooManyRequests, "rate_limited", "%s", d.Message(who))
		}
	}
	return p, nil
}

func (h *Handler) push(w http.ResponseWriter, r *http.Request) {
	b, replayed, err := h.store(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/batches/"+b.ID)
	writeJSON(w, http.StatusAccepted, receiptOf(b, nil, false))
}

// storeTimeout bounds the work of storing a push once its body is read.
const storeTimeout = 60 * time.Second

// store checks, stores and enqueues a pushed body. Nothing is stored
// unless the token, the signature and the body all pass. Once the body is
// read, the push is finished whatever the client does: a client that
// half-closes its socket after sending (which cancels the request's
// context) still gets its receipt, and one that is gone finds its batch
// stored when it retries with the same webhook-id.
func (h *Handler) store(w http.ResponseWriter, r *http.Request) (*hub.Batch, bool, error) {
	p, err := h.authenticate(w, r)
	if err != nil {
		return nil, false, err
	}
	src := p.Source
	if p.Role != hub.RolePlatform || src == nil {
		return nil, false, fail(http.StatusForbidden, "forbidden", "a push comes from its source: send the source's token, or a platform API key bound to it, not a %s key", p.Role)
	}
	if name := r.PathValue("source"); name != src.Name {
		return nil, false, fail(http.StatusForbidden, "forbidden", "this token belongs to source %q, not %q", src.Name, name)
	}
	maxBody := h.MaxBody
	if maxBody == 0 {
		maxBody = DefaultMaxBody
	}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, false, fail(http.StatusRequestEntityTooLarge, "too_large", "the body is larger than %d bytes; split the feed into several batches", maxBody)
	} else if err != nil {
		return nil, false, fail(http.StatusBadRequest, "invalid", "could not read the body: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()

	// The signature covers the body as sent.
	if err := h.verify(ctx, src, raw, r.Header); err != nil {
		return nil, false, err
	}
	webhookID := r.Header.Get(standardwebhooks.HeaderWebhookID)
	if len(webhookID) > 200 {
		return nil, false, fail(http.StatusBadRequest, "invalid", "webhook-id is longer than 200 characters")
	}
	prev, err := h.Batches.FindBatchByWebhookID(ctx, src.ID, webhookID)
	if err != nil && hub.ErrorCode(err) != hub.ENOTFOUND {
		return nil, false, err
	}
	body, err := h.decode(raw, r.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, false, err
	}
	b := &hub.Batch{SourceID: src.ID, Source: src.Name, WebhookID: webhookID, Mode: hub.ModeDelta}
	if mode := r.URL.Query().Get("mode"); mode != "" {
		b.Mode = hub.FeedMode(mode)
		if b.Mode != hub.ModeDelta && b.Mode != hub.ModeSnapshot {
			return nil, false, fail(http.StatusBadRequest, "invalid", "mode must be delta or snapshot")
		}
	}
	if prev != nil {
		return samePush(prev, b.Mode, body)
	}
	if err := classify(r, b, body); err != nil {
		return nil, false, err
	}
	if err := h.Batches.CreateBatch(ctx, b, body); hub.ErrorCode(err) == hub.ECONFLICT {
		// The same push arrived twice at once; answer with the first.
		prev, err := h.Batches.FindBatchByWebhookID(ctx, src.ID, webhookID)
		if err != nil {
			return nil, false, err
		}
		return samePush(prev, b.Mode, body)
	} else if err != nil {
		return nil, false, err
	}
	if err := h.Enqueue(ctx, b.ID); err != nil {
		h.Log.WarnContext(ctx, "batch stored but not enqueued; the reconciler will enqueue it", "batch", b.ID, "err", err)
	}
	return b, false, nil
}

// samePush answers a push whose webhook-id prev already has: prev's
// receipt when it is the same push again (a retry), a 409 when it is
// another body, or the same body in another mode (the new push would be
// lost: a snapshot taken for a delta would never sweep).
func samePush(prev *hub.Batch, mode hub.FeedMode, body []byte) (*hub.Batch, bool, error) {
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], prev.BodySHA256) {
		return nil, false, fail(http.StatusConflict, "webhook_id_reused",
			"webhook-id %q was already used for another body (batch %s); a retry sends the same body, a new push a new webhook-id", prev.WebhookID, prev.ID)
	}
	if prev.Mode != mode {
		return nil, false, fail(http.StatusConflict, "webhook_id_reused",
			"webhook-id %q was already used for this body as a %s (batch %s); a retry sends the same mode, a new push a new webhook-id", prev.WebhookID, prev.Mode, prev.ID)
	}
	return prev, true, nil
}

// verify checks the Standard Webhooks signature against the source's
// current secret and, during a rotation, its previous one.
func (h *Handler) verify(ctx context.Context, src *hub.Source, body []byte, header http.Header) error {
	for _, name := range []string{standardwebhooks.HeaderWebhookID, standardwebhooks.HeaderWebhookTimestamp, standardwebhooks.HeaderWebhookSignature} {
		if header.Get(name) == "" {
			return fail(http.StatusUnauthorized, "unsigned", "the push is not signed: %s is missing (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)", name)
		}
	}
	secrets, err := h.Sources.SigningSecrets(ctx, src.ID)
	if err != nil {
		return err
	}
	var last error
	for _, secret := range secrets {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return err
		}
		if last = wh.Verify(body, header); last == nil {
			return nil
		}
	}
	switch {
	case errors.Is(last, standardwebhooks.ErrMessageTooOld), errors.Is(last, standardwebhooks.ErrMessageTooNew):
		return fail(http.StatusUnauthorized, "bad_timestamp", "webhook-timestamp is more than 5 minutes from the hub's clock; sign with the current time")
	case errors.Is(last, standardwebhooks.ErrInvalidHeaders):
		return fail(http.StatusUnauthorized, "bad_signature", "webhook-timestamp must be Unix seconds")
	}
	return fail(http.StatusUnauthorized, "bad_signature", `webhook-signature does not match: sign "{webhook-id}.{webhook-timestamp}.{body}" with HMAC-SHA256 and the source's secret, as "v1,<base64>"`)
}

// decode undoes Content-Encoding, within the decompressed size limit. A
// gzip body is decompressed twice: first into nothing, counting, so that a
// body that expands past the limit (a few megabytes can hold gigabytes of
// zeros) is refused having held nothing; then into a buffer of exactly its
// size. A few such pushes at once cost the hub no memory.
func (h *Handler) decode(raw []byte, encoding string) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return raw, nil
	case "gzip":
		limit := h.MaxDecompressed
		if limit == 0 {
			limit = DefaultMaxDecompressed
		}
		size, err := gunzip(raw, io.Discard, limit)
		if err != nil {
			return nil, err
		}
		// Exactly size bytes: a bytes.Buffer would double itself near its end.
		body := &fixedBuffer{b: make([]byte, 0, size)}
		if _, err := gunzip(raw, body, limit); err != nil {
			return nil, err
		}
		return body.b, nil
	}
	return nil, fail(http.StatusUnsupportedMediaType, "unsupported_encoding", "Content-Encoding %q is not supported; use gzip or none", encoding)
}

// fixedBuffer is a writer into a slice made of the size it will hold.
type fixedBuffer struct{ b []byte }

func (f *fixedBuffer) Write(p []byte) (int, error) {
	f.b = append(f.b, p...)
	return len(p), nil
}

// gunzip decompresses raw into w, stopping with a 413 as soon as more than
// limit bytes come out, and returns how many did.
func gunzip(raw []byte, w io.Writer, limit int64) (int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return 0, fail(http.StatusBadRequest, "invalid", "Content-Encoding is gzip but the body is not gzip: %v", err)
	}
	n, err := io.Copy(w, io.LimitReader(zr, limit+1))
	if err != nil {
		return n, fail(http.StatusBadRequest, "invalid", "the gzip body is corrupt: %v", err)
	}
	if n > limit {
		return n, fail(http.StatusRequestEntityTooLarge, "too_large", "the body decompresses to more than %d bytes; split the feed", limit)
	}
	return n, nil
}

// classify sets the batch's format from Content-Type, rejects a body that
// is not a feed at all or holds an over-long record, and counts records.
func classify(r *http.Request, b *hub.Batch, body []byte) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-seq", "":
		b.Format = hub.FormatNDJSON
		if n, size := longestLine(body); size > ingest.MaxLineBytes {
			return fail(http.StatusRequestEntityTooLarge, "record_too_large", "line %d is %d bytes; one record may be at most %d bytes", n, size, ingest.MaxLineBytes)
		}
		if err := ingest.Sniff(body); err != nil {
			return fail(http.StatusBadRequest, "not_a_feed", "%s", hub.ErrorMessage(err))
		}
		b.Lines = ingest.CountLines(body)
		return nil
	}
	return classifyOther(r, mt, b, body)
}

func longestLine(body []byte) (line, size int) {
	n := 0
	for len(body) > 0 {
		n++
		i := bytes.IndexByte(body, '\n')
		if i < 0 {
			i = len(body)
		}
		if i > size {
			line, size = n, i
		}
		body = body[min(i+1, len(body)):]
	}
	return line, size
}

// receipt is a batch as the API shows it.
type receipt struct {
	BatchID         string            `json:"batch_id"`
	Source          string            `json:"source"`
	Status          hub.BatchStatus   `json:"status"`
	Format          hub.FeedFormat    `json:"format"`
	Mode            hub.FeedMode      `json:"mode"`
	Records         int               `json:"records"`
	Counts          counts            `json:"counts"`
	Error           string            `json:"error,omitempty"`
	ReceivedAt      time.Time         `json:"received_at"`
	StartedAt       *time.Time        `json:"started_at,omitempty"`
	FinishedAt      *time.Time        `json:"finished_at,omitempty"`
	Swept           *int              `json:"swept,omitempty"`      // a processed snapshot: records its sweep deleted
	SweepNote       string            `json:"sweep_note,omitempty"` // a processed snapshot that did not sweep: why
	Errors          []hub.RecordError `json:"errors,omitempty"`
	ErrorsTruncated bool              `json:"errors_truncated,omitempty"`
	ReceiptURL      string            `json:"receipt_url"`
}

type counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
	Stale     int `json:"stale"`
	Failed    int `json:"failed"`
}

func receiptOf(b *hub.Batch, errs []hub.RecordError, truncated bool) receipt {
	c := b.Counts
	swept, note := b.SweepOutcome()
	return receipt{Swept: swept, SweepNote: note, BatchID: b.ID, Source: b.Source, Status: b.Status, Format: b.Format, Mode: b.Mode, Records: b.Lines,
		Counts: counts{c.Created, c.Updated, c.Deleted, c.Unchanged, c.Stale, c.Failed}, Error: b.Error,
		ReceivedAt: b.ReceivedAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt, Errors: errs, ErrorsTruncated: truncated,
		ReceiptURL: "/v1/batches/" + b.ID}
}

func (h *Handler) receipt(w http.ResponseWriter, r *http.Request) {
	p, err := h.authenticate(w, r)
	if err == nil {
		err = p.MayReadBatches()
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	b, err := h.Batches.FindBatchByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := p.CanReadBatch(b); err != nil {
		h.writeError(w, r, err)
		return
	}
	limit := MaxErrorsPerReceipt
	if q := r.URL.Query().Get("errors"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 0 {
			h.writeError(w, r, fail(http.StatusBadRequest, "invalid", "errors must be a whole number of record errors to list (the receipt lists at most %d)", MaxErrorsPerReceipt))
			return
		}
		limit = min(v, MaxErrorsPerReceipt)
	}
	errs, err := h.Batches.FindBatchErrors(r.Context(), b.ID, limit+1)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	truncated := len(errs) > limit
	writeJSON(w, http.StatusOK, receiptOf(b, errs[:min(len(errs), limit)], truncated))
}
