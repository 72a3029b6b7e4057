package httpsig

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gofed "github.com/go-fed/httpsig"
)

// ---------------------------------------------------------------------------------------------------
// Helpers shared by the tests, fuzz targets and benchmarks of httpsig.go (prefixed hs to stay clear of
// other files of the package).

const (
	hsHost  = "node.test"
	hsKeyID = "https://node.test/users/course#main-key"
)

// hsNow is the fake clock of the synthetic tests (the capture day of the fixtures).
var hsNow = time.Date(2026, 11, 28, 15, 20, 0, 0, time.UTC)

// hsTestKey is one RSA-2048 key for the whole test binary (key generation is slow under -race).
var hsTestKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func hsDigest(body []byte) string {
	s := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(s[:])
}

// hsOverWire serialises a client request and parses it back as a server would (http.ReadRequest), so
// the verifier sees what net/http hands a handler: Host moved to r.Host, URL from the request line.
func hsOverWire(t testing.TB, r *http.Request, body []byte) (*http.Request, []byte) {
	t.Helper()
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("write request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("read request: %v", err)
	}
	got, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return sr, got
}

// hsSignedPost signs a POST to https://<host><target> with Sign at time at, and returns it as the
// server receives it.
func hsSignedPost(t testing.TB, host, target string, body []byte, at time.Time) (*http.Request, []byte) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://"+host+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	if err := Sign(r, body, hsKeyID, hsTestKey(), at); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return hsOverWire(t, r, body)
}

// hsServerReq builds a server-side request to node.test with Date (and, unless GET/HEAD, Digest and
// Content-Type), unsigned.
func hsServerReq(method, target string, body []byte, date time.Time) *http.Request {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Host = hsHost
	r.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	if !sigBodyless(method) {
		r.Header.Set("Digest", hsDigest(body))
		r.Header.Set("Content-Type", "application/activity+json")
	}
	return r
}

// hsSpec describes a hand-made signature, for shapes Sign never produces.
type hsSpec struct {
	headers          []string // nil: omit the headers parameter (it then defaults to "date")
	alg              string   // "" omits the algorithm parameter
	created, expires *time.Time
	host             string      // host in the signing string; default node.test
	hash             crypto.Hash // RSA hash; default SHA-256
	noQuery          bool        // sign (request-target) without the query
}

// hsSign signs r per s with key (*rsa.PrivateKey or ed25519.PrivateKey), with a correct signature.
func hsSign(t testing.TB, r *http.Request, key crypto.Signer, s hsSpec) {
	t.Helper()
	hdrs := s.headers
	if hdrs == nil {
		hdrs = []string{"date"}
	}
	host := s.host
	if host == "" {
		host = hsHost
	}
	p := &Params{Headers: hdrs, Created: s.created, Expires: s.expires}
	ss, err := sigSigningString(r, p, host, !s.noQuery)
	if err != nil {
		t.Fatalf("signing string: %v", err)
	}
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		h := s.hash
		if h == 0 {
			h = crypto.SHA256
		}
		d := h.New()
		d.Write([]byte(ss))
		sig, err = rsa.SignPKCS1v15(nil, k, h, d.Sum(nil))
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(ss))
	default:
		t.Fatalf("unsupported key %T", key)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Signature", hsHeader(s.alg, s.created, s.expires, s.headers, sig))
}

func hsHeader(alg string, created, expires *time.Time, headers []string, sig []byte) string {
	parts := []string{`keyId="` + hsKeyID + `"`}
	if alg != "" {
		parts = append(parts, `algorithm="`+alg+`"`)
	}
	if created != nil {
		parts = append(parts, "created="+strconv.FormatInt(created.Unix(), 10))
	}
	if expires != nil {
		parts = append(parts, "expires="+strconv.FormatInt(expires.Unix(), 10))
	}
	if headers != nil {
		parts = append(parts, `headers="`+strings.Join(headers, " ")+`"`)
	}
	parts = append(parts, `signature="`+base64.StdEncoding.EncodeToString(sig)+`"`)
	return strings.Join(parts, ",")
}

// hsFormat re-serialises parsed params in canonical form (used by the parser round-trip checks).
func hsFormat(p *Params) string {
	parts := []string{`keyId="` + p.KeyID + `"`}
	if p.Algorithm != "" {
		parts = append(parts, `algorithm="`+p.Algorithm+`"`)
	}
	if p.Created != nil {
		parts = append(parts, "created="+strconv.FormatInt(p.Created.Unix(), 10))
	}
	if p.Expires != nil {
		parts = append(parts, "expires="+strconv.FormatInt(p.Expires.Unix(), 10))
	}
	parts = append(parts, `headers="`+strings.Join(p.Headers, " ")+`"`)
	parts = append(parts, `signature="`+base64.StdEncoding.EncodeToString(p.Signature)+`"`)
	return strings.Join(parts, ",")
}

func hsTimePtr(t time.Time) *time.Time { return &t }

// hsCheckAndVerify runs the full inbound pipeline with the test key.
func hsCheckAndVerify(r *http.Request, body []byte, pub crypto.PublicKey, opt VerifyOptions) error {
	p, err := Check(r, body, opt)
	if err != nil {
		return err
	}
	return Verify(r, p, pub, opt)
}

// hsWantErr fails unless err matches ErrBadSignature and mentions want.
func hsWantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error mentioning %q", want)
	}
	if !errors.Is(err, ErrBadSignature) {
		t.Fatalf("error %q does not match ErrBadSignature", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not mention %q", err, want)
	}
}

// ---------------------------------------------------------------------------------------------------
// Real captured fixtures (testdata/fixtures/README.md, "How to verify a captured signature")

type hsFixture struct {
	Request struct {
		Method     string            `json:"method"`
		Path       string            `json:"path"`
		Query      string            `json:"query"`
		Host       string            `json:"host"`
		Headers    map[string]string `json:"headers"`
		BodyBase64 string            `json:"body_base64"`
	} `json:"request"`
	Verification struct {
		SigningString  string `json:"signing_string"`
		SignatureValid bool   `json:"signature_valid"`
		VerifyAt       string `json:"verify_at"`
	} `json:"verification"`
}

func hsLoadFixture(t testing.TB, path string) hsFixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fx hsFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fx
}

// hsFixtureRequest rebuilds the request as a server receives it: method, path and raw query exactly as
// captured, Host = request.host, every captured header, the raw body bytes.
func hsFixtureRequest(t testing.TB, fx hsFixture) (*http.Request, []byte) {
	t.Helper()
	body, err := base64.StdEncoding.DecodeString(fx.Request.BodyBase64)
	if err != nil {
		t.Fatal(err)
	}
	target := fx.Request.Path
	if fx.Request.Query != "" {
		target += "?" + fx.Request.Query
	}
	r := httptest.NewRequest(fx.Request.Method, target, bytes.NewReader(body))
	r.Host = fx.Request.Host
	for k, v := range fx.Request.Headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			continue // net/http moves Host to r.Host
		}
		r.Header.Set(k, v)
	}
	return r, body
}

// hsFixtureKeys maps keyId → public key, from the actor documents the fixture README names.
func hsFixtureKeys(t testing.TB) map[string]crypto.PublicKey {
	t.Helper()
	keys := map[string]crypto.PublicKey{}
	for _, f := range []string{"gotosocial/actor-alice.json", "gotosocial/actor-instance.json", "snac/actor-alice.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", f))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			PublicKeyID  string `json:"publicKeyId"`
			PublicKeyPem string `json:"publicKeyPem"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		pub, err := ParsePublicKeyPEM(doc.PublicKeyPem)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		keys[doc.PublicKeyID] = pub
	}
	return keys
}

func TestFixturesVerify(t *testing.T) {
	keys := hsFixtureKeys(t)
	var files []string
	for _, dir := range []string{"gotosocial", "snac"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "testdata", "fixtures", dir, "inbound-*.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 40 {
		t.Fatalf("found only %d inbound fixtures", len(files))
	}
	verified, unsigned := 0, 0
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			fx := hsLoadFixture(t, f)
			r, body := hsFixtureRequest(t, fx)
			if _, ok := fx.Request.Headers["Signature"]; !ok {
				// snac's WebFinger lookup is the only unsigned request of the capture (fixture README:
				// "The only unsigned request is snac's WebFinger GET"); it must be reported as unsigned.
				if name != "snac/inbound-get-webfinger-unsigned.json" {
					t.Fatalf("unexpected unsigned fixture")
				}
				if _, err := Check(r, body, VerifyOptions{Host: hsHost, Now: hsNow}); !errors.Is(err, ErrNoSignature) {
					t.Fatalf("unsigned fixture: got %v, want ErrNoSignature", err)
				}
				unsigned++
				return
			}
			now, err := http.ParseTime(fx.Request.Headers["Date"])
			if err != nil {
				t.Fatal(err)
			}
			opt := VerifyOptions{Host: hsHost, Now: now}
			p, err := Check(r, body, opt)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			ss, err := sigSigningString(r, p, hsHost, true)
			if err != nil || ss != fx.Verification.SigningString {
				t.Fatalf("signing string %q (%v), want %q", ss, err, fx.Verification.SigningString)
			}
			pub, ok := keys[p.KeyID]
			if !ok {
				t.Fatalf("no key for keyId %q", p.KeyID)
			}
			if err := Verify(r, p, pub, opt); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			verified++

			if sigBodyless(r.Method) {
				if p != nil && containsStr(p.Headers, "digest") {
					// snac signs a Digest of the empty body even on GETs: a body appears → refused.
					_, err := Check(r, []byte("x"), opt)
					hsWantErr(t, err, "digest does not match body")
				}
			} else {
				flipped := bytes.Clone(body)
				flipped[len(flipped)/2] ^= 0x01
				_, err := Check(r, flipped, opt)
				hsWantErr(t, err, "digest does not match body")
			}

			late := opt
			late.Now = now.Add(13 * time.Hour)
			_, err = Check(r, body, late)
			hsWantErr(t, err, "expired")

			other := opt
			other.Host = "other.test"
			hsWantErr(t, Verify(r, p, pub, other), "does not verify")

			// The key of another actor must not verify it.
			for id, k := range keys {
				if id != p.KeyID {
					hsWantErr(t, Verify(r, p, k, opt), "does not verify")
				}
			}
		})
	}
	if unsigned != 1 || verified != len(files)-1 {
		t.Fatalf("verified %d, unsigned %d, of %d fixtures", verified, unsigned, len(files))
	}
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------------------
// Round trips

func TestSignRequestRoundTrip(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}

	t.Run("POST", func(t *testing.T) {
		r, err := http.NewRequest(http.MethodPost, "https://node.test/users/course/inbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/activity+json")
		if err := Sign(r, body, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		sig := r.Header.Get("Signature")
		for _, want := range []string{
			`keyId="` + hsKeyID + `"`, `algorithm="rsa-sha256"`,
			`headers="(request-target) host date digest content-type"`,
		} {
			if !strings.Contains(sig, want) {
				t.Errorf("Signature %q lacks %s", sig, want)
			}
		}
		if got := r.Header.Get("Digest"); got != hsDigest(body) {
			t.Errorf("Digest %q, want %q", got, hsDigest(body))
		}
		if got := r.Header.Get("Date"); got != "Sat, 28 Nov 2026 15:20:00 GMT" {
			t.Errorf("Date %q", got)
		}
		// go-fed's own verifier accepts what we signed (it reads the explicit Host header).
		v, err := gofed.NewVerifier(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(&key.PublicKey, gofed.RSA_SHA256); err != nil {
			t.Fatalf("go-fed Verify: %v", err)
		}
		sr, got := hsOverWire(t, r, body)
		if err := hsCheckAndVerify(sr, got, &key.PublicKey, opt); err != nil {
			t.Fatalf("verify: %v", err)
		}
		// Signing again (a retry) replaces Digest and Signature instead of failing or duplicating.
		if err := Sign(r, body, hsKeyID, key, hsNow.Add(time.Minute)); err != nil {
			t.Fatalf("re-sign: %v", err)
		}
		if n := len(r.Header.Values("Signature")); n != 1 {
			t.Fatalf("%d Signature headers after re-signing", n)
		}
	})

	t.Run("GET", func(t *testing.T) {
		r, err := http.NewRequest(http.MethodGet, "https://node.test/users/course/outbox?page=true", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign(r, nil, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		if sig := r.Header.Get("Signature"); !strings.Contains(sig, `headers="(request-target) host date"`) {
			t.Errorf("Signature %q: want (request-target) host date", sig)
		}
		if r.Header.Get("Digest") != "" {
			t.Errorf("GET got a Digest")
		}
		v, err := gofed.NewVerifier(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(&key.PublicKey, gofed.RSA_SHA256); err != nil {
			t.Fatalf("go-fed Verify: %v", err)
		}
		sr, got := hsOverWire(t, r, nil)
		if err := hsCheckAndVerify(sr, got, &key.PublicKey, opt); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})

	t.Run("refuses bad inputs", func(t *testing.T) {
		small, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest(http.MethodGet, "https://node.test/", nil)
		if err := Sign(r, nil, hsKeyID, small, hsNow); err == nil {
			t.Error("1024-bit key accepted")
		}
		if err := Sign(r, nil, `https://x.test/"k`, key, hsNow); err == nil {
			t.Error(`keyId with '"' accepted`)
		}
		if err := Sign(r, nil, "", key, hsNow); err == nil {
			t.Error("empty keyId accepted")
		}
		if err := Sign(r, nil, hsKeyID, nil, hsNow); err == nil {
			t.Error("nil key accepted")
		}
	})
}

// ---------------------------------------------------------------------------------------------------
// HOSTILE.md section 1

func TestS1Unsigned(t *testing.T) {
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{}`)
	r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
	if _, err := Check(r, body, opt); !errors.Is(err, ErrNoSignature) || errors.Is(err, ErrBadSignature) {
		t.Fatalf("unsigned: got %v, want ErrNoSignature only", err)
	}
	for name, v := range map[string]string{
		"garbage":        "garbage",
		"empty":          "",
		"only spaces":    "   ",
		"keyId only":     `keyId="https://a.test/k"`,
		"bad base64":     `keyId="k",headers="(request-target) host date digest",signature="@@@"`,
		"junk after":     `keyId="k",signature="AAAA" junk`,
		"unterminated":   `keyId="k,signature="AAAA"`,
		"trailing comma": `keyId="k",signature="AAAA",`,
	} {
		t.Run(name, func(t *testing.T) {
			r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
			r.Header.Set("Signature", v)
			_, err := Check(r, body, opt)
			if !errors.Is(err, ErrBadSignature) || errors.Is(err, ErrNoSignature) {
				t.Fatalf("got %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestS2ReducedHeaderSets(t *testing.T) {
	key := hsTestKey()
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{"type":"Delete"}`)
	cases := []struct {
		name, method string
		headers      []string
	}{
		{"POST only date", http.MethodPost, []string{"date"}},
		{"POST no headers param (go-fed default date)", http.MethodPost, nil},
		{"POST no digest", http.MethodPost, []string{"(request-target)", "host", "date"}},
		{"POST no (request-target)", http.MethodPost, []string{"host", "date", "digest"}},
		{"POST no host", http.MethodPost, []string{"(request-target)", "date", "digest"}},
		{"POST no date nor (created)", http.MethodPost, []string{"(request-target)", "host", "digest"}},
		{"GET only date", http.MethodGet, []string{"date"}},
		{"GET no host", http.MethodGet, []string{"(request-target)", "date"}},
		{"GET no (request-target)", http.MethodGet, []string{"host", "date"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := body
			if c.method == http.MethodGet {
				b = nil
			}
			r := hsServerReq(c.method, "/inbox", b, hsNow)
			hsSign(t, r, key, hsSpec{headers: c.headers, alg: "rsa-sha256"})
			// The signature itself is correct...
			p, err := Parse(r.Header)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(r, p, &key.PublicKey, opt); err != nil {
				t.Fatalf("signature should be cryptographically valid: %v", err)
			}
			// ...but covers too little.
			_, err = Check(r, b, opt)
			hsWantErr(t, err, "is not signed")
		})
	}
	t.Run("full set accepted", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		hsSign(t, r, key, hsSpec{headers: []string{"(request-target)", "host", "date", "digest"}, alg: "rsa-sha256"})
		if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
			t.Fatal(err)
		}
	})
}

func TestS3BodySwapped(t *testing.T) {
	key := hsTestKey()
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{"type":"Create","object":{"content":"hello"}}`)
	r, got := hsSignedPost(t, hsHost, "/inbox", body, hsNow)
	if err := hsCheckAndVerify(r, got, &key.PublicKey, opt); err != nil {
		t.Fatalf("original: %v", err)
	}
	swapped := []byte(`{"type":"Delete","object":"https://node.test/users/course"}`)
	p, err := Parse(r.Header)
	if err != nil {
		t.Fatal(err)
	}
	// The signature still verifies (it covers the Digest header, not the body)...
	if err := Verify(r, p, &key.PublicKey, opt); err != nil {
		t.Fatal(err)
	}
	// ...only the Digest check catches the swap.
	_, err = Check(r, swapped, opt)
	hsWantErr(t, err, "digest does not match body")
	_, err = Check(r, nil, opt)
	hsWantErr(t, err, "digest does not match body")
}

func TestS4DigestVariants(t *testing.T) {
	key := hsTestKey()
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{"type":"Like"}`)
	sum := sha256.Sum256(body)
	good := base64.StdEncoding.EncodeToString(sum[:])
	s512 := sha512.Sum512(body)
	good512 := base64.StdEncoding.EncodeToString(s512[:])
	other := sha256.Sum256([]byte("other"))
	cases := []struct {
		name, digest string
		deleteAfter  bool
		want         string // "" = accepted
	}{
		{"SHA-256 ok", "SHA-256=" + good, false, ""},
		{"SHA-512 only", "SHA-512=" + good512, false, "no SHA-256 entry"},
		{"lower-case sha-256 accepted", "sha-256=" + good, false, ""},
		{"SHA-512 then SHA-256 accepted", "SHA-512=" + good512 + ",SHA-256=" + good, false, ""},
		{"SHA-256 then SHA-512 with spaces accepted", "SHA-256=" + good + ", SHA-512=" + good512, false, ""},
		{"non-base64", "SHA-256=not*base64!", false, "not base64"},
		{"31-byte digest", "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:31]), false, "is 31 bytes"},
		{"digest of another body", "SHA-256=" + base64.StdEncoding.EncodeToString(other[:]), false, "digest does not match body"},
		{"second SHA-256 entry wrong", "SHA-256=" + good + ",SHA-256=" + base64.StdEncoding.EncodeToString(other[:]), false, "digest does not match body"},
		{"empty value", "SHA-256=", false, "is 0 bytes"},
		{"no algorithm", good, false, "no SHA-256 entry"},
		{"digest signed but header missing", "SHA-256=" + good, true, "Digest header is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
			r.Header.Set("Digest", c.digest)
			hsSign(t, r, key, hsSpec{headers: []string{"(request-target)", "host", "date", "digest"}, alg: "rsa-sha256"})
			if c.deleteAfter {
				r.Header.Del("Digest")
			}
			_, err := Check(r, body, opt)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			hsWantErr(t, err, c.want)
		})
	}
}

func TestS5TimeWindow(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Announce"}`)
	h := []string{"(request-target)", "host", "date", "digest"}
	cases := []struct {
		name   string
		signAt time.Time // Date header
		spec   hsSpec
		want   string // "" = accepted
	}{
		{"Date 13h old", hsNow.Add(-13 * time.Hour), hsSpec{headers: h}, "expired"},
		{"Date 2h in the future", hsNow.Add(2 * time.Hour), hsSpec{headers: h}, "in the future"},
		{"Date 30min old ok", hsNow.Add(-30 * time.Minute), hsSpec{headers: h}, ""},
		{"Date 59min in the future ok", hsNow.Add(59 * time.Minute), hsSpec{headers: h}, ""},
		{"Date 1h04 old ok (5min + 1h margin)", hsNow.Add(-64 * time.Minute), hsSpec{headers: h}, ""},
		{"Date 1h06 old refused", hsNow.Add(-66 * time.Minute), hsSpec{headers: h}, "expired"},
		{"(expires) in the past", hsNow, hsSpec{
			headers: []string{"(request-target)", "host", "(created)", "(expires)", "digest"}, alg: "hs2019",
			created: hsTimePtr(hsNow.Add(-3 * time.Hour)), expires: hsTimePtr(hsNow.Add(-2 * time.Hour)),
		}, "expired"},
		{"(created)+(expires) within window", hsNow, hsSpec{
			headers: []string{"(request-target)", "host", "(created)", "(expires)", "digest"}, alg: "hs2019",
			created: hsTimePtr(hsNow.Add(-3 * time.Hour)), expires: hsTimePtr(hsNow.Add(time.Hour)),
		}, ""},
		{"(expires) beyond created+12h is capped", hsNow, hsSpec{
			headers: []string{"(request-target)", "host", "(created)", "(expires)", "digest"}, alg: "hs2019",
			created: hsTimePtr(hsNow.Add(-14 * time.Hour)), expires: hsTimePtr(hsNow.Add(24 * time.Hour)),
		}, "expired"},
		{"(created) 2h in the future", hsNow, hsSpec{
			headers: []string{"(request-target)", "host", "(created)", "digest"}, alg: "hs2019",
			created: hsTimePtr(hsNow.Add(2 * time.Hour)),
		}, "in the future"},
		{"(created) with rsa-sha256 refused", hsNow, hsSpec{
			headers: []string{"(request-target)", "host", "(created)", "digest"}, alg: "rsa-sha256",
			created: hsTimePtr(hsNow),
		}, "may not be signed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := hsServerReq(http.MethodPost, "/inbox", body, c.signAt)
			hsSign(t, r, key, c.spec)
			opt := VerifyOptions{Host: hsHost, Now: hsNow}
			err := hsCheckAndVerify(r, body, &key.PublicKey, opt)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			hsWantErr(t, err, c.want)
		})
	}
	t.Run("unsigned created param cannot refresh a stale request", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow.Add(-13*time.Hour))
		hsSign(t, r, key, hsSpec{headers: h, alg: "hs2019"})
		r.Header.Set("Signature", r.Header.Get("Signature")+",created="+strconv.FormatInt(hsNow.Unix(), 10))
		_, err := Check(r, body, VerifyOptions{Host: hsHost, Now: hsNow})
		hsWantErr(t, err, "expired")
	})
	t.Run("Date signed but unparsable", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		r.Header.Set("Date", "yesterday")
		hsSign(t, r, key, hsSpec{headers: h})
		_, err := Check(r, body, VerifyOptions{Host: hsHost, Now: hsNow})
		hsWantErr(t, err, "invalid Date header")
	})
}

func TestS6HostAndQuery(t *testing.T) {
	key := hsTestKey()
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{"type":"Create"}`)

	t.Run("signed for other.test refused", func(t *testing.T) {
		r, got := hsSignedPost(t, "other.test", "/inbox", body, hsNow)
		r.Header.Set("X-Forwarded-Host", hsHost) // a proxy header must not help either
		hsWantErr(t, hsCheckAndVerify(r, got, &key.PublicKey, opt), "does not verify")
		// Sanity: the same request is fine for other.test itself.
		if err := hsCheckAndVerify(r, got, &key.PublicKey, VerifyOptions{Host: "other.test", Now: hsNow}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("request Host spoofed to ours", func(t *testing.T) {
		r, got := hsSignedPost(t, "other.test", "/inbox", body, hsNow)
		r.Host = hsHost
		hsWantErr(t, hsCheckAndVerify(r, got, &key.PublicKey, opt), "does not verify")
	})
	t.Run("no canonical host configured", func(t *testing.T) {
		r, got := hsSignedPost(t, hsHost, "/inbox", body, hsNow)
		hsWantErr(t, hsCheckAndVerify(r, got, &key.PublicKey, VerifyOptions{Now: hsNow}), "no canonical host")
	})
	t.Run("signed with query verifies", func(t *testing.T) {
		r, got := hsSignedPost(t, hsHost, "/inbox?page=2&x=a%2Cb", body, hsNow)
		if err := hsCheckAndVerify(r, got, &key.PublicKey, opt); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("signed without query verifies with query (double try)", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox?utm=1", body, hsNow)
		hsSign(t, r, key, hsSpec{headers: []string{"(request-target)", "host", "date", "digest"}, noQuery: true})
		if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("signed for another query refused", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox?a=1", body, hsNow)
		hsSign(t, r, key, hsSpec{headers: []string{"(request-target)", "host", "date", "digest"}})
		r.URL.RawQuery = "a=2"
		hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), "does not verify")
	})
	t.Run("signed for another inbox refused", func(t *testing.T) {
		r, got := hsSignedPost(t, hsHost, "/users/other/inbox", body, hsNow)
		r.URL.Path, r.URL.RawPath = "/inbox", ""
		hsWantErr(t, hsCheckAndVerify(r, got, &key.PublicKey, opt), "does not verify")
	})
}

func TestS9AlgorithmConfusion(t *testing.T) {
	key := hsTestKey()
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{"type":"Follow"}`)
	full := []string{"(request-target)", "host", "date", "digest"}

	for _, label := range []string{"hmac-sha256", "rsa-sha1", "ecdsa-sha256", "rsa-sha512", "foo"} {
		t.Run("RSA key, label "+label+" refused", func(t *testing.T) {
			r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
			hsSign(t, r, key, hsSpec{headers: full, alg: label})
			hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), "refused")
		})
	}
	for _, label := range []string{"", "hs2019", "rsa-sha256", "RSA-SHA256", "HS2019"} {
		t.Run("RSA key, label "+strconv.Quote(label)+" accepted", func(t *testing.T) {
			r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
			hsSign(t, r, key, hsSpec{headers: full, alg: label})
			if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("RSA SHA-512 accepted for hs2019 only", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		hsSign(t, r, key, hsSpec{headers: full, alg: "hs2019", hash: crypto.SHA512})
		if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
			t.Fatal(err)
		}
		hsSign(t, r, key, hsSpec{headers: full, alg: "rsa-sha256", hash: crypto.SHA512})
		hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), "does not verify")
	})
	t.Run("HMAC with the public PEM as []byte key refused", func(t *testing.T) {
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		ss, err := sigSigningString(r, &Params{Headers: full}, hsHost, true)
		if err != nil {
			t.Fatal(err)
		}
		m := hmac.New(sha256.New, pemKey)
		m.Write([]byte(ss))
		r.Header.Set("Signature", hsHeader("hmac-sha256", nil, nil, full, m.Sum(nil)))
		p, err := Check(r, body, opt)
		if err != nil {
			t.Fatal(err)
		}
		// go-fed itself would accept this: it picks the MAC check from the []byte key.
		if v, err := gofed.NewVerifier(hsWithHostHeader(r)); err != nil {
			t.Fatal(err)
		} else if err := v.Verify(pemKey, gofed.HMAC_SHA256); err != nil {
			t.Fatalf("expected go-fed to accept the HMAC (documents the trap): %v", err)
		}
		hsWantErr(t, Verify(r, p, pemKey, opt), "symmetric")
		hsWantErr(t, Verify(r, p, &key.PublicKey, opt), "refused")
	})
	t.Run("unsupported key types refused", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		hsSign(t, r, key, hsSpec{headers: full, alg: "hs2019"})
		p, err := Check(r, body, opt)
		if err != nil {
			t.Fatal(err)
		}
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string]crypto.PublicKey{
			"ecdsa": &ec.PublicKey, "rsa value": key.PublicKey, "nil": nil, "nil rsa": (*rsa.PublicKey)(nil),
		} {
			if err := Verify(r, p, k, opt); !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s key: got %v", name, err)
			}
		}
	})

	epub, epriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"hs2019", "ed25519", ""} {
		t.Run("ed25519 key and signature, label "+strconv.Quote(label), func(t *testing.T) {
			r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
			hsSign(t, r, epriv, hsSpec{headers: full, alg: label})
			if err := hsCheckAndVerify(r, body, epub, opt); err != nil {
				t.Fatal(err)
			}
			// The RSA key of someone else does not verify it ("ed25519" is also refused as a label for RSA).
			hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), "")
		})
	}
	t.Run("ed25519 key, label rsa-sha256 refused", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		hsSign(t, r, epriv, hsSpec{headers: full, alg: "rsa-sha256"})
		hsWantErr(t, hsCheckAndVerify(r, body, epub, opt), "refused")
	})
	t.Run("RSA signature under an ed25519 key fails", func(t *testing.T) {
		r := hsServerReq(http.MethodPost, "/inbox", body, hsNow)
		hsSign(t, r, key, hsSpec{headers: full, alg: "hs2019"})
		hsWantErr(t, hsCheckAndVerify(r, body, epub, opt), "does not verify")
	})
}

// hsWithHostHeader returns a copy of a server-side request with the Host header go-fed wants.
func hsWithHostHeader(r *http.Request) *http.Request {
	c := r.Clone(r.Context())
	c.Header.Set("Host", r.Host)
	return c
}

func TestS10ParseSignature(t *testing.T) {
	sig := base64.StdEncoding.EncodeToString([]byte("signature-bytes"))
	tail := `,headers="(request-target) host date digest",signature="` + sig + `"`
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(`keyId="k"` + tail)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, ",x%d=1", i)
		}
		return b.String()
	}
	created := time.Unix(1764343200, 0).UTC()
	cases := []struct {
		name   string
		header http.Header
		want   *Params // nil: error wanted
		errMsg string
	}{
		{"commas and = inside quoted keyId", http.Header{"Signature": {`keyId="https://a.test/key?x=1,y=2,headers=date",algorithm="rsa-sha256"` + tail}},
			&Params{KeyID: "https://a.test/key?x=1,y=2,headers=date", Algorithm: "rsa-sha256",
				Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes")}, ""},
		{"spaces around commas, token values, unknown param ignored",
			http.Header{"Signature": {`keyId="k" , algorithm=hs2019 ,	foo="bar"` + tail}},
			&Params{KeyID: "k", Algorithm: "hs2019", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes")}, ""},
		{"param names case-insensitive, header names lower-cased",
			http.Header{"Signature": {`KEYID="k",Headers="(Request-Target) Host Date",Signature="` + sig + `"`}},
			&Params{KeyID: "k", Headers: []string{"(request-target)", "host", "date"}, Signature: []byte("signature-bytes")}, ""},
		{"created and expires", http.Header{"Signature": {`keyId="k",created=1764343200,expires="1764343500"` + tail}},
			&Params{KeyID: "k", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes"),
				Created: &created, Expires: hsTimePtr(created.Add(5 * time.Minute))}, ""},
		{"missing headers defaults to date", http.Header{"Signature": {`keyId="k",signature="` + sig + `"`}},
			&Params{KeyID: "k", Headers: []string{"date"}, Signature: []byte("signature-bytes")}, ""},
		{"Signature prefix in Signature header (Mastodon buggy_prefix)", http.Header{"Signature": {`Signature keyId="k"` + tail}},
			&Params{KeyID: "k", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes")}, ""},
		{"Authorization: Signature", http.Header{"Authorization": {`Signature keyId="k"` + tail}},
			&Params{KeyID: "k", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes")}, ""},
		{"authorization: signature, lower-case scheme", http.Header{"Authorization": {`signature keyId="k"` + tail}},
			&Params{KeyID: "k", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes")}, ""},
		{"20 params accepted", http.Header{"Signature": {many(17)}},
			&Params{KeyID: "k", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("signature-bytes")}, ""},

		{"duplicate keyId", http.Header{"Signature": {`keyId="a",keyId="b"` + tail}}, nil, "duplicate parameter"},
		{"duplicate keyId, other case", http.Header{"Signature": {`keyId="a",KeyId="a"` + tail}}, nil, "duplicate parameter"},
		{"duplicate signature", http.Header{"Signature": {`keyId="a"` + tail + `,signature="` + sig + `"`}}, nil, "duplicate parameter"},
		{"21 params refused", http.Header{"Signature": {many(18)}}, nil, "more than 20"},
		{"10k params refused", http.Header{"Signature": {many(10000)}}, nil, "longer than"},
		{"header longer than 8 KiB", http.Header{"Signature": {`keyId="` + strings.Repeat("a", 9000) + `"` + tail}}, nil, "longer than"},
		{"missing keyId", http.Header{"Signature": {tail[1:]}}, nil, "missing keyId"},
		{"empty keyId", http.Header{"Signature": {`keyId=""` + tail}}, nil, "empty keyId"},
		{"missing signature", http.Header{"Signature": {`keyId="k",headers="date"`}}, nil, "missing signature"},
		{"signature not base64", http.Header{"Signature": {`keyId="k",signature="a b"`}}, nil, "not base64"},
		{"unterminated quote", http.Header{"Signature": {`keyId="k,signature=AAAA`}}, nil, "unterminated"},
		{"junk after value", http.Header{"Signature": {`keyId="k" junk` + tail}}, nil, "expected ','"},
		{"junk between params", http.Header{"Signature": {`keyId="k",,` + tail[1:]}}, nil, "expected a parameter name"},
		{"trailing comma", http.Header{"Signature": {`keyId="k"` + tail + `,`}}, nil, "trailing ','"},
		{"space before =", http.Header{"Signature": {`keyId ="k"` + tail}}, nil, "expected '='"},
		{"empty value", http.Header{"Signature": {`keyId=,` + tail[1:]}}, nil, "has no value"},
		{"backslash in quoted value", http.Header{"Signature": {`keyId="a\"b"` + tail}}, nil, "not allowed"},
		{"non-ASCII in quoted value", http.Header{"Signature": {"keyId=\"k\xc3\xa9\"" + tail}}, nil, "not allowed"},
		{"empty headers", http.Header{"Signature": {`keyId="k",headers="",signature="` + sig + `"`}}, nil, "empty headers"},
		{"header listed twice", http.Header{"Signature": {`keyId="k",headers="date host date",signature="` + sig + `"`}}, nil, "listed twice"},
		{"bad pseudo-header", http.Header{"Signature": {`keyId="k",headers="(foo) date",signature="` + sig + `"`}}, nil, "invalid name"},
		{"created not a number", http.Header{"Signature": {`keyId="k",created="soon"` + tail}}, nil, "not a Unix time"},
		{"created negative", http.Header{"Signature": {`keyId="k",created=-1` + tail}}, nil, "not a Unix time"},
		{"created fractional", http.Header{"Signature": {`keyId="k",created=1.5` + tail}}, nil, "not a Unix time"},
		{"created out of range", http.Header{"Signature": {`keyId="k",created=999999999999` + tail}}, nil, "out of range"},
		{"two Signature headers", http.Header{"Signature": {`keyId="k"` + tail, `keyId="k"` + tail}}, nil, "exactly one"},
		{"Signature and Authorization: Signature", http.Header{"Signature": {`keyId="k"` + tail}, "Authorization": {`Signature keyId="k"` + tail}}, nil, "exactly one"},
		{"Authorization: Signature without params", http.Header{"Authorization": {`Signature`}}, nil, "no parameters"},
		{"empty header", http.Header{"Signature": {""}}, nil, "empty signature header"},
		{"S15 cavage Signature with Signature-Input", http.Header{"Signature-Input": {`sig1=("@method" "@target-uri");created=1;keyid="k"`}, "Signature": {`keyId="k"` + tail}}, nil, "not an RFC 9421 dictionary"},
		{"S15 Signature-Input alone", http.Header{"Signature-Input": {`sig1=();keyid="k"`}}, nil, "without a Signature header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.header)
			if c.want == nil {
				hsWantErr(t, err, c.errMsg)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !reflect.DeepEqual(p, c.want) {
				t.Fatalf("got %+v\nwant %+v", p, c.want)
			}
			// Re-serialising and re-parsing gives the same params.
			p2, err := Parse(http.Header{"Signature": {hsFormat(p)}})
			if err != nil || !reflect.DeepEqual(p, p2) {
				t.Fatalf("round trip: %+v, %v", p2, err)
			}
		})
	}
	t.Run("no signature at all", func(t *testing.T) {
		for _, h := range []http.Header{{}, {"Authorization": {"Bearer abc"}}, {"Authorization": {"SignatureX keyId=\"k\""}}} {
			if _, err := Parse(h); !errors.Is(err, ErrNoSignature) {
				t.Errorf("%v: got %v, want ErrNoSignature", h, err)
			}
		}
	})
}

func TestS16EscapedPath(t *testing.T) {
	key := hsTestKey()
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	body := []byte(`{"type":"Follow"}`)
	const target = "/users/a%40b/inbox"

	r, got := hsSignedPost(t, hsHost, target, body, hsNow)
	if r.URL.Path != "/users/a@b/inbox" {
		t.Fatalf("server decoded path %q", r.URL.Path)
	}
	p, err := Check(r, got, opt)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := sigSigningString(r, p, hsHost, true)
	if err != nil || !strings.HasPrefix(ss, "(request-target): post "+target+"\n") {
		t.Fatalf("signing string %q, %v", ss, err)
	}
	if err := Verify(r, p, &key.PublicKey, opt); err != nil {
		t.Fatalf("escaped path: %v", err)
	}

	t.Run("signature over the decoded path (plain go-fed) refused", func(t *testing.T) {
		c, err := http.NewRequest(http.MethodPost, "https://node.test"+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Header.Set("Host", hsHost)
		c.Header.Set("Date", hsNow.Format(http.TimeFormat))
		s, _, err := gofed.NewSigner([]gofed.Algorithm{gofed.RSA_SHA256}, gofed.DigestSha256,
			[]string{"(request-target)", "host", "date", "digest"}, gofed.Signature, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SignRequest(key, hsKeyID, c, body); err != nil {
			t.Fatal(err)
		}
		sr, sb := hsOverWire(t, c, body)
		hsWantErr(t, hsCheckAndVerify(sr, sb, &key.PublicKey, opt), "does not verify")
	})
}

// ---------------------------------------------------------------------------------------------------
// Keys

func TestParsePublicKeyPEM(t *testing.T) {
	key := hsTestKey()
	enc := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pkix, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	epub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKIXPublicKey(epub)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, err := x509.MarshalPKIXPublicKey(&small.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	ok := []struct {
		name, pem string
		want      crypto.PublicKey
	}{
		{"PKIX RSA", enc("PUBLIC KEY", pkix), &key.PublicKey},
		{"PKIX RSA with surrounding whitespace", "\n  " + enc("PUBLIC KEY", pkix) + "\n\n", &key.PublicKey},
		{"PKCS#1 RSA", enc("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey)), &key.PublicKey},
		{"PKIX Ed25519", enc("PUBLIC KEY", edDER), epub},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParsePublicKeyPEM(c.pem)
			if err != nil {
				t.Fatal(err)
			}
			if eq, _ := got.(interface{ Equal(crypto.PublicKey) bool }); eq == nil || !eq.Equal(c.want) {
				t.Fatalf("got %T, want %T", got, c.want)
			}
		})
	}
	bad := []struct{ name, pem, want string }{
		{"RSA 1024 refused", enc("PUBLIC KEY", smallDER), "outside"},
		{"ECDSA refused", enc("PUBLIC KEY", ecDER), "unsupported public key type"},
		{"private key block refused", enc("PRIVATE KEY", pkix), "not a public key"},
		{"garbage", "not a pem", "no PEM block"},
		{"corrupt DER", enc("PUBLIC KEY", pkix[:40]), "invalid PKIX"},
		{"empty", "", "no PEM block"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePublicKeyPEM(c.pem)
			hsWantErr(t, err, c.want)
		})
	}
}
