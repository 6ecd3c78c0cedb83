// Package funclen holds the check, run by `make lint` and `make test`, that no function in
// shared/, functions/ or infra/ (test code included) is longer than MaxLines: a function that
// long does several jobs in a row and should be split into named steps.
package funclen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
)

// MaxLines is the longest a function may be, from its func line to its closing brace.
const MaxLines = 80

// Long lists every function (declarations and function literals) in the Go files under dirs
// that is longer than max lines, as "file:line name (n lines)".
func Long(max int, dirs ...string) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			long, err := longIn(fset, path, max)
			out = append(out, long...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", dir, err)
		}
	}
	return out, nil
}

func longIn(fset *token.FileSet, path string, max int) ([]string, error) {
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		name := "func literal"
		switch fn := n.(type) {
		case *ast.FuncDecl:
			if fn.Body == nil {
				return true
			}
			name = fn.Name.Name
			if fn.Recv != nil && len(fn.Recv.List) == 1 {
				name = receiver(fn.Recv.List[0].Type) + "." + name
			}
		case *ast.FuncLit:
		default:
			return true
		}
		start, end := fset.Position(n.Pos()), fset.Position(n.End())
		if lines := end.Line - start.Line + 1; lines > max {
			out = append(out, fmt.Sprintf("%s:%d %s (%d lines)", filepath.ToSlash(path), start.Line, name, lines))
		}
		return true
	})
	return out, nil
}

// receiver names a method's receiver type without pointer or type parameters.
func receiver(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return receiver(x.X)
	case *ast.IndexExpr:
		return receiver(x.X)
	case *ast.IndexListExpr:
		return receiver(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}
