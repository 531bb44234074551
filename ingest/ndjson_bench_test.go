package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/birgemiz/hub/ingest"
)

// projectFeed returns n realistic project lines, the commonest record in
// a platform's feed: trilingual title, a Russian description, dates,
// directions by category word, counts and tags.
func projectFeed(n int) []byte {
	var b bytes.Buffer
	regions := []string{"KZ-11", "KZ-75", "KZ-71", "KZ-79", "KZ-35", "KZ-63"}
	words := []string{"экологическое", "Birgemiz: Qamqor", "EDUCATION", "медициналық", "событийное", "Taza Álem"}
	for i := range n {
		fmt.Fprintf(&b, `{"type":"project","id":"prj-%d","op":"upsert","updated_at":"2026-01-%02dT10:00:00+05:00","data":{`+
			`"title":{"kk":"Таза жағалау %d","ru":"Чистый берег %d","en":"Clean shore %d"},`+
			`"description":{"ru":"Субботник на берегу реки Есиль: уборка мусора, сортировка отходов и посадка деревьев вместе с жителями района. Инвентарь и перчатки выдаются на месте."},`+
			`"organization_id":"org-%d","region":%q,"locality":"Астана","lat":51.16,"lon":71.47,`+
			`"directions":[%q,%q],"status":"ACTIVE","start_date":"2026-02-01","end_date":"2026-06-30",`+
			`"volunteers_needed":%d,"volunteers_engaged":%d,"volunteer_hours":%d.5,"beneficiaries":1200,`+
			`"grant_programme":"Birgemiz grant","grant_amount_kzt":2500000,"tags":["субботник","экология","река"],`+
			`"url":"https://birgemiz.kz/projects/%d"}}`+"\n",
			i, i%28+1, i, i, i, i%300, regions[i%len(regions)], words[i%len(words)], words[(i+1)%len(words)],
			50+i%50, i%50, i%1000, i)
	}
	return b.Bytes()
}

func BenchmarkDecoder(b *testing.B) {
	const lines = 10_000
	body := projectFeed(lines)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := ingest.NewDecoder(bytes.NewReader(body))
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
		if n != lines {
			b.Fatalf("decoded %d lines, want %d", n, lines)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}
