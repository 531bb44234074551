package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// projectCSV returns the CSV of n projects like projectFeed's.
func projectCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,op,updated_at,title_kk,title_ru,title_en,description_ru,organization_id,region,locality,lat,lon,directions,status," +
		"start_date,end_date,volunteers_needed,volunteers_engaged,volunteer_hours,beneficiaries,grant_programme,grant_amount_kzt,tags,url\n")
	regions := []string{"KZ-11", "KZ-75", "KZ-71", "KZ-79", "KZ-35", "KZ-63"}
	words := []string{"экологическое", "Birgemiz: Qamqor", "EDUCATION", "медициналық", "событийное", "Taza Álem"}
	for i := range n {
		fmt.Fprintf(&b, `prj-%d,upsert,2026-01-%02dT10:00:00+05:00,Таза жағалау %d,Чистый берег %d,Clean shore %d,`+
			`"Субботник на берегу реки Есиль: уборка мусора, сортировка отходов и посадка деревьев вместе с жителями района. Инвентарь и перчатки выдаются на месте.",`+
			`org-%d,%s,Астана,51.16,71.47,%s;%s,ACTIVE,2026-02-01,2026-06-30,%d,%d,%d.5,1200,Birgemiz grant,2500000,субботник;экология;река,https://birgemiz.kz/projects/%d`+"\n",
			i, i%28+1, i, i, i, i%300, regions[i%len(regions)], words[i%len(words)], words[(i+1)%len(words)],
			50+i%50, i%50, i%1000, i)
	}
	return b.Bytes()
}

func BenchmarkCSVDecoder(b *testing.B) {
	const rows = 10_000
	body := projectCSV(rows)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := ingest.NewCSVDecoder(bytes.NewReader(body), hub.TypeProject, ingest.Options{})
		n := 0
		for {
			rec, errs, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil || rec == nil || len(errs) > 0 {
				b.Fatalf("line %d: %v %v", d.Line(), err, errs)
			}
			n++
		}
		if n != rows {
			b.Fatalf("decoded %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
