package postgres

import (
	"fmt"
	"testing"

	hub "github.com/birgemiz/hub"
)

// BenchmarkLatticeHours counts 5,000 hours facts of 1,000 people, as a
// chunk of a national load does: the CPU a chunk's statistics cost.
func BenchmarkLatticeHours(b *testing.B) {
	st := streams(2026)[hub.MeasureVolunteerHours]
	regions := []string{"KZ-11", "KZ-75", "KZ-71", "KZ-79", "KZ-61"}
	var rows [][][]byte
	for i := range 5000 {
		rows = append(rows, [][]byte{
			fmt.Appendf(nil, "%d", i/5), []byte("4.5"), []byte(regions[i%5]), []byte("ECOLOGY\x1fEDUCATION"),
			fmt.Appendf(nil, "%d", 2020+i%6), fmt.Appendf(nil, "%d-%02d", 2020+i%6, 1+i%12), []byte("NGO"),
			[]byte([]string{"FEMALE", "MALE"}[i%2]), []byte("AGE_18_24"), []byte("synthetic-national"),
		})
	}
	keyer := hub.NewKeyer([]byte("0123456789abcdef0123456789abcdef"))
	b.ResetTimer()
	for range b.N {
		l := newLattice(hub.MeasureVolunteerHours)
		i := 0
		if err := l.countRows(st, func() [][]byte {
			if i == len(rows) {
				return nil
			}
			i++
			return rows[i-1]
		}, keyer, 1); err != nil {
			b.Fatal(err)
		}
	}
}
