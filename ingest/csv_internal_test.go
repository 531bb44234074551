package ingest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/birgemiz/hub"
)

// TestCSVFieldsMatchDecoder keeps csvTypes in step with the data decoders
// in types.go: a field added there and not here would be an unknown column
// in every CSV file, and one listed here but gone there an unknown field in
// every row. It reads the case labels of each decoder's switch.
func TestCSVFieldsMatchDecoder(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "types.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	decoders := map[string]hub.RecordType{
		"organization": hub.TypeOrganization, "project": hub.TypeProject, "volunteer": hub.TypeVolunteer,
		"participation": hub.TypeParticipation, "unPlacement": hub.TypeUNPlacement, "indicator": hub.TypeIndicator,
	}
	found := 0
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil {
			continue
		}
		typ, ok := decoders[fn.Name.Name]
		if !ok {
			continue
		}
		found++
		var fromDecoder []string
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			cc, ok := n.(*ast.CaseClause)
			if !ok {
				return true
			}
			for _, e := range cc.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					fromDecoder = append(fromDecoder, s)
				}
			}
			return true
		})
		var fromCSV []string
		for _, fld := range csvTypes[typ].fields {
			fromCSV = append(fromCSV, fld.name)
		}
		slices.Sort(fromDecoder)
		slices.Sort(fromCSV)
		if diff := cmp.Diff(fromDecoder, fromCSV); diff != "" {
			t.Errorf("%s fields (-types.go +csvTypes):\n%s", typ, diff)
		}
	}
	if found != len(decoders) || len(csvTypes) != len(hub.RecordTypes) {
		t.Errorf("found %d of %d decoders in types.go, %d CSV types", found, len(decoders), len(csvTypes))
	}
}

// TestAppendJSON checks the JSON a row becomes: always valid, whatever the
// cells hold.
func TestAppendJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", `"`, `\`, "a\x00b\x1f\n\r\t", "Қазақ «тілі»", "\u2028", `\u0041`} {
		b := appendJSONString(nil, s)
		if !validJSON(b) || unquote(b) != s {
			t.Errorf("appendJSONString(%q) = %s", s, b)
		}
	}
	for in, want := range map[string]string{"12": "12", "-1.5e3": "-1.5e3", "1,5": `"1,5"`, "01": `"01"`, "+1": `"+1"`, "1 000": `"1 000"`, "NaN": `"NaN"`, "": `""`} {
		if got := string(appendJSONNumber(nil, in)); got != want {
			t.Errorf("appendJSONNumber(%q) = %s, want %s", in, got, want)
		}
	}
}
