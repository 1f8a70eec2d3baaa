package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// staticFiles holds every file under web/static, for the citizen pages and
// the console alike. Files are served at /static/NAME; staticURL adds a
// content hash so a browser may cache a file for a year and still fetch a
// changed one at once.
//
//go:embed static
var staticFiles embed.FS

// staticHashes maps a file name under static/ to the first 12 hex digits of
// the SHA-256 of its content.
var staticHashes = hashStatic()

func hashStatic() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}

// staticURL returns the address of a static file with its content hash. It
// panics on an unknown name, so a template that names a missing file fails
// when the templates are first executed in tests.
func staticURL(name string) string {
	h, ok := staticHashes[name]
	if !ok {
		panic("web: unknown static file " + name)
	}
	return "/static/" + name + "?v=" + h
}

// serveStatic serves an embedded file. A request that carries the current
// hash may be cached for a year; any other for five minutes.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	h, ok := staticHashes[name]
	if !ok || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == h {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	_, _ = w.Write(b)
}
