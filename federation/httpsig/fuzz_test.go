package httpsig

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseSignature: Parse never panics, is deterministic, and whatever it accepts survives a
// canonical re-serialisation unchanged (HOSTILE S10). Seeds: testdata/fuzz/FuzzParseSignature and below.
func FuzzParseSignature(f *testing.F) {
	sig := base64.StdEncoding.EncodeToString([]byte("sig"))
	for _, s := range []string{
		`keyId="https://gts.test/users/alice/main-key",algorithm="hs2019",headers="(request-target) host date digest",signature="` + sig + `"`,
		`keyId="https://snac.test/alice#main-key",algorithm="rsa-sha256",headers="(request-target) host digest date",signature="` + sig + `"`,
		`Signature keyId="k,=x",created=1764343200,expires=1764343500,headers="(created) (expires)",signature="` + sig + `"`,
		`keyId="a",keyId="b",signature="` + sig + `"`,
		`keyId="k" , foo=bar ,signature=` + sig,
		`keyId="k`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := http.Header{"Signature": {s}}
		p, err := Parse(h)
		p2, err2 := Parse(h)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(p, p2) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			return
		}
		if p.KeyID == "" || len(p.Signature) == 0 || len(p.Headers) == 0 {
			t.Fatalf("accepted incomplete params %+v from %q", p, s)
		}
		re := hsFormat(p)
		p3, err := Parse(http.Header{"Signature": {re}})
		if err != nil {
			t.Fatalf("re-serialised %q (from %q) refused: %v", re, s, err)
		}
		if !reflect.DeepEqual(p, p3) {
			t.Fatalf("round trip changed params:\n%+v\n%+v", p, p3)
		}
		// The Authorization form parses the same.
		p4, err := Parse(http.Header{"Authorization": {"Signature " + re}})
		if err != nil || !reflect.DeepEqual(p, p4) {
			t.Fatalf("Authorization form: %+v, %v", p4, err)
		}
	})
}

// FuzzVerifyRequest mutates the method, target, Date, Digest, Signature, body and one extra header of a
// real signed GoToSocial delivery (testdata/fixtures/gotosocial/inbound-follow.json). Check +
// Verify must never panic, and must never accept a request whose signed content differs from
// the original (HOSTILE S1–S6, S10). Allowed, by design: an added query string (S6 double try), header
// whitespace (values are trimmed when building the signing string), unsigned parameters (keyId is
// resolved by the caller; here the key is fixed), and a different accepted algorithm label.
func FuzzVerifyRequest(f *testing.F) {
	fx := hsLoadFixture(f, filepath.Join("..", "..", "testdata", "fixtures", "gotosocial", "inbound-follow.json"))
	orig, origBody := hsFixtureRequest(f, fx)
	pub := hsFixtureKeys(f)["https://gts.test/users/alice/main-key"]
	now, err := http.ParseTime(orig.Header.Get("Date"))
	if err != nil {
		f.Fatal(err)
	}
	opt := VerifyOptions{Host: hsHost, Now: now}
	origP, err := Check(orig, origBody, opt)
	if err != nil {
		f.Fatal(err)
	}
	if err := Verify(orig, origP, pub, opt); err != nil {
		f.Fatal(err)
	}
	origSS, err := sigSigningString(orig, origP, hsHost, false)
	if err != nil {
		f.Fatal(err)
	}
	date, digest, sig := orig.Header.Get("Date"), orig.Header.Get("Digest"), orig.Header.Get("Signature")

	f.Add("POST", "/inbox", date, digest, sig, origBody, "", "")
	f.Add("POST", "/inbox?x=1", date, digest, sig, origBody, "X-Forwarded-Host", "evil.test")
	f.Add("POST", "/users/course/inbox", date, digest, sig, origBody, "", "")
	f.Add("POST", "/inbox", date, digest, strings.Replace(sig, "hs2019", "hmac-sha256", 1), origBody, "", "")
	f.Add("POST", "/inbox", date, digest, sig, append(bytes.Clone(origBody), ' '), "", "")
	f.Add("POST", "/inbox", "Sat, 28 Nov 2026 15:20:00 GMT", digest, sig, origBody, "Date", date)
	f.Add("GET", "/inbox", date, digest, sig, []byte{}, "Authorization", "Signature "+sig)

	f.Fuzz(func(t *testing.T, method, target, date, digest, sig string, body []byte, extraName, extraValue string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: method, URL: u, RequestURI: target, Host: hsHost, Header: http.Header{}}
		if date != "" {
			r.Header["Date"] = []string{date}
		}
		if digest != "" {
			r.Header["Digest"] = []string{digest}
		}
		if sig != "" {
			r.Header["Signature"] = []string{sig}
		}
		if extraName != "" {
			r.Header.Add(extraName, extraValue)
		}
		p, err := Check(r, body, opt)
		if err != nil {
			return
		}
		if err := Verify(r, p, pub, opt); err != nil {
			return
		}
		// Accepted: everything the signature covers must be what was signed.
		if !bytes.Equal(body, origBody) {
			t.Fatalf("accepted a different body %q", body)
		}
		if strings.ToLower(method) != "post" || u.EscapedPath() != "/inbox" {
			t.Fatalf("accepted %s %s", method, u.EscapedPath())
		}
		if !bytes.Equal(p.Signature, origP.Signature) || !reflect.DeepEqual(p.Headers, origP.Headers) {
			t.Fatalf("accepted other signature params %+v", p)
		}
		ss, err := sigSigningString(r, p, hsHost, false)
		if err != nil || ss != origSS {
			t.Fatalf("accepted signing string %q (%v), want %q", ss, err, origSS)
		}
	})
}

// FuzzParseSignatureInput: the RFC 9421 Signature-Input parser (and the structured-field parser under
// it) never panics, is deterministic, and whatever it accepts survives re-serialisation: the members
// written back as label=@signature-params parse to the same Params. Parse of the same value with a
// Signature header never panics either.
func FuzzParseSignatureInput(f *testing.F) {
	for _, s := range []string{
		`sig1=("@method" "@target-uri" "content-digest" "content-type");created=1764343200;keyid="https://node.test/users/course#main-key"`,
		`sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
		`sig1=("@method" "@authority" "@path" "content-digest");created=1;expires=300;alg="rsa-v1_5-sha256";nonce="a\"b\\c";tag="fedify", sig2=("@method");keyid="k"`,
		`  sig1=( "@method"   "@target-uri" );keyid="k"  ,	sig2=();keyid="j"`,
		`sig1=("content-digest";sf);keyid="k"`,
		`sig1=("@method");created=1.5;keyid="k"`,
		`sig1=("@method");keyid="k";keyid="j"`,
		`sig1=("@method"`,
		`sig1=:AAAA:`,
		`sig1=?1;x, sig2=tok/en:x;y=-12`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parseSignatureInput(s)
		ps2, err2 := parseSignatureInput(s)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(ps, ps2) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		_, _ = Parse(http.Header{"Signature-Input": {s}, "Signature": {"sig1=:AAAA:, sig2=:AAAA:"}})
		if err != nil {
			return
		}
		if len(ps) == 0 || len(ps) > max9421Labels {
			t.Fatalf("accepted %d signatures from %q", len(ps), s)
		}
		var parts []string
		for _, p := range ps {
			if p.KeyID == "" || p.RFC9421 == nil || p.RFC9421.Label == "" {
				t.Fatalf("accepted incomplete params %+v from %q", p, s)
			}
			parts = append(parts, p.RFC9421.Label+"="+p.RFC9421.SignatureParams)
		}
		re := strings.Join(parts, ", ")
		ps3, err := parseSignatureInput(re)
		if err != nil {
			t.Fatalf("re-serialised %q (from %q) refused: %v", re, s, err)
		}
		if !reflect.DeepEqual(ps, ps3) {
			t.Fatalf("round trip changed params of %q", s)
		}
	})
}
