// Package secretbox seals the hub's secrets at rest (sources' webhook
// secrets, volunteers' personal data) with AES-256-GCM under a
// keyring: the first key seals, every key opens, so keys rotate without
// re-encrypting everything at once. It also derives the keyed hashes the
// hub matches identifiers with, so a raw IIN or phone is never stored for
// matching.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// Keyring holds named keys; the first seals.
type Keyring struct {
	ids  []string
	aead map[string]cipher.AEAD
	mac  []byte // the oldest key's derived MAC key: matching hashes must not change when keys rotate
}

// Parse reads a keyring from "id:base64key,id:base64key", newest first.
// Ids are 1–16 letters or digits; keys are 32 random bytes in base64.
func Parse(spec string) (*Keyring, error) {
	k := &Keyring{aead: map[string]cipher.AEAD{}}
	var raw [][]byte
	for _, part := range strings.Split(strings.TrimSpace(spec), ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || !validID(id) {
			return nil, errors.New("each key is id:base64key, with an id of 1–16 letters or digits")
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("key %q must be %d random bytes in base64 (e.g. `openssl rand -base64 32`)", id, KeySize)
		}
		if _, dup := k.aead[id]; dup {
			return nil, fmt.Errorf("key id %q appears twice", id)
		}
		block, _ := aes.NewCipher(key)
		gcm, _ := cipher.NewGCM(block)
		k.ids = append(k.ids, id)
		k.aead[id] = gcm
		raw = append(raw, key)
	}
	m := hmac.New(sha256.New, raw[len(raw)-1])
	m.Write([]byte("birgemiz-hub identifier matching"))
	k.mac = m.Sum(nil)
	return k, nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 16 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// LoadOrCreate returns the keyring in spec when it is set, else the one in
// the file at path, creating the file with a new random key (mode 0600) if
// it does not exist: a developer machine works with no set-up, and
// production sets the keys explicitly.
func LoadOrCreate(spec, path string) (k *Keyring, created bool, err error) {
	if spec != "" {
		k, err = Parse(spec)
		return k, false, err
	}
	b, err := os.ReadFile(path)
	if err == nil {
		k, err = Parse(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	spec = "k1:" + base64.StdEncoding.EncodeToString(Random(KeySize))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
		return nil, false, err
	}
	k, err = Parse(spec)
	return k, true, err
}

// Seal encrypts plaintext under the newest key; aad binds the ciphertext
// to its place (e.g. "source:17:secret") so it cannot be moved to another.
func (k *Keyring) Seal(plaintext, aad []byte) []byte {
	id := k.ids[0]
	gcm := k.aead[id]
	nonce := Random(gcm.NonceSize())
	out := append([]byte{byte(len(id))}, id...)
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plaintext, aad)
}

// ErrOpen is returned for a ciphertext no key of the ring opens.
var ErrOpen = errors.New("secretbox: cannot open: unknown key or tampered data")

// Open decrypts what any key of the ring sealed.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	return k.open(sealed, aad, false)
}

// OpenInPlace is Open decrypting into sealed's own storage, for large
// ciphertexts (a batch's body) read only to be opened: no second buffer
// of their size. sealed is overwritten; the plaintext returned is part of
// it.
func (k *Keyring) OpenInPlace(sealed, aad []byte) ([]byte, error) {
	return k.open(sealed, aad, true)
}

func (k *Keyring) open(sealed, aad []byte, inPlace bool) ([]byte, error) {
	if len(sealed) < 1 {
		return nil, ErrOpen
	}
	n := int(sealed[0])
	if len(sealed) < 1+n {
		return nil, ErrOpen
	}
	gcm, ok := k.aead[string(sealed[1:1+n])]
	if !ok {
		return nil, ErrOpen
	}
	rest := sealed[1+n:]
	if len(rest) < gcm.NonceSize() {
		return nil, ErrOpen
	}
	ct := rest[gcm.NonceSize():]
	var dst []byte
	if inPlace {
		dst = ct[:0]
	}
	pt, err := gcm.Open(dst, rest[:gcm.NonceSize()], ct, aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// KeyID returns the id of the key that sealed a ciphertext.
func KeyID(sealed []byte) string {
	if len(sealed) < 1 || len(sealed) < 1+int(sealed[0]) {
		return ""
	}
	return string(sealed[1 : 1+int(sealed[0])])
}

// Primary is the id of the key that seals.
func (k *Keyring) Primary() string { return k.ids[0] }

// MatchKey returns the key MatchHash uses. Until WithMatchKey pins
// another, it is derived from the oldest key of the ring; a store that
// must keep its hashes after that key leaves the ring keeps this value
// sealed and pins it back with WithMatchKey.
func (k *Keyring) MatchKey() []byte { return append([]byte(nil), k.mac...) }

// WithMatchKey returns a copy of the ring whose MatchHash uses mac, so the
// hashes stored for matching survive the removal of the key they were
// first derived from. The ring itself is not changed.
func (k *Keyring) WithMatchKey(mac []byte) *Keyring {
	c := *k
	c.mac = append([]byte(nil), mac...)
	return &c
}

// Has reports whether the ring holds a key with id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.aead[id]
	return ok
}

// MatchHash returns a keyed hash of an identifier (kind "iin", "phone"),
// stable across key rotations, for matching the same person across sources
// without storing the identifier in the clear.
func (k *Keyring) MatchHash(kind, value string) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// Random returns n cryptographically random bytes.
func Random(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("secretbox: no randomness: " + err.Error())
	}
	return b
}
