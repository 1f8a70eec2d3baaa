package web

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// pattern returns a 3×2 image whose six pixels all differ.
func testPattern() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			img.Set(x, y, color.RGBA{uint8(40 * x), uint8(100 * y), 7, 255})
		}
	}
	return img
}

func samePixelsAs(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			if a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y) != b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y) {
				return false
			}
		}
	}
	return true
}

func TestOrientInverses(t *testing.T) {
	// Each pair undoes the other: mirror, flip, half turn and the two
	// diagonal flips are their own inverse; the quarter turns undo each other.
	pairs := [][2]int{{2, 2}, {3, 3}, {4, 4}, {5, 5}, {7, 7}, {6, 8}, {8, 6}}
	for _, p := range pairs {
		src := testPattern()
		got := orientImage(orientImage(src, p[0]), p[1])
		if !samePixelsAs(src, got) {
			t.Errorf("orientation %d then %d does not restore the image", p[0], p[1])
		}
	}
	if turned := orientImage(testPattern(), 6); turned.Bounds().Dx() != 2 || turned.Bounds().Dy() != 3 {
		t.Errorf("orientation 6 gives %v, want 2×3", turned.Bounds())
	}
	if got := orientImage(testPattern(), 6).At(1, 0); got != (color.RGBA{0, 0, 7, 255}) {
		t.Errorf("after a clockwise turn the top-right pixel is %v, want the old top-left", got)
	}
}

func TestJPEGOrientationMalformed(t *testing.T) {
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, testPattern(), nil)
	good := buf.Bytes()
	cases := []struct {
		name string
		data []byte
	}{
		{"no exif", good},
		{"truncated segment", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x40}, "Exif\x00\x00II"...)},
		{"bad byte order", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10}, "Exif\x00\x00XX*\x00\x08\x00\x00\x00"...)},
		{"ifd offset past end", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10}, "Exif\x00\x00II*\x00\xff\x00\x00\x00"...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if o := jpegOrientation(tc.data); o != 1 {
				t.Fatalf("orientation = %d, want 1", o)
			}
		})
	}
}

func TestProcessPhotoPNG(t *testing.T) {
	var buf bytes.Buffer
	_ = png.Encode(&buf, testPattern())
	p, err := processPhoto(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType != "image/png" || p.Width != 3 || p.Height != 2 || len(p.SHA256) != 64 {
		t.Fatalf("photo = %+v", p)
	}
}

func FuzzProcessPhoto(f *testing.F) {
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, testPattern(), nil)
	f.Add(buf.Bytes())
	f.Add(append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x22}, "Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00"...))
	buf.Reset()
	_ = png.Encode(&buf, testPattern())
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := processPhoto(data)
		if err != nil {
			if _, ok := isPhotoError(err); !ok {
				t.Fatalf("error %v is not a photo error for the citizen", err)
			}
			return
		}
		if bytes.Contains(p.Data, []byte("Exif")) {
			t.Fatal("output carries EXIF")
		}
	})
}
