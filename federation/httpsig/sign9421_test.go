package httpsig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSign9421MatchesHandBuiltBase signs one fixed POST and checks every header against values built
// here by hand, without the package's serialiser or signature base: the Content-Digest of the exact
// body, the Signature-Input member, and a signature that verifies (with crypto/rsa alone) over the
// signature base written out line by line as RFC 9421 §2.5 shows it.
func TestSign9421MatchesHandBuiltBase(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}`)
	r, err := http.NewRequest(http.MethodPost, "https://node.test/users/course/inbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	if err := Sign9421(r, body, hsKeyID, key, hsNow); err != nil {
		t.Fatal(err)
	}

	sum := sha256.Sum256(body)
	digest := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	if got := r.Header.Get("Content-Digest"); got != digest {
		t.Errorf("Content-Digest %q, want %q", got, digest)
	}
	created := strconv.FormatInt(hsNow.Unix(), 10) // 1795879200
	params := `("@method" "@target-uri" "content-digest");created=` + created +
		`;keyid="https://node.test/users/course#main-key";alg="rsa-v1_5-sha256"`
	if got := r.Header.Get("Signature-Input"); got != "sig1="+params {
		t.Errorf("Signature-Input %q\nwant            %q", got, "sig1="+params)
	}
	base := `"@method": POST` + "\n" +
		`"@target-uri": https://node.test/users/course/inbox` + "\n" +
		`"content-digest": ` + digest + "\n" +
		`"@signature-params": ` + params
	sigHeader := r.Header.Get("Signature")
	b64, ok := strings.CutPrefix(sigHeader, "sig1=:")
	if !ok || !strings.HasSuffix(b64, ":") {
		t.Fatalf("Signature %q is not sig1=:BASE64:", sigHeader)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(b64, ":"))
	if err != nil {
		t.Fatalf("Signature %q: %v", sigHeader, err)
	}
	h := sha256.Sum256([]byte(base))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
		t.Fatalf("signature does not verify over the hand-built base:\n%s\n%v", base, err)
	}
	for _, name := range []string{"Digest", "Host"} {
		if v := r.Header.Values(name); len(v) > 0 {
			t.Errorf("%s header %q set by an RFC 9421 signature", name, v)
		}
	}
	if got := r.Header.Get("Date"); got != "Sat, 28 Nov 2026 15:20:00 GMT" {
		t.Errorf("Date %q", got)
	}
}

// TestSign9421RoundTrip: what Sign9421 writes is accepted by the node's own verifier (Check and Verify,
// the inbox's path) once it has crossed the wire, for a POST and for a bodyless GET with a query.
func TestSign9421RoundTrip(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Create"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow.Add(time.Minute)}

	t.Run("POST", func(t *testing.T) {
		r, err := http.NewRequest(http.MethodPost, "https://node.test/users/course/inbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign9421(r, body, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		sr, got := hsOverWire(t, r, body)
		p, err := Check(sr, got, opt)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if p.RFC9421 == nil || p.KeyID != hsKeyID || p.Algorithm != sigAlgRSAv15SHA256 {
			t.Fatalf("checked as %+v", p)
		}
		if err := Verify(sr, p, &key.PublicKey, opt); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		// The body sent must be the body signed.
		if err := hsCheckAndVerify(sr, append(got, ' '), &key.PublicKey, opt); err == nil {
			t.Fatal("a different body verified")
		}
	})

	t.Run("GET", func(t *testing.T) {
		r, err := http.NewRequest(http.MethodGet, "https://node.test/users/course/outbox?page=true", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign9421(r, nil, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		if in := r.Header.Get("Signature-Input"); !strings.HasPrefix(in, `sig1=("@method" "@target-uri");created=`) {
			t.Errorf("Signature-Input %q: want @method @target-uri only", in)
		}
		if v := r.Header.Get("Content-Digest"); v != "" {
			t.Errorf("bodyless GET got Content-Digest %q", v)
		}
		sr, got := hsOverWire(t, r, nil)
		if err := hsCheckAndVerify(sr, got, &key.PublicKey, opt); err != nil {
			t.Fatalf("verify: %v", err)
		}
		// @target-uri covers the query.
		sr.URL.RawQuery = "page=false"
		if err := hsCheckAndVerify(sr, got, &key.PublicKey, opt); err == nil {
			t.Fatal("another query verified")
		}
	})

	t.Run("plain http with a port", func(t *testing.T) {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080/inbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign9421(r, body, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		sr, got := hsOverWire(t, r, body)
		if err := hsCheckAndVerify(sr, got, &key.PublicKey, VerifyOptions{Host: "127.0.0.1:8080", Scheme: "http", Now: hsNow}); err != nil {
			t.Fatalf("verify: %v", err)
		}
		if err := hsCheckAndVerify(sr, got, &key.PublicKey, VerifyOptions{Host: "127.0.0.1:8080", Now: hsNow}); err == nil {
			t.Fatal("an http:// signature verified as https://")
		}
	})
}

// TestSignSchemesReplaceEachOther: a request signed one way and re-signed the other way (the outbox's
// double knock) carries only the second scheme's headers and verifies with it; re-signing with the same
// scheme (a retry) leaves one signature.
func TestSignSchemesReplaceEachOther(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Announce"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	newPost := func() *http.Request {
		r, err := http.NewRequest(http.MethodPost, "https://node.test/inbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/activity+json")
		return r
	}

	t.Run("cavage then RFC 9421", func(t *testing.T) {
		r := newPost()
		if err := Sign(r, body, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := Sign9421(r, body, hsKeyID, key, hsNow); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"Digest", "Host"} {
			if v := r.Header.Values(name); len(v) > 0 {
				t.Errorf("%s %q left from the cavage signature", name, v)
			}
		}
		for _, name := range []string{"Signature", "Signature-Input", "Content-Digest", "Date"} {
			if n := len(r.Header.Values(name)); n != 1 {
				t.Errorf("%d %s headers", n, name)
			}
		}
		sr, got := hsOverWire(t, r, body)
		p, err := Check(sr, got, opt)
		if err != nil || p.RFC9421 == nil {
			t.Fatalf("Check: %+v, %v", p, err)
		}
		if err := Verify(sr, p, &key.PublicKey, opt); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})

	t.Run("RFC 9421 then cavage", func(t *testing.T) {
		r := newPost()
		if err := Sign9421(r, body, hsKeyID, key, hsNow); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := Sign(r, body, hsKeyID, key, hsNow); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"Signature-Input", "Content-Digest"} {
			if v := r.Header.Values(name); len(v) > 0 {
				t.Errorf("%s %q left from the RFC 9421 signature", name, v)
			}
		}
		if n := len(r.Header.Values("Signature")); n != 1 {
			t.Errorf("%d Signature headers", n)
		}
		sr, got := hsOverWire(t, r, body)
		p, err := Check(sr, got, opt)
		if err != nil || p.RFC9421 != nil {
			t.Fatalf("Check: %+v, %v", p, err)
		}
		if err := Verify(sr, p, &key.PublicKey, opt); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func TestSign9421RefusesBadInputs(t *testing.T) {
	key := hsTestKey()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "https://node.test/", nil)
	for _, c := range []struct {
		name  string
		r     *http.Request
		keyID string
		key   *rsa.PrivateKey
	}{
		{"1024-bit key", r, hsKeyID, small},
		{`keyid with '"'`, r, `https://x.test/"k`, key},
		{"empty keyid", r, "", key},
		{"nil key", r, hsKeyID, nil},
		{"nil request", nil, hsKeyID, key},
		{"no scheme", &http.Request{Method: http.MethodGet, URL: &url.URL{Host: hsHost, Path: "/"}}, hsKeyID, key},
	} {
		if err := Sign9421(c.r, nil, c.keyID, c.key, hsNow); err == nil {
			t.Errorf("%s: signed", c.name)
		}
	}
}
