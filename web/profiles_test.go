package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// upload is one file of a multipart form.
type upload struct {
	field, filename, contentType string
	data                         []byte
}

// postMultipart sends a multipart form with fields and files, as a
// browser sends the profile form.
func (b *browser) postMultipart(path string, fields map[string]string, files ...upload) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.field+`"; filename="`+f.filename+`"`)
		h.Set("Content-Type", f.contentType)
		part, err := w.CreatePart(h)
		if err != nil {
			b.t.Fatal(err)
		}
		part.Write(f.data)
	}
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// testJPEG is a w x h JPEG of a gradient.
func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gpsMarker is the text the EXIF segment of withEXIF carries: a GPS
// position, which must not survive an upload.
const gpsMarker = "GPSLatitude 51.5007N GPSLongitude 0.1246W"

// withEXIF inserts an APP1 Exif segment naming a GPS position right after
// a JPEG's start-of-image marker, as a phone's camera writes it.
func withEXIF(jpg []byte) []byte {
	payload := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"), gpsMarker...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// pngClaiming is a PNG whose header declares w x h pixels, with a tiny
// image data chunk: a decompression bomb's shape, a few dozen bytes.
func pngClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// imageURLRE finds the path of an image's URL in a page.
var imageURLRE = regexp.MustCompile(`/images/[0-9a-f]{64}\.(?:jpg|png)`)

// TestProfileUploadsHostile sends the profile form hostile pictures
// through the node's real listener: each is refused with a message next
// to the form and what the person typed kept, nothing is stored; then a
// camera JPEG with a GPS position is taken, and what the node serves is a
// 400x400 JPEG of its own encoding without the position, cached for ever,
// sandboxed, and named by the actor's icon.
func TestProfileUploadsHostile(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	wantRedirect(t, "log in", b.login("ada", n.adaPW, "/"), "/")
	token := b.csrf("/settings/profile")
	fields := map[string]string{"_csrf": token, "display_name": "Ada the Bold", "bio": "Kept when refused"}

	refused := []struct {
		name string
		file upload
		want string
	}{
		{"a PNG claiming 50000x50000", upload{"avatar", "bomb.png", "image/png", pngClaiming(50000, 50000)}, "50000x50000 pixels"},
		{"a text file named .png", upload{"avatar", "evil.png", "image/png", []byte("<script>alert(1)</script>\n")}, "not a PNG, JPEG or WebP image"},
		{"an HTML header named .jpg", upload{"header", "x.jpg", "image/jpeg", []byte("<html><body>hi</body></html>")}, "header image is not a PNG"},
	}
	for _, c := range refused {
		resp, body := b.postMultipart("/settings/profile", fields, c.file)
		wantStatus(t, c.name, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, c.want) {
			t.Errorf("%s: the form does not say %q: %s", c.name, c.want, body)
		}
		if !strings.Contains(body, "Kept when refused") || !strings.Contains(body, `value="Ada the Bold"`) {
			t.Errorf("%s: what was typed is lost", c.name)
		}
	}
	// A body over the server's limit is refused before it is read.
	var bigBody bytes.Buffer
	mw := multipart.NewWriter(&bigBody)
	mw.WriteField("_csrf", token)
	part, _ := mw.CreateFormFile("avatar", "big.jpg")
	part.Write(bytes.Repeat([]byte{0xff}, 2<<20))
	mw.Close()
	header := http.Header{"Content-Type": {mw.FormDataContentType()}, "Cookie": {"lernejo_session=" + b.cookie("lernejo_session")}}
	if status := rawPost(t, n.base, "/settings/profile", header, bigBody.Bytes(), bigBody.Len()); status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d, want 413", status)
	}
	var ada *domain.Person
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		ada, _ = tx.Person("ada")
		return nil
	})
	if ada.Avatar != "" || ada.Header != "" || ada.DisplayName == "Ada the Bold" {
		t.Fatalf("a refused form changed the profile: %+v", ada)
	}

	camera := withEXIF(testJPEG(t, 640, 480))
	if !bytes.Contains(camera, []byte(gpsMarker)) {
		t.Fatal("the test JPEG has no GPS position")
	}
	if _, _, err := image.Decode(bytes.NewReader(camera)); err != nil {
		t.Fatalf("the test JPEG does not decode: %v", err)
	}
	resp, body := b.postMultipart("/settings/profile", fields, upload{"avatar", "me.jpg", "image/jpeg", camera})
	wantRedirect(t, "camera JPEG: "+body, resp, "/settings/profile")

	_, page := b.get("/people/ada")
	src := imageURLRE.FindString(page)
	if src == "" || !strings.Contains(page, "Ada the Bold") || !strings.Contains(page, "Kept when refused") {
		t.Fatalf("the profile page shows no uploaded avatar: %s", page)
	}
	resp, data := b.get(src)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s: %d %s", src, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{"Cache-Control": "immutable", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q in it", h, resp.Header.Get(h), want)
		}
	}
	if strings.Contains(data, "Exif") || strings.Contains(data, "GPSLatitude") {
		t.Error("the served avatar still carries the EXIF segment")
	}
	cfg, format, err := image.DecodeConfig(strings.NewReader(data))
	if err != nil || format != "jpeg" || cfg.Width != 400 || cfg.Height != 400 {
		t.Errorf("served avatar: %s %dx%d, %v", format, cfg.Width, cfg.Height, err)
	}
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		img, err := tx.Image(strings.TrimSuffix(strings.TrimPrefix(src, "/images/"), ".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(img.Data, []byte("GPS")) || bytes.Contains(img.Data, []byte("Exif")) {
			t.Error("the stored avatar carries the EXIF segment")
		}
		return nil
	})
	// Another extension of the same hash names nothing.
	if resp, _ := b.get(strings.TrimSuffix(src, ".jpg") + ".png"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("wrong extension: %d", resp.StatusCode)
	}

	// The actor's icon is the uploaded picture, with its media type.
	req, _ := http.NewRequest("GET", n.base+"/people/ada", nil)
	req.Header.Set("Accept", "application/activity+json")
	aresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer aresp.Body.Close()
	var actor struct {
		Name string
		Icon struct{ Type, MediaType, URL string }
	}
	json.NewDecoder(aresp.Body).Decode(&actor)
	if actor.Icon.URL != n.base+src || actor.Icon.MediaType != "image/jpeg" || actor.Icon.Type != "Image" || actor.Name != "Ada the Bold" {
		t.Errorf("actor: %+v, want icon %s", actor, n.base+src)
	}

	// A transparent PNG header stays a PNG, 1500x500.
	rgba := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, rgba)
	resp, body = b.postMultipart("/settings/profile", fields, upload{"header", "h.png", "image/png", pngBuf.Bytes()})
	wantRedirect(t, "header PNG: "+body, resp, "/settings/profile")
	_, page = b.get("/people/ada")
	hm := regexp.MustCompile(`class="header-image" src="[^"]*(/images/[0-9a-f]{64}\.png)"`).FindStringSubmatch(page)
	if hm == nil {
		t.Fatalf("no header on the page: %s", page)
	}
	_, data = b.get(hm[1])
	if cfg, format, err := image.DecodeConfig(strings.NewReader(data)); err != nil || format != "png" || cfg.Width != 1500 || cfg.Height != 500 {
		t.Errorf("served header: %s %dx%d, %v", format, cfg.Width, cfg.Height, err)
	}
}
