package ingest

import (
	"strings"

	"github.com/birgemiz/hub"
)

// Options tune a decoder for one source.
type Options struct {
	// Categories maps a source's own category words to direction codes; keys
	// are compared after hub.NormalizeCategoryWord. It is consulted before the
	// shipped vocabulary (hub.DirectionForWord). Unknown words are still errors.
	Categories map[string]string
}

// categories returns Categories with normalized keys and upper-case codes,
// so that a lookup costs one normalization of the feed's word. A code that
// is not a direction code is kept: the entries using it are reported, since
// guessing what the source meant would store a wrong direction.
func (o Options) categories() map[string]string {
	if len(o.Categories) == 0 {
		return nil
	}
	m := make(map[string]string, len(o.Categories))
	for word, code := range o.Categories {
		if w := hub.NormalizeCategoryWord(word); w != "" {
			m[w] = strings.ToUpper(strings.TrimSpace(code))
		}
	}
	return m
}
