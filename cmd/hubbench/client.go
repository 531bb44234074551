package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// gqlClient posts GraphQL requests to one endpoint, with one bearer token
// (none when empty).
type gqlClient struct {
	endpoint string
	token    string
	hc       *http.Client
}

// newHTTPClient returns a client keeping up to conc connections alive to
// each host. Compression is off: neither side is asked to gzip, so neither
// pays for it (nor does the load generator, which shares the machine).
func newHTTPClient(conc int) *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        4 * conc,
			MaxIdleConnsPerHost: conc + 2,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

func (g *gqlClient) withToken(token string) *gqlClient {
	c := *g
	c.token = token
	return &c
}

// body is a GraphQL-over-HTTP request body.
func body(doc string, vars map[string]any) []byte {
	req := map[string]any{"query": doc}
	if len(vars) > 0 {
		req["variables"] = vars
	}
	b, err := json.Marshal(req)
	if err != nil {
		panic(err) // variables are built here from strings and numbers
	}
	return b
}

// errorsKey is how a GraphQL answer with errors shows in its body: inside a
// JSON string every quote is escaped, so `"errors":` can only be a key.
var errorsKey = []byte(`"errors":`)

// errGraphQL is an answer of status 200 that carries GraphQL errors.
var errGraphQL = errors.New("GraphQL errors")

// send posts body and reads the answer into buf. Under load this is all
// that is checked of an answer: status 200 and no errors; the data itself
// is compared once, before the load, by the query's check.
func (g *gqlClient) send(ctx context.Context, reqBody []byte, buf *bytes.Buffer) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.endpoint, bytes.NewReader(reqBody))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusTooManyRequests {
			hint = " (rate limited: start `hub serve` with HUB_RATE_LIMITS high enough, see BENCHMARKS.md)"
		}
		return resp.Header, fmt.Errorf("HTTP %d%s: %s", resp.StatusCode, hint, snippet(buf.Bytes()))
	}
	if bytes.Contains(buf.Bytes(), errorsKey) {
		return resp.Header, fmt.Errorf("%w: %s", errGraphQL, snippet(buf.Bytes()))
	}
	return resp.Header, nil
}

// gqlError is one entry of a GraphQL answer's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// do runs one query and decodes its data into out; any error entry fails it.
func (g *gqlClient) do(ctx context.Context, doc string, vars map[string]any, out any) (http.Header, error) {
	var buf bytes.Buffer
	hdr, err := g.send(ctx, body(doc, vars), &buf)
	if err != nil && !errors.Is(err, errGraphQL) {
		return hdr, err
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(buf.Bytes(), &resp); err != nil {
		return hdr, fmt.Errorf("not a GraphQL answer: %w: %s", err, snippet(buf.Bytes()))
	}
	if len(resp.Errors) > 0 {
		msgs := make([]string, len(resp.Errors))
		for i, e := range resp.Errors {
			msgs[i] = e.Message
			if code, ok := e.Extensions["code"]; ok {
				msgs[i] += fmt.Sprintf(" (%v)", code)
			}
		}
		return hdr, fmt.Errorf("%w: %s", errGraphQL, strings.Join(msgs, "; "))
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			return hdr, fmt.Errorf("decoding the data: %w", err)
		}
	}
	return hdr, nil
}

// get fetches a URL's body (the hub's /metrics).
func get(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return b, nil
}

func snippet(b []byte) string {
	const n = 400
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
