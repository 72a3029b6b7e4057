package httpsig

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hs9421Components is what Mastodon 4.5 and Fedify cover on a POST.
const hs9421Components = `("@method" "@target-uri" "content-digest" "content-type")`

// hs9421Post is a server-side POST of body to https://node.test/users/course/inbox with Content-Type
// and a sha-256 Content-Digest, unsigned.
func hs9421Post(body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://node.test/users/course/inbox", strings.NewReader(string(body)))
	r.Host = hsHost
	r.Header.Set("Content-Type", "application/activity+json")
	sum := sha256.Sum256(body)
	r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	return r
}

// hs9421Params is the parameter tail of a Signature-Input member created at created with hsKeyID.
func hs9421Params(created time.Time, extra string) string {
	return ";created=" + strconv.FormatInt(created.Unix(), 10) + ";keyid=\"" + hsKeyID + "\"" + extra
}

// hs9421Sign signs r with key (*rsa.PrivateKey: rsa-v1_5-sha256, ed25519.PrivateKey: ed25519) under
// label, over the Signature-Input member input (an inner list and its parameters), and adds the
// member to Signature-Input and Signature.
func hs9421Sign(t testing.TB, r *http.Request, key crypto.Signer, label, input string) {
	t.Helper()
	ps, err := parseSignatureInput(label + "=" + input)
	if err != nil {
		t.Fatalf("Signature-Input %q: %v", input, err)
	}
	base, err := sigBase9421(r, ps[0].RFC9421, VerifyOptions{Host: hsHost})
	if err != nil {
		t.Fatalf("signature base: %v", err)
	}
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		h := sha256.Sum256(base)
		sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, base)
	default:
		t.Fatalf("unsupported key %T", key)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Add("Signature-Input", label+"="+input)
	r.Header.Add("Signature", label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

// RFC 9421 Appendix B.2.6: the Ed25519 example, byte for byte. It covers no Content-Digest, so Check
// refuses it as a POST to the inbox, but its base and signature are those of the RFC.
func TestRFC9421Ed25519TestVectorB26(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://example.com/foo?param=Value&Pet=dog", strings.NewReader(`{"hello": "world"}`))
	r.Host = "example.com"
	r.Header.Set("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
	r.Header.Set("Content-Length", "18")
	r.Header.Set("Signature-Input", `sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`)
	r.Header.Set("Signature", `sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`)
	pubBytes, err := base64.RawURLEncoding.DecodeString("JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs") // test-key-ed25519, RFC 9421 B.1.4
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.PublicKey(pubBytes)
	opt := VerifyOptions{Host: "example.com", Now: time.Unix(1618884473, 0)}

	p, err := Parse(r.Header)
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyID != "test-key-ed25519" || p.RFC9421.Label != "sig-b26" || !p.Created.Equal(time.Unix(1618884473, 0)) {
		t.Fatalf("parsed %+v %+v", p, p.RFC9421)
	}
	base, err := sigBase9421(r, p.RFC9421, opt)
	if err != nil {
		t.Fatal(err)
	}
	const want = `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
	if string(base) != want {
		t.Fatalf("signature base:\n%s\nwant:\n%s", base, want)
	}
	if err := Verify(r, p, pub, opt); err != nil {
		t.Fatalf("RFC 9421 B.2.6 does not verify: %v", err)
	}
	// The example's Content-Digest is the sha-512 of its body (RFC 9421 B.2, RFC 9530).
	if err := sigCheckContentDigest(r.Header.Values("Content-Digest"), []byte(`{"hello": "world"}`)); err != nil {
		t.Fatalf("B.2 Content-Digest: %v", err)
	}
	if err := sigCheckContentDigest(r.Header.Values("Content-Digest"), []byte(`{"hello": "world!"}`)); err == nil {
		t.Fatal("B.2 Content-Digest accepted another body")
	}
	_, err = Check(r, []byte(`{"hello": "world"}`), opt)
	hsWantErr(t, err, "does not cover content-digest")
}

func TestRFC9421ValidRSAPost(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Follow"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	for _, c := range []struct{ name, input string }{
		{"@target-uri", hs9421Components + hs9421Params(hsNow, "")},
		{"@target-uri with alg, expires, nonce, tag", hs9421Components + hs9421Params(hsNow, `;alg="rsa-v1_5-sha256";expires=`+strconv.FormatInt(hsNow.Add(time.Minute).Unix(), 10)+`;nonce="n1";tag="fedify"`)},
		{"@authority and @path", `("@method" "@authority" "@path" "content-digest")` + hs9421Params(hsNow, "")},
		{"@authority and @request-target, date and host", `("@method" "@authority" "@request-target" "host" "date" "content-digest")` + hs9421Params(hsNow, "")},
		{"created a minute ago", hs9421Components + hs9421Params(hsNow.Add(-time.Minute), "")},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := hs9421Post(body)
			r.Header.Set("Date", hsNow.Format(http.TimeFormat))
			hs9421Sign(t, r, key, "sig1", c.input)
			if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
	t.Run("sha-512 Content-Digest", func(t *testing.T) {
		r := hs9421Post(body)
		r.Header.Set("Content-Digest", "sha-512=:"+base64.StdEncoding.EncodeToString(hsSHA512(body))+":, md5=:AAAA:")
		hs9421Sign(t, r, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
		if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("second label chosen when the first lacks content-digest", func(t *testing.T) {
		r := hs9421Post(body)
		hs9421Sign(t, r, key, "weak", `("@method" "@target-uri")`+hs9421Params(hsNow, ""))
		hs9421Sign(t, r, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
		p, err := Check(r, body, opt)
		if err != nil {
			t.Fatal(err)
		}
		if p.RFC9421.Label != "sig1" {
			t.Fatalf("chose %q", p.RFC9421.Label)
		}
		if err := Verify(r, p, &key.PublicKey, opt); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Host and X-Forwarded-Host are not trusted", func(t *testing.T) {
		r := hs9421Post(body)
		hs9421Sign(t, r, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
		r.Host = "evil.test"
		r.Header.Set("X-Forwarded-Host", "evil.test")
		if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("Ed25519 key", func(t *testing.T) {
		epub, epriv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		r := hs9421Post(body)
		hs9421Sign(t, r, epriv, "sig1", hs9421Components+hs9421Params(hsNow, `;alg="ed25519"`))
		if err := hsCheckAndVerify(r, body, epub, opt); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
}

func hsSHA512(b []byte) []byte {
	h := crypto.SHA512.New()
	h.Write(b)
	return h.Sum(nil)
}

func TestRFC9421TamperedBodyRefused(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Follow"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	r := hs9421Post(body)
	hs9421Sign(t, r, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
	hsWantErr(t, hsCheckAndVerify(r, []byte(`{"type":"Undo"}`), &key.PublicKey, opt), "Content-Digest sha-256 does not match the body")

	// A Content-Digest rewritten for the new body breaks the signature, which covers it.
	r2 := hs9421Post(body)
	hs9421Sign(t, r2, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
	other := []byte(`{"type":"Undo"}`)
	r2.Header.Set("Content-Digest", hs9421Post(other).Header.Get("Content-Digest"))
	hsWantErr(t, hsCheckAndVerify(r2, other, &key.PublicKey, opt), "does not verify")

	// Every sha entry must match, not only one of them.
	r3 := hs9421Post(body)
	r3.Header.Set("Content-Digest", r3.Header.Get("Content-Digest")+", sha-512=:"+base64.StdEncoding.EncodeToString(hsSHA512(other))+":")
	hs9421Sign(t, r3, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
	hsWantErr(t, hsCheckAndVerify(r3, body, &key.PublicKey, opt), "Content-Digest sha-512 does not match")

	r4 := hs9421Post(body)
	r4.Header.Set("Content-Digest", "md5=:AAAA:")
	hs9421Sign(t, r4, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
	hsWantErr(t, hsCheckAndVerify(r4, body, &key.PublicKey, opt), "no sha-256 or sha-512")

	r5 := hs9421Post(body)
	hs9421Sign(t, r5, key, "sig1", hs9421Components+hs9421Params(hsNow, ""))
	r5.Header.Del("Content-Digest")
	hsWantErr(t, hsCheckAndVerify(r5, body, &key.PublicKey, opt), "Content-Digest header is missing")
}

func TestRFC9421RequiredComponents(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Follow"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	for _, c := range []struct{ name, input, want string }{
		{"missing content-digest", `("@method" "@target-uri" "content-type")` + hs9421Params(hsNow, ""), "does not cover content-digest"},
		{"missing @method", `("@target-uri" "content-digest")` + hs9421Params(hsNow, ""), "does not cover @method"},
		{"missing target", `("@method" "@path" "content-digest")` + hs9421Params(hsNow, ""), "neither @target-uri nor @authority"},
		{"@authority without path", `("@method" "@authority" "content-digest")` + hs9421Params(hsNow, ""), "neither @target-uri nor @authority"},
		{"no created", hs9421Components + `;keyid="` + hsKeyID + `"`, "no created parameter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := hs9421Post(body)
			hs9421Sign(t, r, key, "sig1", c.input)
			hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), c.want)
		})
	}
	t.Run("a covered header the request lacks", func(t *testing.T) {
		r := hs9421Post(body)
		r.Header.Set("Date", hsNow.Format(http.TimeFormat))
		hs9421Sign(t, r, key, "sig1", `("@method" "@target-uri" "content-digest" "date")`+hs9421Params(hsNow, ""))
		r.Header.Del("Date")
		hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), `covered header "date" is missing`)
	})
	t.Run("GET needs no content-digest", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "https://node.test/users/course", nil)
		hs9421Sign(t, r, key, "sig1", `("@method" "@target-uri")`+hs9421Params(hsNow, ""))
		if err := hsCheckAndVerify(r, nil, &key.PublicKey, opt); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
}

func TestRFC9421TimeWindow(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Follow"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	unix := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	for _, c := range []struct{ name, params, want string }{
		{"created too old", hs9421Params(hsNow.Add(-2*time.Hour), ""), "expired"},
		{"created in the future", hs9421Params(hsNow.Add(2*time.Hour), ""), "in the future"},
		{"expired", hs9421Params(hsNow.Add(-90*time.Minute), ";expires="+unix(hsNow.Add(-80*time.Minute))), "expired"},
		{"expires before created", hs9421Params(hsNow, ";expires="+unix(hsNow.Add(-time.Second))), "expires before it was created"},
		{"expires beyond the 12 h limit", hs9421Params(hsNow.Add(-14*time.Hour), ";expires="+unix(hsNow.Add(time.Hour))), "expired"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := hs9421Post(body)
			hs9421Sign(t, r, key, "sig1", hs9421Components+c.params)
			hsWantErr(t, hsCheckAndVerify(r, body, &key.PublicKey, opt), c.want)
		})
	}
	t.Run("expires honoured within the margin", func(t *testing.T) {
		r := hs9421Post(body)
		hs9421Sign(t, r, key, "sig1", hs9421Components+hs9421Params(hsNow.Add(-2*time.Hour), ";expires="+unix(hsNow.Add(-30*time.Minute))))
		if err := hsCheckAndVerify(r, body, &key.PublicKey, opt); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
}

func TestRFC9421Algorithms(t *testing.T) {
	key := hsTestKey()
	epub, epriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"Follow"}`)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	for _, c := range []struct {
		name string
		sign crypto.Signer
		pub  crypto.PublicKey
		alg  string
		want string
	}{
		{"unknown alg", key, &key.PublicKey, "rsa-v2-sha999", "refused for an RSA key"},
		{"rsa-pss-sha512", key, &key.PublicKey, "rsa-pss-sha512", "refused for an RSA key"},
		{"hmac-sha256", key, &key.PublicKey, "hmac-sha256", "refused for an RSA key"},
		{"cavage label rsa-sha256", key, &key.PublicKey, "rsa-sha256", "refused for an RSA key"},
		{"ed25519 alg with an RSA key", key, &key.PublicKey, "ed25519", "refused for an RSA key"},
		{"rsa alg with an Ed25519 key", epriv, epub, "rsa-v1_5-sha256", "refused for an Ed25519 key"},
		{"RSA signature under an Ed25519 key", key, epub, "", "does not verify"},
		{"symmetric key", key, []byte("secret"), "", "symmetric"},
	} {
		t.Run(c.name, func(t *testing.T) {
			extra := ""
			if c.alg != "" {
				extra = `;alg="` + c.alg + `"`
			}
			r := hs9421Post(body)
			hs9421Sign(t, r, c.sign, "sig1", hs9421Components+hs9421Params(hsNow, extra))
			hsWantErr(t, hsCheckAndVerify(r, body, c.pub, opt), c.want)
		})
	}
}

func TestRFC9421ParseSignatureInput(t *testing.T) {
	sig := ":" + base64.StdEncoding.EncodeToString([]byte("signature-bytes")) + ":"
	okInput := hs9421Components + `;created=1764343200;keyid="k"`
	long := strings.Repeat("a", MaxSignatureHeaderLen)
	for _, c := range []struct {
		name   string
		header http.Header
		want   string
	}{
		{"label without Signature", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {"sig2=" + sig}}, `label "sig1" has no Signature`},
		{"second label without Signature", http.Header{"Signature-Input": {"sig1=" + okInput + ", sig2=" + okInput}, "Signature": {"sig1=" + sig}}, `label "sig2" has no Signature`},
		{"Signature label without Signature-Input", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {"sig1=" + sig + ", sig2=" + sig}}, `"sig2" has no Signature-Input`},
		{"no Signature header", http.Header{"Signature-Input": {"sig1=" + okInput}}, "without a Signature header"},
		{"oversized Signature-Input", http.Header{"Signature-Input": {"sig1=" + okInput + `;nonce="` + long + `"`}, "Signature": {"sig1=" + sig}}, "Signature-Input header of"},
		{"oversized Signature", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {"sig1=:" + long + ":"}}, "Signature header of"},
		{"oversized over several lines", http.Header{"Signature-Input": {"sig1=" + okInput, `x=("` + long[:MaxSignatureHeaderLen-len(okInput)] + `")`}, "Signature": {"sig1=" + sig}}, "Signature-Input header of"},
		{"too many labels", http.Header{"Signature-Input": {"a=" + okInput + ",b=" + okInput + ",c=" + okInput + ",d=" + okInput + ",e=" + okInput}, "Signature": {"a=" + sig}}, "at most 4"},
		{"too many components", http.Header{"Signature-Input": {`sig1=("a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u");keyid="k"`}, "Signature": {"sig1=" + sig}}, "at most 20"},
		{"duplicate label", http.Header{"Signature-Input": {"sig1=" + okInput + ",sig1=" + okInput}, "Signature": {"sig1=" + sig}}, "appears twice"},
		{"duplicate parameter", http.Header{"Signature-Input": {"sig1=" + okInput + `;keyid="j"`}, "Signature": {"sig1=" + sig}}, "appears twice"},
		{"duplicate component", http.Header{"Signature-Input": {`sig1=("@method" "@method");keyid="k"`}, "Signature": {"sig1=" + sig}}, "twice"},
		{"unknown parameter", http.Header{"Signature-Input": {"sig1=" + okInput + ";foo=1"}, "Signature": {"sig1=" + sig}}, `unknown parameter "foo"`},
		{"no keyid", http.Header{"Signature-Input": {`sig1=("@method");created=1`}, "Signature": {"sig1=" + sig}}, "no keyid"},
		{"keyid a token", http.Header{"Signature-Input": {`sig1=("@method");keyid=k`}, "Signature": {"sig1=" + sig}}, "keyid is not a string"},
		{"created a string", http.Header{"Signature-Input": {`sig1=("@method");created="1";keyid="k"`}, "Signature": {"sig1=" + sig}}, "not a Unix time"},
		{"created negative", http.Header{"Signature-Input": {`sig1=("@method");created=-1;keyid="k"`}, "Signature": {"sig1=" + sig}}, "not a Unix time"},
		{"created decimal", http.Header{"Signature-Input": {`sig1=("@method");created=1.5;keyid="k"`}, "Signature": {"sig1=" + sig}}, "decimal"},
		{"not an inner list", http.Header{"Signature-Input": {`sig1="@method";keyid="k"`}, "Signature": {"sig1=" + sig}}, "not an inner list"},
		{"component a token", http.Header{"Signature-Input": {`sig1=(date);keyid="k"`}, "Signature": {"sig1=" + sig}}, "not a string"},
		{"component parameters", http.Header{"Signature-Input": {`sig1=("content-digest";sf);keyid="k"`}, "Signature": {"sig1=" + sig}}, "has parameters"},
		{"upper-case component", http.Header{"Signature-Input": {`sig1=("Date");keyid="k"`}, "Signature": {"sig1=" + sig}}, "lower-case header name"},
		{"unsupported derived component", http.Header{"Signature-Input": {`sig1=("@status");keyid="k"`}, "Signature": {"sig1=" + sig}}, "not supported"},
		{"@signature-params covered", http.Header{"Signature-Input": {`sig1=("@signature-params");keyid="k"`}, "Signature": {"sig1=" + sig}}, "may not be a covered component"},
		{"items without a space", http.Header{"Signature-Input": {`sig1=("@method""@path");keyid="k"`}, "Signature": {"sig1=" + sig}}, "space between"},
		{"trailing comma", http.Header{"Signature-Input": {"sig1=" + okInput + ","}, "Signature": {"sig1=" + sig}}, "trailing ','"},
		{"upper-case label", http.Header{"Signature-Input": {"Sig1=" + okInput}, "Signature": {"Sig1=" + sig}}, "lower-case key"},
		{"unterminated string", http.Header{"Signature-Input": {`sig1=("@method`}, "Signature": {"sig1=" + sig}}, "unterminated"},
		{"signature not a byte sequence", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {`sig1="abc"`}}, "not a byte sequence"},
		{"signature not base64", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {`sig1=:a b:`}}, "not base64"},
		{"empty signature", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {`sig1=::`}}, "empty"},
		{"cavage Signature next to Signature-Input", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {`keyId="k",headers="date",signature="AAAA"`}}, "not an RFC 9421 dictionary"},
		{"Authorization: Signature next to Signature-Input", http.Header{"Signature-Input": {"sig1=" + okInput}, "Signature": {"sig1=" + sig}, "Authorization": {`Signature keyId="k",signature="AAAA"`}}, "send one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.header)
			hsWantErr(t, err, c.want)
			if errors.Is(err, ErrNoSignature) {
				t.Fatal("reported as unsigned")
			}
		})
	}
	t.Run("parsed", func(t *testing.T) {
		h := http.Header{
			"Signature-Input": {` sig1=( "@method"  "@target-uri" "content-digest" );created=1764343200;keyid="https://a.test/u#k";alg="rsa-v1_5-sha256";expires=1764343500;nonce="a\"b";tag="t"`},
			"Signature":       {"sig1=" + sig},
		}
		p, err := Parse(h)
		if err != nil {
			t.Fatal(err)
		}
		created, expires := time.Unix(1764343200, 0).UTC(), time.Unix(1764343500, 0).UTC()
		want := &Params{KeyID: "https://a.test/u#k", Algorithm: "rsa-v1_5-sha256", Signature: []byte("signature-bytes"),
			Created: &created, Expires: &expires, RFC9421: &Input{Label: "sig1",
				Components:      []string{"@method", "@target-uri", "content-digest"},
				SignatureParams: `("@method" "@target-uri" "content-digest");created=1764343200;keyid="https://a.test/u#k";alg="rsa-v1_5-sha256";expires=1764343500;nonce="a\"b";tag="t"`,
				Nonce:           `a"b`, Tag: "t"}}
		if !reflect.DeepEqual(p, want) {
			t.Fatalf("got %+v %+v\nwant %+v %+v", p, p.RFC9421, want, want.RFC9421)
		}
	})
}

// RFC 9421 wins over draft-cavage: a request with Signature-Input is judged as RFC 9421 only, and its
// Signature header read as RFC 9421's dictionary. A valid draft-cavage request to which a
// Signature-Input is added is refused, not verified as draft-cavage (HOSTILE S15: a clean 401).
func TestS15SignatureInputRejected(t *testing.T) {
	key := hsTestKey()
	body := []byte(`{"type":"Follow"}`)
	r, got := hsSignedPost(t, hsHost, "/inbox", body, hsNow)
	r.Header.Set("Signature-Input", `sig1=("@method" "@target-uri" "content-digest");created=1764343200;keyid="k"`)
	err := hsCheckAndVerify(r, got, &key.PublicKey, VerifyOptions{Host: hsHost, Now: hsNow})
	hsWantErr(t, err, "not an RFC 9421 dictionary")
	if errors.Is(err, ErrNoSignature) {
		t.Fatal("RFC 9421 request reported as unsigned")
	}
}
