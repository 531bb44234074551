package demo

import (
	"embed"

	"github.com/birgemiz/hub"
)

// The article feeds are files rather than Go literals so that they are
// reviewed, diffed and fed to `hub ingest` exactly as a platform would send them.
//
//go:embed feeds/*.ndjson
var articleFS embed.FS

// UpdatedAt is the updated_at of every demo record. It is fixed so that
// loading the demo twice applies nothing the second time.
const UpdatedAt = "2026-01-15T00:00:00Z"

// SyntheticSeed is the seed Feeds uses for the synthetic feed.
const SyntheticSeed int64 = 20260115

// Feed is one demo feed: the source that sends it and its canonical NDJSON body.
type Feed struct {
	Source hub.Source
	Name   string // the source's name and, for an article feed, the file name without ".ndjson"
	Body   []byte
}

// articleSources lists the article feeds in the order Feeds returns them.
func articleSources() []hub.Source {
	return []hub.Source{
		{
			Name: "baq-kz",
			Kind: hub.SourcePublication,
			Description: "BAQ.KZ news agency (baq.kz): Kazakh-language report on the International Volunteers Forum " +
				"in Astana, 2023; figures transcribed by hand.",
		},
		{
			Name:       "izgi-kz",
			Kind:       hub.SourcePublication,
			RegionCode: "KZ-75",
			Description: "Russian-language article on the «Акселератор добра» legal-aid volunteer movement, Almaty, " +
				"Year of the Volunteer 2020; the movement's site is izgi.kz. Transcribed by hand.",
		},
		{
			Name:       "kokshetau-asia",
			Kind:       hub.SourcePublication,
			RegionCode: "KZ-11",
			Description: "Kokshetau.asia (kokshetau.asia): Russian-language article on youth volunteering in Akmola " +
				"Region, about 2022; figures transcribed by hand.",
		},
	}
}

// Feeds returns the demo feeds in a fixed order: the three article feeds
// (baq-kz, izgi-kz, kokshetau-asia) and then the synthetic feed, generated
// with SyntheticSeed and syntheticVolunteers volunteers (none when it is not
// positive; its organizations and projects are always there).
func Feeds(syntheticVolunteers int) []Feed {
	sources := articleSources()
	feeds := make([]Feed, 0, len(sources)+1)
	for _, src := range sources {
		body, err := articleFS.ReadFile("feeds/" + src.Name + ".ndjson")
		if err != nil {
			// The files are embedded at build time; a missing one is a bug in this package.
			panic("demo: " + err.Error())
		}
		feeds = append(feeds, Feed{Source: src, Name: src.Name, Body: body})
	}
	syn := hub.Source{
		Name:        SyntheticName,
		Kind:        hub.SourceSynthetic,
		Description: "Synthetic demo records (not real people, organizations or projects), generated deterministically.",
	}
	return append(feeds, Feed{Source: syn, Name: syn.Name, Body: Synthetic(SyntheticSeed, max(syntheticVolunteers, 0))})
}
