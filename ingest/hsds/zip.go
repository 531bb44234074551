package hsds

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/birgemiz/hub"
)

// Limits on a zipped package. A regional catalogue is a few megabytes of
// CSV; the limits only stop a zip bomb from holding a worker's memory.
const (
	MaxPackageBytes = 256 << 20 // all files of the package together, uncompressed
	MaxPackageFiles = 1000      // entries in the zip
)

// descriptorName is the Frictionless package descriptor every HSDS tabular
// package carries.
const descriptorName = "datapackage.json"

// Package is an HSDS 3 tabular data package: datapackage.json plus its CSV
// resources, by file name. Names are paths relative to the folder that
// holds datapackage.json ("organizations.csv", or "data/organizations.csv"
// when the descriptor says so).
type Package struct {
	Files map[string][]byte
}

// ReadZip reads a .zip holding datapackage.json and the CSV files, either
// at the root of the archive or one folder down (an export zipped together
// with its folder). Files outside that folder are ignored, and so are the
// "__MACOSX" and "._*" entries macOS adds. A body that is not such a zip is
// a *hub.Error with code EINVALID that says what the body looks like.
func ReadZip(body []byte) (Package, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Package{}, notPackage("the body is empty")
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return Package{}, notPackage("the body is not a zip archive%s", looksLike(body))
	}
	if len(zr.File) > MaxPackageFiles {
		return Package{}, notPackage("the zip has %d entries; the limit is %d", len(zr.File), MaxPackageFiles)
	}

	dir, err := descriptorDir(zr.File)
	if err != nil {
		return Package{}, err
	}

	p := Package{Files: make(map[string][]byte)}
	budget := int64(MaxPackageBytes)
	for _, f := range zr.File {
		name, ok := memberName(f, dir)
		if !ok {
			continue
		}
		if _, dup := p.Files[name]; dup {
			return Package{}, notPackage("the zip holds %s twice", name)
		}
		data, err := readMember(f, &budget)
		if err != nil {
			return Package{}, err
		}
		p.Files[name] = data
	}
	return p, nil
}

// descriptorDir finds the folder holding datapackage.json: "" for the root,
// else "folder/". The root wins over a folder; two folders are ambiguous.
func descriptorDir(files []*zip.File) (string, error) {
	var dirs []string
	for _, f := range files {
		name := cleanName(f.Name)
		if skipped(name) || f.FileInfo().IsDir() {
			continue
		}
		if name == descriptorName {
			return "", nil
		}
		dir, base := path.Split(name)
		if base == descriptorName && strings.Count(dir, "/") == 1 {
			dirs = append(dirs, dir)
		}
	}
	switch len(dirs) {
	case 0:
		return "", notPackage("the zip holds no %s at its root or one folder down; an HSDS tabular package is datapackage.json plus its CSV files", descriptorName)
	case 1:
		return dirs[0], nil
	default:
		return "", notPackage("the zip holds several packages (%s and %s); send one package per zip", dirs[0]+descriptorName, dirs[1]+descriptorName)
	}
}

// memberName returns the name of f inside the package folder dir, and
// false for an entry that is not a file of the package.
func memberName(f *zip.File, dir string) (string, bool) {
	name := cleanName(f.Name)
	if f.FileInfo().IsDir() || skipped(name) || !strings.HasPrefix(name, dir) {
		return "", false
	}
	name = strings.TrimPrefix(name, dir)
	return name, name != ""
}

// cleanName turns a zip entry name into a slash path without a leading
// "./" or "/", as Windows tools write backslashes.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}

// skipped reports the entries archivers add that are not part of a package.
func skipped(name string) bool {
	return name == "" || name == "." || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), "._")
}

func readMember(f *zip.File, budget *int64) ([]byte, error) {
	name := cleanName(f.Name)
	if f.UncompressedSize64 > uint64(*budget) {
		return nil, tooLarge()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, notPackage("%s cannot be read from the zip (%s)", name, zipProblem(err))
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, *budget+1))
	if err != nil {
		return nil, notPackage("%s cannot be read from the zip (%s)", name, zipProblem(err))
	}
	if int64(len(data)) > *budget {
		return nil, tooLarge()
	}
	*budget -= int64(len(data))
	return data, nil
}

func tooLarge() error {
	return notPackage("the files in the zip are larger than %d MiB uncompressed, the limit for one package", MaxPackageBytes>>20)
}

func zipProblem(err error) string {
	switch {
	case errors.Is(err, zip.ErrAlgorithm):
		return "compressed with a method other than deflate, or encrypted"
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return "the archive is damaged"
	}
	return "the archive is damaged or unsupported"
}

// looksLike says what a body that is not a zip seems to be instead.
func looksLike(body []byte) string {
	b := bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf")
	switch {
	case len(b) == 0:
		return ""
	case b[0] == '{':
		return " (it looks like JSON: zip datapackage.json together with its CSV files)"
	case b[0] == '<':
		return " (it looks like HTML or XML: an error page instead of the export?)"
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return " (it is gzip-compressed: send a .zip)"
	case bytes.HasPrefix(b, []byte("id,")) || bytes.HasPrefix(b, []byte(`"id"`)):
		return " (it looks like a single CSV file: zip it together with datapackage.json and the other CSV files)"
	}
	return ""
}

// notPackage is the error for a body that is not an HSDS package at all.
func notPackage(format string, args ...any) error {
	e := hub.Errorf(hub.EINVALID, format, args...)
	e.Message = "not an HSDS data package: " + e.Message
	return e
}
