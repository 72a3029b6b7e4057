// Package badgepng checks uploaded badge images, draws default ones, and
// bakes Open Badges assertions into PNGs (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html).
// It uses only the standard library and the domain package's errors.
package badgepng

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/lernejo/lernejo/domain"
)

// Limits on uploaded badge images.
const (
	MaxUploadBytes = 256 << 10 // bytes of the uploaded file
	MaxSide        = 1024      // pixels, each side
	MinSide        = 64        // pixels, each side
)

// maxAspect is the largest long-side / short-side ratio accepted, as the
// fraction maxAspectNum/maxAspectDen (1.25).
const maxAspectNum, maxAspectDen = 5, 4

// Keyword is the iTXt (or, in Open Badges 1.0, tEXt) keyword of a baked
// assertion.
const Keyword = "openbadges"

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Check validates an uploaded badge image: a PNG that decodes completely, at
// most MaxUploadBytes, between MinSide and MaxSide pixels on each side, and
// square-ish (long side at most 1.25 × the short side). The dimensions are
// read from the header before anything is decoded, so a small file claiming
// a huge image (a decompression bomb) is refused without allocating it. The
// errors are *domain.Error with code EINVALID and a message safe to show.
func Check(b []byte) error {
	if len(b) > MaxUploadBytes {
		return domain.Errorf(domain.EINVALID, "The badge image is too large: at most %d KB, please.", MaxUploadBytes>>10)
	}
	if len(b) == 0 {
		return domain.Errorf(domain.EINVALID, "The badge image is empty.")
	}
	if !bytes.HasPrefix(b, pngSignature) {
		return domain.Errorf(domain.EINVALID, "The badge image must be a PNG file.")
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The badge image is not a valid PNG file.")
	}
	w, h := cfg.Width, cfg.Height
	if w > MaxSide || h > MaxSide {
		return domain.Errorf(domain.EINVALID, "The badge image is %d×%d pixels: at most %d×%d, please.", w, h, MaxSide, MaxSide)
	}
	if w < MinSide || h < MinSide {
		return domain.Errorf(domain.EINVALID, "The badge image is %d×%d pixels: at least %d×%d, please.", w, h, MinSide, MinSide)
	}
	long, short := max(w, h), min(w, h)
	if long*maxAspectDen > short*maxAspectNum {
		return domain.Errorf(domain.EINVALID, "The badge image is %d×%d pixels: it should be (nearly) square.", w, h)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		return domain.Errorf(domain.EINVALID, "The badge image is not a valid PNG file.")
	}
	return nil
}

// DefaultSide is the width and height of Default's images.
const DefaultSide = 256

// palette holds badge colours that white and a light tint stay readable on
// (contrast with white ≥ 4.5:1).
var palette = []color.NRGBA{
	{0x1d, 0x4e, 0xd8, 0xff}, // blue
	{0x04, 0x78, 0x57, 0xff}, // green
	{0xb9, 0x1c, 0x1c, 0xff}, // red
	{0x6d, 0x28, 0xd9, 0xff}, // violet
	{0xb4, 0x53, 0x09, 0xff}, // amber
	{0x0f, 0x76, 0x6e, 0xff}, // teal
	{0xbe, 0x18, 0x5d, 0xff}, // pink
	{0x33, 0x41, 0x55, 0xff}, // slate
	{0x43, 0x38, 0xca, 0xff}, // indigo
	{0x0e, 0x74, 0x90, 0xff}, // cyan
	{0x9a, 0x34, 0x12, 0xff}, // rust
	{0x3f, 0x62, 0x12, 0xff}, // olive
}

// Default draws the DefaultSide×DefaultSide PNG of a badge without an
// uploaded image: a disc in a palette colour, a lighter inner ring and a
// geometric emblem (a star, chevrons or a diamond), all chosen by a hash of
// seed (say, the badge's id). The same seed always gives the same bytes.
func Default(seed string) []byte {
	hs := fnv.New64a()
	hs.Write([]byte(seed))
	sum := hs.Sum64()
	base := palette[sum%uint64(len(palette))]
	emblem := (sum >> 16) % 3
	ring := tint(base, 0.55)
	mark := tint(base, 0.92)

	const (
		n     = DefaultSide
		c     = n / 2.0
		rDisc = 120.0
		rOut  = 106.0 // the ring's outer radius
		rIn   = 96.0  // the ring's inner radius
		ss    = 4     // supersamples per axis, for smooth edges
	)
	star := starPolygon(0, 6, 64, 26, 5) // centred on its bounding box
	inside := func(dx, dy float64) bool {
		switch emblem {
		case 0:
			return inPolygon(star, dx, dy)
		case 1: // two chevrons pointing up
			ax := math.Abs(dx)
			if ax > 52 {
				return false
			}
			for _, apex := range []float64{-58, -16} {
				if v := dy - ax*0.9 - apex; v >= 0 && v <= 26 {
					return true
				}
			}
			return false
		default: // a diamond with a diamond hole
			d := math.Abs(dx)*1.15 + math.Abs(dy)
			return d <= 66 && d >= 30 || d <= 16
		}
	}
	shade := func(x, y float64) color.NRGBA {
		dx, dy := x-c, y-c
		r := math.Hypot(dx, dy)
		switch {
		case r > rDisc:
			return color.NRGBA{}
		case r <= rOut && r >= rIn:
			return ring
		case r < rIn && inside(dx, dy):
			return mark
		}
		return base
	}

	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			// Most pixels lie wholly inside one shape: if the corners and
			// the centre agree, that is the pixel's colour.
			fx, fy := float64(x), float64(y)
			if s := shade(fx+0.5, fy+0.5); s == shade(fx, fy) && s == shade(fx+1, fy) &&
				s == shade(fx, fy+1) && s == shade(fx+1, fy+1) {
				img.SetNRGBA(x, y, s)
				continue
			}
			// Else average premultiplied samples, then store non-premultiplied.
			var pr, pg, pb, pa float64
			for sy := range ss {
				for sx := range ss {
					s := shade(fx+(float64(sx)+0.5)/ss, fy+(float64(sy)+0.5)/ss)
					a := float64(s.A) / 255
					pr += float64(s.R) * a
					pg += float64(s.G) * a
					pb += float64(s.B) * a
					pa += a
				}
			}
			if pa == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(math.Round(pr / pa)),
				G: uint8(math.Round(pg / pa)),
				B: uint8(math.Round(pb / pa)),
				A: uint8(math.Round(pa / (ss * ss) * 255)),
			})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, img); err != nil {
		panic("badgepng: encoding the default badge: " + err.Error()) // cannot happen with a bytes.Buffer
	}
	return buf.Bytes()
}

// tint mixes c with white: f = 0 is c, f = 1 is white.
func tint(c color.NRGBA, f float64) color.NRGBA {
	mix := func(v uint8) uint8 { return uint8(math.Round(float64(v) + (255-float64(v))*f)) }
	return color.NRGBA{mix(c.R), mix(c.G), mix(c.B), 0xff}
}

// starPolygon returns the vertices of a star with the given number of points,
// centred on (cx, cy), one point straight up (y grows downwards).
func starPolygon(cx, cy, rOuter, rInner float64, points int) [][2]float64 {
	vs := make([][2]float64, 0, 2*points)
	for i := range 2 * points {
		r := rOuter
		if i%2 == 1 {
			r = rInner
		}
		a := -math.Pi/2 + float64(i)*math.Pi/float64(points)
		vs = append(vs, [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)})
	}
	return vs
}

// inPolygon reports whether (x, y) is inside the polygon vs (even-odd rule).
func inPolygon(vs [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(vs)-1; i < len(vs); j, i = i, i+1 {
		xi, yi, xj, yj := vs[i][0], vs[i][1], vs[j][0], vs[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// ErrNotPNG is wrapped by the errors Bake and Unbake return for bytes that
// are not a well-formed PNG chunk stream.
var ErrNotPNG = errors.New("badgepng: not a well-formed PNG")

// maxBakedText bounds a baked assertion (a URL or a JSON document), and the
// inflated text of a compressed chunk that Unbake reads.
const maxBakedText = 1 << 20

type chunk struct {
	typ  string
	data []byte
	raw  []byte // length, type, data and CRC, as in the file
}

// chunks splits a PNG into its chunks up to and including IEND, checking the
// signature, the lengths and every CRC. Bytes after IEND are ignored.
func chunks(b []byte) ([]chunk, error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return nil, fmt.Errorf("%w: no PNG signature", ErrNotPNG)
	}
	var cs []chunk
	rest := b[len(pngSignature):]
	for {
		if len(rest) < 12 {
			return nil, fmt.Errorf("%w: truncated before IEND", ErrNotPNG)
		}
		n := binary.BigEndian.Uint32(rest)
		if n > math.MaxInt32 || uint64(n) > uint64(len(rest)-12) {
			return nil, fmt.Errorf("%w: chunk length %d out of bounds", ErrNotPNG, n)
		}
		typ := rest[4:8]
		for _, c := range typ {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return nil, fmt.Errorf("%w: bad chunk type %q", ErrNotPNG, typ)
			}
		}
		end := 8 + int(n)
		if crc32.ChecksumIEEE(rest[4:end]) != binary.BigEndian.Uint32(rest[end:]) {
			return nil, fmt.Errorf("%w: bad CRC in %s chunk", ErrNotPNG, typ)
		}
		c := chunk{typ: string(typ), data: rest[8:end], raw: rest[:end+4]}
		if len(cs) == 0 && c.typ != "IHDR" {
			return nil, fmt.Errorf("%w: first chunk is %s, not IHDR", ErrNotPNG, c.typ)
		}
		cs = append(cs, c)
		rest = rest[end+4:]
		if c.typ == "IEND" {
			return cs, nil
		}
	}
}

// isBaked reports whether c is an Open Badges chunk: an iTXt or tEXt chunk
// with keyword "openbadges".
func isBaked(c chunk) bool {
	return (c.typ == "iTXt" || c.typ == "tEXt") && bytes.HasPrefix(c.data, []byte(Keyword+"\x00"))
}

// Bake returns a copy of the PNG pngBytes with assertion (an assertion URL or
// its JSON) embedded as an uncompressed iTXt chunk with keyword "openbadges",
// placed just before IEND, as the Open Badges 2.0 baking specification says.
// Any openbadges iTXt or tEXt chunk already there is removed, so a PNG carries
// at most one. Bytes after IEND are dropped.
func Bake(pngBytes []byte, assertion string) ([]byte, error) {
	if assertion == "" {
		return nil, errors.New("badgepng: empty assertion")
	}
	if len(assertion) > maxBakedText {
		return nil, errors.New("badgepng: assertion too long to bake")
	}
	if !utf8.ValidString(assertion) || strings.ContainsRune(assertion, 0) {
		return nil, errors.New("badgepng: assertion is not NUL-free UTF-8")
	}
	cs, err := chunks(pngBytes)
	if err != nil {
		return nil, err
	}
	// keyword NUL, compression flag 0, compression method 0, empty language
	// tag NUL, empty translated keyword NUL, text.
	data := make([]byte, 0, len(Keyword)+5+len(assertion))
	data = append(data, Keyword...)
	data = append(data, 0, 0, 0, 0, 0)
	data = append(data, assertion...)

	out := make([]byte, 0, len(pngBytes)+12+len(data))
	out = append(out, pngSignature...)
	for _, c := range cs {
		if isBaked(c) {
			continue
		}
		if c.typ == "IEND" {
			out = appendChunk(out, "iTXt", data)
		}
		out = append(out, c.raw...)
	}
	return out, nil
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// Unbake returns the baked assertion of a PNG: the text of its "openbadges"
// iTXt chunk (inflated if compressed), or failing that of an Open Badges 1.0
// tEXt chunk; "" if it has neither.
func Unbake(pngBytes []byte) (string, error) {
	cs, err := chunks(pngBytes)
	if err != nil {
		return "", err
	}
	var text string
	for _, c := range cs {
		if !isBaked(c) {
			continue
		}
		rest := c.data[len(Keyword)+1:]
		if c.typ == "tEXt" {
			if text == "" {
				text = latin1(rest)
			}
			continue
		}
		if len(rest) < 2 {
			return "", fmt.Errorf("%w: short iTXt chunk", ErrNotPNG)
		}
		compressed, method := rest[0], rest[1]
		rest = rest[2:]
		for range 2 { // skip the language tag and the translated keyword
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				return "", fmt.Errorf("%w: malformed iTXt chunk", ErrNotPNG)
			}
			rest = rest[i+1:]
		}
		switch {
		case compressed == 0:
		case compressed == 1 && method == 0:
			zr, err := zlib.NewReader(bytes.NewReader(rest))
			if err != nil {
				return "", fmt.Errorf("%w: iTXt: %v", ErrNotPNG, err)
			}
			rest, err = io.ReadAll(io.LimitReader(zr, maxBakedText+1))
			if err != nil {
				return "", fmt.Errorf("%w: iTXt: %v", ErrNotPNG, err)
			}
			if len(rest) > maxBakedText {
				return "", fmt.Errorf("%w: iTXt text too long", ErrNotPNG)
			}
		default:
			return "", fmt.Errorf("%w: unknown iTXt compression", ErrNotPNG)
		}
		if !utf8.Valid(rest) {
			return "", fmt.Errorf("%w: iTXt text is not UTF-8", ErrNotPNG)
		}
		return string(rest), nil
	}
	return text, nil
}

// latin1 decodes ISO 8859-1, the encoding of tEXt chunks.
func latin1(b []byte) string {
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}
