package ingest_test

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// decodeWith decodes a body of one line with opts.
func decodeWith(t *testing.T, opts ingest.Options, line string) (*hub.FeedRecord, []hub.RecordError) {
	t.Helper()
	d := ingest.NewDecoderOptions(strings.NewReader(line), opts)
	rec, errs, err := d.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if _, _, err := d.Next(); err != io.EOF {
		t.Fatalf("second Next: %v, want io.EOF", err)
	}
	return rec, errs
}

// TestDecoderSourceCategories checks Options.Categories: a source's own
// words map to codes, before the shipped vocabulary, and words in neither
// are still errors.
func TestDecoderSourceCategories(t *testing.T) {
	t.Parallel()
	opts := ingest.Options{Categories: map[string]string{
		"Зелёный патруль":   "ECOLOGY",        // a word the vocabulary lacks; ё and case fold
		"жасыл патруль":     "ecology",        // codes in any case
		"социальное":        "ELDERLY_CARE",   // overrides the vocabulary's SOCIAL_SUPPORT
		"  Помощь  детям: ": " EDUCATION ",    // keys are normalized like feed words
		"космос":            "SPACE",          // not a code: reported, never stored
		"":                  "EDUCATION",      // normalizes to nothing: never matches
		"Birgemiz: Bilim":   "SOCIAL_SUPPORT", // a sub-platform name can be remapped too
	}}
	org := func(words ...string) string {
		return `{"type":"organization","id":"o","updated_at":"2026-01-13","data":{"name":{"ru":"Н"},"directions":["` +
			strings.Join(words, `","`) + `"]}}`
	}
	e := func(field, msg string) hub.RecordError { return hub.RecordError{Line: 1, Field: field, Message: msg} }
	tests := []struct {
		name  string
		words []string
		want  []string
		errs  []hub.RecordError
	}{
		{"source word", []string{"зеленый ПАТРУЛЬ"}, []string{"ECOLOGY"}, nil},
		{"source word in Kazakh", []string{"Жасыл патруль"}, []string{"ECOLOGY"}, nil},
		{"normalized key", []string{"помощь детям"}, []string{"EDUCATION"}, nil},
		{"overrides the vocabulary", []string{"Социальное"}, []string{"ELDERLY_CARE"}, nil},
		{"overrides a sub-platform name", []string{"birgemiz bilim"}, []string{"SOCIAL_SUPPORT"}, nil},
		{"vocabulary still applies", []string{"экологиялық", "EDUCATION", "Qamqor"}, []string{"ECOLOGY", "EDUCATION", "SOCIAL_SUPPORT"}, nil},
		{"same direction once", []string{"зелёный патруль", "ECOLOGY", "экологическое"}, []string{"ECOLOGY"}, nil},
		{"unknown word", []string{"зелёный патруль", "космонавтика"}, nil,
			[]hub.RecordError{e("data.directions[1]", `"космонавтика" is not a direction code or a known category word`)}},
		{"mapped to a code that is not one", []string{"Космос"}, nil,
			[]hub.RecordError{e("data.directions[0]", `"Космос" is mapped to "SPACE" by the source's category words, which is not a direction code`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, errs := decodeWith(t, opts, org(tt.words...))
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var got []string
			if rec != nil {
				got = rec.Organization.Directions
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("directions (-want +got):\n%s", diff)
			}
		})
	}

	// Without options, and for another source, the source's words are unknown
	// and the vocabulary's meaning stands.
	for _, o := range []ingest.Options{{}, {Categories: map[string]string{"субботник": "ECOLOGY"}}} {
		_, errs := decodeWith(t, o, org("зелёный патруль"))
		want := []hub.RecordError{e("data.directions[0]", `"зелёный патруль" is not a direction code or a known category word`)}
		if diff := cmp.Diff(want, errs); diff != "" {
			t.Errorf("options %v: errors (-want +got):\n%s", o, diff)
		}
		rec, _ := decodeWith(t, o, org("социальное"))
		if diff := cmp.Diff([]string{"SOCIAL_SUPPORT"}, rec.Organization.Directions); diff != "" {
			t.Errorf("options %v: directions (-want +got):\n%s", o, diff)
		}
	}
}

// TestNewDecoderIsNoOptions checks that NewDecoder decodes exactly as
// NewDecoderOptions with zero options.
func TestNewDecoderIsNoOptions(t *testing.T) {
	t.Parallel()
	body := string(projectFeed(50))
	plain := decodeAll(t, body)
	d := ingest.NewDecoderOptions(strings.NewReader(body), ingest.Options{})
	for i := 0; ; i++ {
		rec, errs, err := d.Next()
		if err == io.EOF {
			if i != len(plain) {
				t.Fatalf("%d results with options, %d without", i, len(plain))
			}
			return
		}
		if diff := cmp.Diff(plain[i], result{rec, errs}); diff != "" {
			t.Fatalf("line %d (-NewDecoder +NewDecoderOptions):\n%s", i+1, diff)
		}
	}
}
