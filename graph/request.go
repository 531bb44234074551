package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// Defaults of the limits on one HTTP request.
const (
	DefaultMaxBodyBytes = 1 << 20 // 1 MiB
	DefaultTimeout      = 10 * time.Second
)

// limitRequest refuses a POST body larger than maxBytes (413), a batch
// (a JSON array of operations, 400) and a body that is not a JSON object
// of GraphQL parameters (400), before gqlgen sees it. gqlgen's POST
// transport would answer the last two with its decoder's error followed by
// the whole body; these answers name the problem and never repeat the
// body, which may hold data about people.
func limitRequest(maxBytes int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			// A GET's JSON parameters are checked here so that a bad one
			// gets an error code like every other refusal.
			for _, name := range []string{"variables", "extensions"} {
				if v := r.URL.Query().Get(name); v != "" && !jsonObject(v) {
					writeError(w, http.StatusBadRequest, CodeBadUserInput, name+" must be a JSON object, URL-encoded")
					return
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" || r.Header.Get("Upgrade") != "" {
			writeError(w, http.StatusUnsupportedMediaType, CodeBadUserInput,
				`send the operation as Content-Type: application/json, {"query": …, "variables": {…}}, or as a GET with query= for a query`)
			return
		}
		tooLarge := func() {
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusRequestEntityTooLarge, CodeRequestTooLarge,
				fmt.Sprintf("the request body is larger than %d bytes; send a smaller query, or persist it (APQ)", maxBytes))
		}
		if r.ContentLength > maxBytes {
			tooLarge()
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			tooLarge()
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, CodeBadUserInput, "the request body could not be read")
			return
		}
		if msg := checkParams(body); msg != "" {
			writeError(w, http.StatusBadRequest, CodeBadUserInput, msg)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// checkParams says what is wrong with a JSON body that is not one
// operation's parameters, without quoting it; "" when it is fine.
func checkParams(body []byte) string {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return "batched operations (a JSON array) are not supported: send one operation per request, " +
			`as a JSON object {"query": …, "variables": {…}}`
	}
	if bytes.Equal(bytes.TrimRight(trimmed, " \t\r\n"), []byte("null")) {
		// json decodes null into the zero parameters without an error.
		return `the request body must be a JSON object {"query": …, "variables": {…}, "operationName": …}: it is null`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p graphql.RawParams
	err := dec.Decode(&p)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return ""
	}
	reason := "it is not valid JSON"
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		reason = fmt.Sprintf("it is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		reason = fmt.Sprintf("%q must be %s", typ.Field, jsonKind(typ.Type.Kind().String()))
	case errors.As(err, &typ):
		reason = "it is a JSON " + typ.Value
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		reason = "it is empty or cut short"
	case err.Error() == "more than one JSON value":
		reason = "it holds more than one JSON value"
	}
	return `the request body must be a JSON object {"query": …, "variables": {…}, "operationName": …}: ` + reason
}

// jsonObject reports whether s is one JSON object.
func jsonObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	}
	return "of another type"
}

// withTimeout gives every operation a deadline. Resolvers and their SQL
// run under the request's context, so when it passes pgx cancels the
// statements in PostgreSQL and the resolvers still waiting fail; the error
// presenter answers TIMEOUT.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), d, errQueryTimeout{d})
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// errQueryTimeout is the cause of a context cancelled by withTimeout.
type errQueryTimeout struct{ limit time.Duration }

func (e errQueryTimeout) Error() string {
	return fmt.Sprintf("the query ran longer than the server's limit of %s and was stopped; ask for less (a smaller first, fewer nested lists)", e.limit)
}

// writeError answers a request that never reached GraphQL with a GraphQL
// error body.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message": message, "extensions": map[string]any{"code": code},
	}}})
}
