package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postTransport is gqlgen's POST transport (transport.POST: the same
// requests, content types and status codes) except for how it writes an
// answer. gqlgen's marshals the whole response with encoding/json, which
// validates and copies the data that execution already wrote as JSON: 5–8 %
// of the hub's CPU under the dashboard mix (BENCHMARKS.md). This one writes
// the data as it is and marshals only the errors and extensions around it.
type postTransport struct{ transport.POST }

var _ graphql.Transport = postTransport{}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// responseMediaType is the answer's media type for the request's Accept
// header, as transport.POST chooses it: application/json when Accept is
// empty or names it or any type first, application/graphql-response+json
// otherwise.
func responseMediaType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// Do implements graphql.Transport.
func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	mediaType := responseMediaType(r)
	w.Header().Set("Content-Type", mediaType)
	start := graphql.Now()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf(
			"json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	oc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if mediaType == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, oc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

// writeResponse writes resp as encoding/json would, with its data copied
// as execution wrote it (compact JSON) rather than validated and
// re-encoded: the keys in the order of graphql.Response's fields, the
// optional ones left out when empty.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		writeMarshalled(w, resp) // incremental delivery: not served by this transport
		return
	}
	var errs, ext []byte
	var err error
	if len(resp.Errors) > 0 {
		if errs, err = json.Marshal(resp.Errors); err != nil {
			writeMarshalled(w, resp)
			return
		}
	}
	if len(resp.Extensions) > 0 {
		if ext, err = json.Marshal(resp.Extensions); err != nil {
			writeMarshalled(w, resp)
			return
		}
	}
	data := []byte(resp.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	head := []byte(`{"data":`)
	if errs != nil {
		head = slices.Concat([]byte(`{"errors":`), errs, []byte(`,"data":`))
	}
	tail := []byte("}")
	if ext != nil {
		tail = slices.Concat([]byte(`,"extensions":`), ext, tail)
	}
	// Three writes into the response's buffer: the data is not copied.
	for _, part := range [][]byte{head, data, tail} {
		if _, err := w.Write(part); err != nil {
			return
		}
	}
}

// writeMarshalled writes resp through encoding/json, as transport.POST does.
func writeMarshalled(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"the answer could not be encoded"}],"data":null}`)
	}
	_, _ = w.Write(b)
}
