package badgepng

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func grey(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	return img
}

// rawChunk builds one PNG chunk with a valid CRC.
func rawChunk(typ string, data []byte) []byte {
	return appendChunk(nil, typ, data)
}

// headerOnly returns a PNG that is a signature, an IHDR claiming w×h RGBA
// pixels (with a valid CRC) and IEND: no image data at all.
func headerOnly(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	b := append([]byte{}, pngSignature...)
	b = append(b, rawChunk("IHDR", ihdr)...)
	return append(b, rawChunk("IEND", nil)...)
}

// pngChunks parses b independently of the package's own parser, checking
// every CRC, and returns the chunk types and data in order.
func pngChunks(t *testing.T, b []byte) (types []string, datas [][]byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("no PNG signature")
	}
	b = b[8:]
	for len(b) > 0 {
		if len(b) < 12 {
			t.Fatalf("trailing %d bytes", len(b))
		}
		n := int(binary.BigEndian.Uint32(b))
		if 12+n > len(b) {
			t.Fatalf("chunk length %d past the end", n)
		}
		typ, data := string(b[4:8]), b[8:8+n]
		if got, want := binary.BigEndian.Uint32(b[8+n:]), crc32.ChecksumIEEE(b[4:8+n]); got != want {
			t.Errorf("%s chunk: CRC %08x, want %08x", typ, got, want)
		}
		types, datas = append(types, typ), append(datas, data)
		b = b[12+n:]
	}
	if len(types) == 0 || types[len(types)-1] != "IEND" {
		t.Errorf("chunks %v do not end with IEND", types)
	}
	return types, datas
}

func TestBadgeCheckAccepts(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"default", Default("01HB")},
		{"min square", encodePNG(t, grey(MinSide, MinSide))},
		{"max square", encodePNG(t, grey(MaxSide, MaxSide))},
		{"aspect 1.25", encodePNG(t, grey(500, 400))},
		{"aspect 1.25 tall", encodePNG(t, grey(400, 500))},
		{"paletted", encodePNG(t, image.NewPaletted(image.Rect(0, 0, 128, 128), color.Palette{color.Black, color.White}))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.b); err != nil {
				t.Errorf("Check = %v", err)
			}
		})
	}
}

func TestBadgeCheckRefuses(t *testing.T) {
	var jpg, gf bytes.Buffer
	if err := jpeg.Encode(&jpg, grey(128, 128), nil); err != nil {
		t.Fatal(err)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 128, 128), color.Palette{color.Black, color.White})
	if err := gif.Encode(&gf, pal, nil); err != nil {
		t.Fatal(err)
	}
	// Random pixels do not compress: 512×512 RGBA is about 1 MiB.
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := image.NewNRGBA(image.Rect(0, 0, 512, 512))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rnd.Uint32())
	}
	def := Default("x")
	badCRC := bytes.Clone(def)
	badCRC[8+8+13] ^= 0xff // the IHDR CRC

	for _, tt := range []struct {
		name, b, want string
	}{
		{"empty", "", "empty"},
		{"jpeg", jpg.String(), "must be a PNG"},
		{"gif", gf.String(), "must be a PNG"},
		{"text", "hello, world", "must be a PNG"},
		{"signature only", string(pngSignature), "not a valid PNG"},
		{"2000x2000", string(encodePNG(t, grey(2000, 2000))), "at most 1024×1024"},
		{"1025x1025", string(encodePNG(t, grey(1025, 1025))), "at most"},
		{"10x10", string(encodePNG(t, grey(10, 10))), "at least 64×64"},
		{"63x63", string(encodePNG(t, grey(63, 63))), "at least"},
		{"300x100", string(encodePNG(t, grey(300, 100))), "square"},
		{"100x300", string(encodePNG(t, grey(100, 300))), "square"},
		{"501x400", string(encodePNG(t, grey(501, 400))), "square"},
		{"truncated", string(def[:len(def)/2]), "not a valid PNG"},
		{"no IEND", string(def[:len(def)-12]), "not a valid PNG"},
		{"bad IHDR CRC", string(badCRC), "not a valid PNG"},
		{"header claims 100000x100000", string(headerOnly(100000, 100000)), "at most"},
		{"header claims 0x0", string(headerOnly(0, 0)), "not a valid PNG"},
		{"header only, sane size", string(headerOnly(128, 128)), "not a valid PNG"},
		{"too many bytes", string(encodePNG(t, noise)), "too large"},
		{"padded past the limit", string(def) + strings.Repeat("\x00", MaxUploadBytes), "too large"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.b))
			if err == nil {
				t.Fatal("Check = nil, want an error")
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EINVALID {
				t.Errorf("error %#v is not a domain EINVALID error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// A header claiming a 100000×100000 image (40 GB of RGBA) is refused from
// the header alone: Check allocates next to nothing.
func TestBadgeCheckBombDoesNotAllocate(t *testing.T) {
	b := headerOnly(100000, 100000)
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 100000 || cfg.Height != 100000 {
		t.Fatalf("crafted header: %v %v", cfg, err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 10 {
		if Check(b) == nil {
			t.Fatal("Check accepted the bomb")
		}
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("Check allocated %d bytes for 10 header-only bombs", n)
	}

	// The same with real, highly compressible image data after the header:
	// 4096×4096 zero pixels deflate to about 16 KB.
	const side = 4096
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], side)
	binary.BigEndian.PutUint32(ihdr[4:], side)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+side)
	for range side {
		zw.Write(row)
	}
	zw.Close()
	bomb := append([]byte{}, pngSignature...)
	bomb = append(bomb, rawChunk("IHDR", ihdr)...)
	bomb = append(bomb, rawChunk("IDAT", z.Bytes())...)
	bomb = append(bomb, rawChunk("IEND", nil)...)
	if len(bomb) > MaxUploadBytes {
		t.Fatalf("bomb is %d bytes, meant to be under the limit", len(bomb))
	}
	runtime.GC()
	runtime.ReadMemStats(&before)
	err = Check(bomb)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("Check(bomb) = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("Check allocated %d bytes for a %d-byte bomb", n, len(bomb))
	}
}

func TestBadgeDefault(t *testing.T) {
	a, b := Default("01HBADGE"), Default("01HBADGE")
	if !bytes.Equal(a, b) {
		t.Error("Default is not deterministic")
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 || r.Dx() != DefaultSide {
		t.Errorf("bounds %v", r)
	}
	// Transparent corners, opaque centre.
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("corner alpha %d", a)
	}
	if _, _, _, a := img.At(128, 128).RGBA(); a != 0xffff {
		t.Errorf("centre alpha %d", a)
	}
	if err := Check(a); err != nil {
		t.Errorf("Check(Default) = %v", err)
	}

	seen := map[string]string{}
	colours := map[color.RGBA]bool{}
	for _, seed := range []string{"", "a", "b", "c", "01HB", "01HC", "go101", "Gopher", "x", "y", "z", "w"} {
		d := Default(seed)
		if prev, ok := seen[string(d)]; ok {
			t.Errorf("seeds %q and %q give the same image", prev, seed)
		}
		seen[string(d)] = seed
		img, err := png.Decode(bytes.NewReader(d))
		if err != nil {
			t.Fatalf("seed %q: %v", seed, err)
		}
		colours[color.RGBAModel.Convert(img.At(128, 12)).(color.RGBA)] = true // on the disc, outside the ring
	}
	if len(colours) < 4 {
		t.Errorf("only %d colours for 12 seeds", len(colours))
	}
}

func TestBadgeBakeUnbake(t *testing.T) {
	orig := Default("bake")
	if s, err := Unbake(orig); err != nil || s != "" {
		t.Fatalf("Unbake(unbaked) = %q, %v", s, err)
	}

	const url = "https://learn.example/c/go101/awards/01HC"
	baked, err := Bake(orig, url)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Unbake(baked); err != nil || s != url {
		t.Errorf("Unbake = %q, %v; want %q", s, err, url)
	}
	types, datas := pngChunks(t, baked)
	if n := len(types); n < 2 || types[n-2] != "iTXt" || types[n-1] != "IEND" {
		t.Errorf("chunks %v: want iTXt right before IEND", types)
	}
	want := "openbadges\x00\x00\x00\x00\x00" + url // keyword, flag 0, method 0, no language, no translation
	if got := string(datas[len(datas)-2]); got != want {
		t.Errorf("iTXt data %q, want %q", got, want)
	}
	if _, err := png.Decode(bytes.NewReader(baked)); err != nil {
		t.Errorf("baked PNG does not decode: %v", err)
	}
	if err := Check(baked); err != nil {
		t.Errorf("Check(baked) = %v", err)
	}
	// The original is untouched.
	if !bytes.Equal(orig, Default("bake")) {
		t.Error("Bake modified its input")
	}

	// Re-baking replaces: exactly one openbadges chunk, the new value.
	const doc = `{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"https://learn.example/aw/2","note":"é ✓"}`
	rebaked, err := Bake(baked, doc)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Unbake(rebaked); err != nil || s != doc {
		t.Errorf("Unbake(rebaked) = %q, %v", s, err)
	}
	types, datas = pngChunks(t, rebaked)
	n := 0
	for i := range types {
		if (types[i] == "iTXt" || types[i] == "tEXt") && bytes.HasPrefix(datas[i], []byte("openbadges\x00")) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d openbadges chunks after re-baking, want 1", n)
	}
	if _, err := png.Decode(bytes.NewReader(rebaked)); err != nil {
		t.Errorf("re-baked PNG does not decode: %v", err)
	}
	// Baking the same value twice gives the same bytes.
	again, _ := Bake(rebaked, url)
	if !bytes.Equal(again, baked) {
		t.Error("bake, re-bake, bake back differs from a single bake")
	}
}

// withChunkBeforeIEND inserts a chunk just before a PNG's IEND.
func withChunkBeforeIEND(b []byte, typ string, data []byte) []byte {
	out := append([]byte{}, b[:len(b)-12]...)
	out = append(out, rawChunk(typ, data)...)
	return append(out, b[len(b)-12:]...)
}

func TestBadgeUnbakeOtherEncodings(t *testing.T) {
	base := Default("other")
	// A compressed iTXt chunk with a language tag and translated keyword.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("https://a.example/aw/1"))
	zw.Close()
	data := append([]byte("openbadges\x00\x01\x00en\x00Open Badges\x00"), z.Bytes()...)
	if s, err := Unbake(withChunkBeforeIEND(base, "iTXt", data)); err != nil || s != "https://a.example/aw/1" {
		t.Errorf("compressed iTXt: %q, %v", s, err)
	}
	// An Open Badges 1.0 tEXt chunk (Latin-1).
	old := withChunkBeforeIEND(base, "tEXt", []byte("openbadges\x00https://a.example/aw/\xe9"))
	if s, err := Unbake(old); err != nil || s != "https://a.example/aw/é" {
		t.Errorf("tEXt: %q, %v", s, err)
	}
	// Baking replaces the tEXt chunk too.
	baked, err := Bake(old, "https://a.example/aw/2")
	if err != nil {
		t.Fatal(err)
	}
	types, _ := pngChunks(t, baked)
	for _, typ := range types {
		if typ == "tEXt" {
			t.Error("tEXt openbadges chunk survived baking")
		}
	}
	// Other text chunks are kept.
	other := withChunkBeforeIEND(base, "tEXt", []byte("Comment\x00hi"))
	baked, _ = Bake(other, "u")
	if types, _ := pngChunks(t, baked); !strings.Contains(strings.Join(types, " "), "tEXt iTXt IEND") {
		t.Errorf("chunks %v", types)
	}
	if s, _ := Unbake(other); s != "" {
		t.Errorf("Unbake of a Comment = %q", s)
	}
}

func TestBadgeBakeErrors(t *testing.T) {
	def := Default("err")
	badCRC := bytes.Clone(def)
	badCRC[len(badCRC)-1] ^= 1
	for _, tt := range []struct {
		name, png, assertion string
	}{
		{"not png", "GIF89a....", "u"},
		{"truncated", string(def[:len(def)/2]), "u"},
		{"bad CRC", string(badCRC), "u"},
		{"huge length", string(pngSignature) + "\xff\xff\xff\xffIHDR", "u"},
		{"no IHDR first", string(pngSignature) + string(rawChunk("IEND", nil)), "u"},
		{"empty assertion", string(def), ""},
		{"NUL in assertion", string(def), "a\x00b"},
		{"bad UTF-8", string(def), "\xff"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Bake([]byte(tt.png), tt.assertion); err == nil {
				t.Error("Bake = nil error")
			}
			if tt.assertion == "u" {
				if _, err := Unbake([]byte(tt.png)); err == nil {
					t.Error("Unbake = nil error")
				}
			}
		})
	}
}
