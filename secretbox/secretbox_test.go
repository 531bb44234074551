package secretbox_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/birgemiz/hub/secretbox"
)

func key() string { return base64.StdEncoding.EncodeToString(secretbox.Random(32)) }

func TestSealOpenAndRotation(t *testing.T) {
	t.Parallel()
	k1 := "k1:" + key()
	old, err := secretbox.Parse(k1)
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal([]byte("whsec_x"), []byte("source:1"))
	if bytes.Contains(sealed, []byte("whsec_x")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	rotated, err := secretbox.Parse("k2:" + key() + "," + k1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed, []byte("source:1")); err != nil || string(got) != "whsec_x" {
		t.Fatalf("rotated ring opens old data: %q %v", got, err)
	}
	if secretbox.KeyID(rotated.Seal([]byte("a"), nil)) != "k2" || rotated.Primary() != "k2" {
		t.Fatal("new data is not sealed with the newest key")
	}
	if _, err := rotated.Open(sealed, []byte("source:2")); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatal("ciphertext moved to another place opened")
	}
	tampered := append([]byte{}, sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := rotated.Open(tampered, []byte("source:1")); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatal("tampered ciphertext opened")
	}
	if !bytes.Equal(old.MatchHash("iin", "990101300123"), rotated.MatchHash("iin", "990101300123")) {
		t.Fatal("match hashes changed with rotation")
	}
	if bytes.Equal(old.MatchHash("iin", "1"), old.MatchHash("phone", "1")) {
		t.Fatal("kinds share hashes")
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"":                             "id:base64key",
		"k1":                           "id:base64key",
		"k1:short":                     "32 random bytes",
		"k-1:" + key():                 "letters or digits",
		"k1:" + key() + ",k1:" + key(): "appears twice",
	} {
		if _, err := secretbox.Parse(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", spec, err, want)
		}
	}
}

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "secret.keys")
	k, created, err := secretbox.LoadOrCreate("", path)
	if err != nil || !created {
		t.Fatalf("%v %v", created, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode())
	}
	sealed := k.Seal([]byte("x"), nil)
	k2, created, err := secretbox.LoadOrCreate("", path)
	if err != nil || created {
		t.Fatalf("%v %v", created, err)
	}
	if _, err := k2.Open(sealed, nil); err != nil {
		t.Fatal("reloaded ring cannot open")
	}
}

// A pinned match key keeps the hashes when the key it came from leaves
// the ring.
func TestWithMatchKey(t *testing.T) {
	t.Parallel()
	a, err := secretbox.Parse("a:" + key())
	if err != nil {
		t.Fatal(err)
	}
	b, err := secretbox.Parse("b:" + key())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.MatchHash("iin", "990101300123"), b.MatchHash("iin", "990101300123")) {
		t.Fatal("different keys, same hash")
	}
	pinned := b.WithMatchKey(a.MatchKey())
	if !bytes.Equal(a.MatchHash("iin", "990101300123"), pinned.MatchHash("iin", "990101300123")) {
		t.Fatal("pinned match key does not give the old hashes")
	}
	if bytes.Equal(b.MatchHash("iin", "990101300123"), pinned.MatchHash("iin", "990101300123")) {
		t.Fatal("WithMatchKey changed the original ring")
	}
	if pinned.Primary() != "b" || !pinned.Has("b") || pinned.Has("a") {
		t.Fatal("WithMatchKey changed the sealing keys")
	}
}

func TestOpenInPlace(t *testing.T) {
	t.Parallel()
	k, err := secretbox.Parse("k1:" + key())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Repeat(`{"type":"volunteer"}`+"\n", 1000))
	sealed := k.Seal(body, []byte("batch:1"))
	got, err := k.OpenInPlace(slices.Clone(sealed), []byte("batch:1"))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("OpenInPlace: %v, %d bytes (want %d)", err, len(got), len(body))
	}
	tampered := slices.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := k.OpenInPlace(tampered, []byte("batch:1")); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("tampered body opened in place: %v", err)
	}
	if _, err := k.OpenInPlace(slices.Clone(sealed), []byte("batch:2")); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("body opened in place with another batch's aad: %v", err)
	}
}
