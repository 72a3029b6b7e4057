// Package imaging turns pictures people upload, and remote actors'
// avatars, into images this node can serve safely: it checks what the
// bytes are by decoding them (never by a file name or a Content-Type),
// refuses dimensions that would take too much memory before it decodes a
// pixel (a decompression bomb declares 50000x50000 in a few hundred
// bytes: HOSTILE P1), scales and crops the pixels to a bounded size with
// golang.org/x/image's Catmull-Rom filter, and encodes them again as PNG
// or JPEG. What it returns holds none of the input's bytes: no EXIF, no
// GPS position, no trailing payload.
package imaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder with image.Decode

	"github.com/lernejo/lernejo/domain"
)

// Limits of what Process takes.
const (
	// MaxBytes bounds an encoded input: the web layer's body limit
	// (1 MiB) is lower still, and a remote avatar is fetched with the
	// fetch client's 1 MiB cap.
	MaxBytes = 1 << 20
	// MaxSide and MaxPixels bound an input's declared dimensions. A
	// 40-megapixel picture decodes to 160 MB of RGBA, which is as far as
	// two concurrent uploads on a small server should go.
	MaxSide   = 10000
	MaxPixels = 40_000_000
)

// Size is the box an image is scaled and cropped to fill (cover): every
// output is exactly Width x Height.
type Size struct{ Width, Height int }

// The sizes of the node's pictures.
var (
	Avatar = Size{400, 400}  // a person's, course's or school's picture
	Header = Size{1500, 500} // a profile's header
	Small  = Size{96, 96}    // a remote actor's avatar, shown beside posts
)

// ErrNotImage is returned for bytes that are no PNG, JPEG or WebP image.
var ErrNotImage = errors.New("imaging: not a PNG, JPEG or WebP image")

// formats are the formats decoded: image/gif is not imported, so an
// animated GIF (whose frames multiply the memory) is not one of them.
var formats = map[string]bool{"png": true, "jpeg": true, "webp": true}

// Process decodes data, checks it and returns it scaled and cropped to
// size, re-encoded: PNG when it has transparency, JPEG otherwise. Its
// errors are EINVALID domain errors whose message says what to fix; what
// is named is what the message calls the picture ("the avatar").
func Process(data []byte, size Size, what domain.Phrase) (*domain.Image, error) {
	if len(data) > MaxBytes {
		return nil, domain.Errorf(domain.EINVALID, "The %s is too large: at most %s.", what, domain.Bytes(MaxBytes))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || !formats[format] {
		return nil, domain.Errorf(domain.EINVALID, "The %s is not a PNG, JPEG or WebP image.", what)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return nil, domain.Errorf(domain.EINVALID, "The %s is %dx%d pixels: at most %dx%d and %d megapixels.",
			what, cfg.Width, cfg.Height, MaxSide, MaxSide, MaxPixels/1_000_000)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "The %s could not be read as a %s image.", what, format)
	}
	if b := src.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, domain.Errorf(domain.EINVALID, "The %s is not a well-formed %s image.", what, format)
	}
	dst := cover(src, size)
	var out bytes.Buffer
	mediaType := "image/jpeg"
	if dst.Opaque() {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85})
	} else {
		mediaType = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("imaging: encode: %w", err)
	}
	sum := sha256.Sum256(out.Bytes())
	return &domain.Image{Hash: hex.EncodeToString(sum[:]), MediaType: mediaType,
		Width: size.Width, Height: size.Height, Data: out.Bytes()}, nil
}

// cover scales src to fill size, cropping the middle of whichever side is
// too long, as CSS's object-fit: cover does.
func cover(src image.Image, size Size) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	// The largest rectangle of the output's proportions inside src.
	cw, ch := w, w*size.Height/size.Width
	if ch > h {
		cw, ch = h*size.Width/size.Height, h
	}
	cw, ch = max(cw, 1), max(ch, 1)
	x0, y0 := b.Min.X+(w-cw)/2, b.Min.Y+(h-ch)/2
	dst := image.NewRGBA(image.Rect(0, 0, size.Width, size.Height))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, image.Rect(x0, y0, x0+cw, y0+ch), draw.Src, nil)
	return dst
}
