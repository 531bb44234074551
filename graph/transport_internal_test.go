package graph

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// writeResponse writes what encoding/json writes for the same response
// (read back as JSON: it leaves <, > and & unescaped), keys in the same
// order.
func TestWriteResponse_SameAsEncodingJSON(t *testing.T) {
	t.Parallel()
	yes := true
	for name, resp := range map[string]*graphql.Response{
		"data":        {Data: json.RawMessage(`{"projects":{"edges":[{"node":{"id":"UHJvamVjdDox","title":"Тал <mark>егу</mark> & co"}}]}}`)},
		"no data":     {Errors: gqlerror.List{{Message: "boom", Path: ast.Path{ast.PathName("a")}, Extensions: map[string]any{"code": "INVALID"}}}},
		"both":        {Data: json.RawMessage(`{"a":null}`), Errors: gqlerror.List{{Message: "x"}}, Extensions: map[string]any{"cost": 12}},
		"extensions":  {Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"persistedQuery": map[string]any{"sha256Hash": "ab"}}},
		"incremental": {Data: json.RawMessage(`{"a":1}`), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
	} {
		var got bytes.Buffer
		writeResponse(&got, resp)
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got.Bytes(), &g); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", name, err, got.String())
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, got.String(), want)
		}
		if keys, wantKeys := topKeys(t, got.Bytes()), topKeys(t, want); !reflect.DeepEqual(keys, wantKeys) {
			t.Errorf("%s: keys %v, want %v", name, keys, wantKeys)
		}
	}
}

func topKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// The answer's media type follows Accept as gqlgen's POST transport does.
func TestResponseMediaType(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"*/*":                               mediaJSON,
		"application/json":                  mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/graphql-response+json, application/json;q=0.9": mediaGraphQLResponse,
		"text/html":  mediaGraphQLResponse,
		"bad;;, */*": mediaJSON,
	} {
		r := httptest.NewRequest("POST", "/graphql", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got := responseMediaType(r); got != want {
			t.Errorf("Accept %q: %s, want %s", accept, got, want)
		}
	}
}
