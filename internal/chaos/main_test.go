package chaos_test

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/birgemiz/hub/secretbox"
)

var (
	// hubBin is the hub binary TestMain builds, run as `hub worker` and
	// `hub ingest` subprocesses.
	hubBin string
	// secretKeys is HUB_SECRET_KEYS for every process of the package: the
	// keyed hashes volunteers are matched by must agree between the
	// workers and the clean run they are compared with.
	secretKeys string
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "hub-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	secretKeys = "chaos1:" + base64.StdEncoding.EncodeToString(randomBytes(secretbox.KeySize))
	hubBin = filepath.Join(dir, "hub")
	start := time.Now()
	build := exec.Command(goTool(), "build", "-o", hubBin, "github.com/birgemiz/hub/cmd/hub")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "chaos: build the hub binary: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	if testing.Verbose() {
		fmt.Printf("chaos: built %s in %s\n", hubBin, time.Since(start).Round(time.Millisecond))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// knob reads an integer knob from the environment.
func knob(tb testing.TB, name string, def, min int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		tb.Fatalf("%s must be a whole number of at least %d, got %q", name, min, v)
	}
	return n
}
