package web_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// bombSize is what each compressed body inflates to: far beyond any cap, and
// far beyond what the test lets the process allocate while answering.
const bombSize = 256 << 20

// maxAllocPerBomb bounds what the whole process may allocate while one
// hostile request is answered (the "heap grows by less than 16 MiB").
// Counting every byte allocated, rather than sampling the live heap, catches
// an inflated body even if the GC frees it before the answer comes.
const maxAllocPerBomb = 16 << 20

var bombs struct {
	once                                             sync.Once
	gzip, gzipGzip, deflate, br, zstd, multipartGzip []byte
	multipartContentType                             string
}

func compress(w io.WriteCloser, n int) {
	zero := make([]byte, 1<<20)
	for i := 0; i < n; i += len(zero) {
		w.Write(zero)
	}
	w.Close()
}

// makeBombs builds each body once: 256 MiB of zeros in every encoding a
// client can name, gzip twice over, and a gzipped multipart form.
func makeBombs() {
	var b bytes.Buffer
	compress(gzip.NewWriter(&b), bombSize)
	bombs.gzip = append([]byte(nil), b.Bytes()...)

	b.Reset()
	gz := gzip.NewWriter(&b)
	gz.Write(bombs.gzip)
	gz.Close()
	bombs.gzipGzip = append([]byte(nil), b.Bytes()...)

	b.Reset()
	compress(zlib.NewWriter(&b), bombSize) // HTTP's "deflate" is zlib
	bombs.deflate = append([]byte(nil), b.Bytes()...)

	b.Reset()
	compress(brotli.NewWriterLevel(&b, brotli.BestSpeed), bombSize)
	bombs.br = append([]byte(nil), b.Bytes()...)

	b.Reset()
	zw, _ := zstd.NewWriter(&b, zstd.WithEncoderLevel(zstd.SpeedFastest))
	compress(zw, bombSize)
	bombs.zstd = append([]byte(nil), b.Bytes()...)

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("handle", "ada")
	fw, _ := mw.CreateFormField("password")
	fw.Write(make([]byte, 64<<20))
	mw.Close()
	b.Reset()
	gz = gzip.NewWriter(&b)
	gz.Write(form.Bytes())
	gz.Close()
	bombs.multipartGzip = append([]byte(nil), b.Bytes()...)
	bombs.multipartContentType = mw.FormDataContentType()
}

func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rawPost writes one request on a fresh connection and reads the status
// line. The connection has a deadline: an answer that needs the whole bomb
// inflated first (28 s before this was fixed) does not come in time.
func rawPost(t *testing.T, base, path string, header http.Header, body []byte, contentLength int) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n", path, strings.TrimPrefix(base, "http://"), contentLength)
	header.Write(w)
	w.WriteString("\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil && !isReset(err) {
		t.Fatalf("%s: write: %v", path, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: no answer: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// isReset is a write cut short because the server answered early and closed.
func isReset(err error) bool {
	return strings.Contains(err.Error(), "reset by peer") || strings.Contains(err.Error(), "broken pipe")
}

// TestCompressedBodyBombs (HOSTILE P1, P12): a small request body that
// inflates to 256 MiB, in each encoding Fiber or fasthttp would inflate
// (gzip, gzip twice, deflate, br) and one neither knows (zstd), and a
// gzipped multipart form (which fasthttp inflates while parsing the form,
// before any handler — the CSRF check reads the form), sent to every inbox
// and to the forms. Each is refused with 415 before anything is inflated:
// the process allocates less than 16 MiB while answering, and nothing
// reaches the journal. A lying Content-Length is refused as too large
// before the body is read.
func TestCompressedBodyBombs(t *testing.T) {
	bombs.once.Do(makeBombs)
	n, base := serveOnly(t)
	origin := http.Header{"Origin": {base}}

	type bomb struct {
		name, encoding, contentType string
		body                        []byte
	}
	activity := "application/activity+json"
	form := "application/x-www-form-urlencoded"
	list := []bomb{
		{"gzip", "gzip", activity, bombs.gzip},
		{"gzip twice", "gzip, gzip", activity, bombs.gzipGzip},
		{"deflate", "deflate", activity, bombs.deflate},
		{"br", "br", activity, bombs.br},
		{"zstd", "zstd", activity, bombs.zstd},
		{"upper-case GZIP", "GZIP", activity, bombs.gzip},
	}
	paths := []string{"/inbox", "/actor/inbox", "/courses/" + node.DemoCourse + "/inbox",
		"/people/" + node.DemoOrganiser + "/inbox", "/schools/" + node.DemoSchool + "/inbox", "/users/zoe/inbox"}
	type request struct {
		name, path string
		header     http.Header
		body       []byte
	}
	var reqs []request
	for _, p := range paths {
		for _, b := range list {
			reqs = append(reqs, request{b.name, p, http.Header{"Content-Type": {b.contentType}, "Content-Encoding": {b.encoding}}, b.body})
		}
	}
	for _, p := range []string{"/login", "/signup"} {
		for _, b := range list {
			h := origin.Clone()
			h.Set("Content-Type", form)
			h.Set("Content-Encoding", b.encoding)
			reqs = append(reqs, request{b.name + " form", p, h, b.body})
		}
		h := origin.Clone()
		h.Set("Content-Type", bombs.multipartContentType)
		h.Set("Content-Encoding", "gzip")
		reqs = append(reqs, request{"gzipped multipart form", p, h, bombs.multipartGzip})
		// Two Content-Encoding headers: the second must count too.
		h = origin.Clone()
		h.Set("Content-Type", bombs.multipartContentType)
		h["Content-Encoding"] = []string{"identity", "gzip"}
		reqs = append(reqs, request{"gzip in a second header", p, h, bombs.multipartGzip})
	}
	var most uint64
	for _, r := range reqs {
		before := allocatedBytes()
		status := rawPost(t, base, r.path, r.header, r.body, len(r.body))
		grew := allocatedBytes() - before
		most = max(most, grew)
		if status != http.StatusUnsupportedMediaType {
			t.Errorf("%s to %s: %d, want 415", r.name, r.path, status)
		}
		if grew > maxAllocPerBomb {
			t.Errorf("%s to %s: the process allocated %d MiB answering it", r.name, r.path, grew>>20)
		}
	}

	t.Logf("%d bombs refused; at most %d KiB allocated while answering one", len(reqs), most>>10)

	// Content-Length claims 1 GiB: refused before a byte of the body is read.
	for _, p := range []string{"/inbox", "/login"} {
		h := origin.Clone()
		h.Set("Content-Type", activity)
		before := allocatedBytes()
		status := rawPost(t, base, p, h, []byte(`{"type":"Create"}`), 1<<30)
		if grew := allocatedBytes() - before; grew > maxAllocPerBomb {
			t.Errorf("lying Content-Length to %s: the process allocated %d MiB", p, grew>>20)
		}
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("lying Content-Length to %s: %d, want 413", p, status)
		}
	}

	// "identity" is no encoding at all: such a body goes on to the checks
	// (here the signature check, as it is unsigned).
	status := rawPost(t, base, "/inbox", http.Header{"Content-Type": {activity}, "Content-Encoding": {"identity"}}, []byte(`{}`), 2)
	if status != http.StatusUnauthorized {
		t.Errorf("identity-encoded unsigned POST: %d, want 401", status)
	}

	var journalled []*domain.InboxItem
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		journalled, err = tx.InboxItems("", 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(journalled) != 0 {
		t.Errorf("%d activities journalled", len(journalled))
	}
}
