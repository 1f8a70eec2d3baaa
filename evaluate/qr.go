package evaluate

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// URL returns the address a code encodes: base (such as
// "https://minyi.example.cn") followed by /c/ and the code id. It is plain
// ASCII, because scanners garble non-ASCII QR payloads that carry no charset.
func URL(base, codeID string) string {
	return strings.TrimRight(base, "/") + "/c/" + codeID
}

// PNG renders content as a PNG QR code of size×size pixels with medium
// error correction, which survives a scuffed or partly covered sticker.
func PNG(content string, size int) ([]byte, error) {
	b, err := qrcode.Encode(content, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("evaluate: qr png: %w", err)
	}
	return b, nil
}

// SVG renders content as an SVG QR code, one path of unit squares drawn from
// the module's bitmap, quiet zone included, scaled to size CSS pixels.
func SVG(content string, size int) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("evaluate: qr svg: %w", err)
	}
	bits := q.Bitmap()
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		n, n, size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}
