package search_test

import (
	"testing"

	"github.com/birgemiz/hub/search"
)

func TestBleveEngine(t *testing.T) {
	runSuite(t, func(t *testing.T) search.Engine {
		e, err := search.OpenBleve(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	})
}
