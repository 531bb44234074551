package feedapi

import (
	"bytes"
	"compress/gzip"
	"runtime"
	"testing"
)

// A gzip body within the limit is held once, at its size: the second pass
// writes into a slice of exactly that size, where a bytes.Buffer would
// double itself near its end and hold three times the body for a moment.
func TestDecodeHoldsTheBodyOnce(t *testing.T) {
	const size = 48 << 20
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	if _, err := zw.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	h := &Handler{MaxDecompressed: 64 << 20}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	body, err := h.decode(zipped.Bytes(), "gzip")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != size || cap(body) != size {
		t.Fatalf("decoded %d bytes in a buffer of %d, want %d in %d", len(body), cap(body), size, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size+size/8 {
		t.Fatalf("decoding a %d MiB body allocated %d MiB", size>>20, alloc>>20)
	}
}
