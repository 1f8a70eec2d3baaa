package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"time"

	"minyi/workflow"
)

// Photo limits. A 5 MB phone photo has about 12 megapixels; the pixel limit
// stops a small file that declares a huge image from exhausting memory. A
// decoded image takes 4 bytes a pixel and turning it upright copies it, so
// one decode at the limit takes about 200 MB; photoDecodes bounds how many
// run at once, and a request that would wait longer than photoWait fails.
const (
	maxPhotoBytes  = 5 << 20
	maxPhotoPixels = 25_000_000
	jpegQuality    = 85
	photoWait      = 20 * time.Second
)

// photoDecodes holds one token per decode that may run at the same time.
var photoDecodes = make(chan struct{}, 2)

// photoError is a problem with an uploaded photo, in words for the citizen.
type photoError struct{ msg string }

func (e photoError) Error() string { return e.msg }

var (
	errPhotoTooLarge = photoError{"照片超过 5 MB，请换一张或先压缩"}
	errPhotoType     = photoError{"只能上传 JPEG 或 PNG 格式的照片"}
	errPhotoBroken   = photoError{"照片文件已损坏或无法识别，请换一张"}
	errPhotoPixels   = photoError{"照片像素过大，请换一张"}
	errPhotoBusy     = photoError{"现在上传的人较多，请稍后再试"}
)

// processPhoto checks an upload by its content, turns it upright by its EXIF
// orientation tag, and re-encodes it with the standard library, which writes
// no metadata: EXIF, GPS and comments are all dropped.
func processPhoto(data []byte) (workflow.Photo, error) {
	if len(data) > maxPhotoBytes {
		return workflow.Photo{}, errPhotoTooLarge
	}
	var isJPEG bool
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		isJPEG = true
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
	default:
		return workflow.Photo{}, errPhotoType
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "jpeg" && format != "png") {
		return workflow.Photo{}, errPhotoBroken
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPhotoPixels {
		return workflow.Photo{}, errPhotoPixels
	}
	select {
	case photoDecodes <- struct{}{}:
		defer func() { <-photoDecodes }()
	case <-time.After(photoWait):
		return workflow.Photo{}, errPhotoBusy
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return workflow.Photo{}, errPhotoBroken
	}
	orientation := 1
	if isJPEG {
		orientation = jpegOrientation(data)
	}
	img = orientImage(img, orientation)
	var out bytes.Buffer
	contentType := "image/jpeg"
	if isJPEG {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		contentType = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img)
	}
	if err != nil {
		return workflow.Photo{}, errPhotoBroken
	}
	sum := sha256.Sum256(out.Bytes())
	b := img.Bounds()
	return workflow.Photo{ContentType: contentType, Width: b.Dx(), Height: b.Dy(),
		SHA256: hex.EncodeToString(sum[:]), Data: out.Bytes()}, nil
}

// jpegOrientation returns the EXIF orientation (1 to 8) of a JPEG file, or 1
// when it has none or the segment is malformed. It walks the markers up to
// the start of scan and reads tag 0x0112 from IFD0 of the APP1 Exif segment.
func jpegOrientation(data []byte) int {
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 { // markers without a length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := exifOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads the orientation tag from a TIFF structure, or 0.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return 0
	}
	ifd := int(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 0
	}
	count := int(bo.Uint16(tiff[ifd:]))
	for k := 0; k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(tiff) {
			return 0
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
		if bo.Uint16(tiff[e+2:]) != 3 {
			return 0
		}
		v := int(bo.Uint16(tiff[e+8:]))
		if v < 1 || v > 8 {
			return 0
		}
		return v
	}
	return 0
}

// orientImage returns img turned so that it displays upright, for an EXIF
// orientation value: 2 mirrors, 3 turns 180°, 4 flips, 5 transposes, 6 turns
// 90° clockwise, 7 transverses and 8 turns 90° anticlockwise.
func orientImage(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			si := src.PixOffset(x, y)
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// isPhotoError reports whether err is a problem to show the citizen.
func isPhotoError(err error) (photoError, bool) {
	var pe photoError
	ok := errors.As(err, &pe)
	return pe, ok
}
