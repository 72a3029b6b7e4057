package integrity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/federation"
)

// W3C vc-di-eddsa test vectors (w3c/vc-di-eddsa, TestVectors/keyPair.json and TestVectors/eddsa-jcs-2022/).
const (
	vcPublicMultibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	vcSecretMultibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
	vcIssuer          = "https://vc.example/issuers/5678"
	vcKeyID           = vcIssuer + "#" + vcPublicMultibase

	vcUnsigned = `{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2"
  ],
  "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
  "type": [
    "VerifiableCredential",
    "AlumniCredential"
  ],
  "name": "Alumni Credential",
  "description": "A minimum viable example of an Alumni Credential.",
  "issuer": "https://vc.example/issuers/5678",
  "validFrom": "2023-01-01T00:00:00Z",
  "credentialSubject": {
    "id": "did:example:abcdefgh",
    "alumniOf": "The School of Examples"
  }
}`
	vcCanonDoc = `{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:abcdefgh"},"description":"A minimum viable example of an Alumni Credential.","id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678","name":"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],"validFrom":"2023-01-01T00:00:00Z"}`
	vcSigned   = `{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2"
  ],
  "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
  "type": [
    "VerifiableCredential",
    "AlumniCredential"
  ],
  "name": "Alumni Credential",
  "description": "A minimum viable example of an Alumni Credential.",
  "issuer": "https://vc.example/issuers/5678",
  "validFrom": "2023-01-01T00:00:00Z",
  "credentialSubject": {
    "id": "did:example:abcdefgh",
    "alumniOf": "The School of Examples"
  },
  "proof": {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "proofPurpose": "assertionMethod",
    "@context": [
      "https://www.w3.org/ns/credentials/v2",
      "https://www.w3.org/ns/credentials/examples/v2"
    ],
    "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
  }
}`
	vcSigHex = "fc91dec6565f35fbe185a77352e7fc512f95d1904da305cfef32ab8135469301f5a72d4e7a58368fc6ffc497b44633993bac054e3bc1436e3c846db8f1544503"
)

func vcKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := parseEd25519SecretMultibase(vcSecretMultibase)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// proofStaticResolver resolves exactly one key id.
func proofStaticResolver(keyID string, pub ed25519.PublicKey, controller string) func(string) (ed25519.PublicKey, string, error) {
	return func(vm string) (ed25519.PublicKey, string, error) {
		if vm != keyID {
			return nil, "", errors.New("unknown key " + vm)
		}
		return pub, controller, nil
	}
}

func TestAssertionKeyFromActor(t *testing.T) {
	k1 := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	k2 := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	actor := "https://a.example/users/alice"
	mk := func(am any) []byte {
		b, err := json.Marshal(map[string]any{
			"@context":        []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"},
			"id":              actor,
			"type":            "Person",
			"assertionMethod": am,
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pub1 := k1.Public().(ed25519.PublicKey)
	pub2 := k2.Public().(ed25519.PublicKey)
	single := mk(federation.MultikeyDoc(actor+"#ed25519-key", actor, pub1))
	array := mk([]any{actor + "#ref-only", federation.MultikeyDoc(actor+"#k1", actor, pub1), federation.MultikeyDoc(actor+"#k2", actor, pub2)})

	got, ctrl, err := AssertionKeyFromActor(single, actor+"#ed25519-key")
	if err != nil || !bytes.Equal(got, pub1) || ctrl != actor {
		t.Fatalf("single: %x %q %v", got, ctrl, err)
	}
	got, ctrl, err = AssertionKeyFromActor(array, actor+"#k2")
	if err != nil || !bytes.Equal(got, pub2) || ctrl != actor {
		t.Fatalf("array: %x %q %v", got, ctrl, err)
	}

	otherCtrl := federation.MultikeyDoc(actor+"#k", "https://a.example/users/bob", pub1)
	notMultikey := federation.MultikeyDoc(actor+"#k", actor, pub1)
	notMultikey["type"] = "JsonWebKey"
	badKey := federation.MultikeyDoc(actor+"#k", actor, pub1)
	badKey["publicKeyMultibase"] = "z6Mk"
	for name, doc := range map[string][]byte{
		"missing key":      mk(federation.MultikeyDoc(actor+"#other", actor, pub1)),
		"other controller": mk(otherCtrl),
		"not Multikey":     mk(notMultikey),
		"bad multibase":    mk(badKey),
		"no assertion":     []byte(`{"id":"` + actor + `"}`),
		"string assertion": mk("x"),
		"no id":            []byte(`{"assertionMethod":[]}`),
		"not object":       []byte(`[]`),
		"not JSON":         []byte(`{`),
		"duplicate key":    []byte(`{"id":"` + actor + `","id":"` + actor + `"}`),
	} {
		if _, _, err := AssertionKeyFromActor(doc, actor+"#k"); !errors.Is(err, ErrProof) {
			t.Errorf("%s: err = %v, want ErrProof", name, err)
		}
	}
}

// ---- RFC 8785 ----

func jcsOf(t *testing.T, in string) string {
	t.Helper()
	v, err := parseStrictJSON([]byte(in))
	if err != nil {
		t.Fatalf("parse %s: %v", in, err)
	}
	b, err := jcs(v)
	if err != nil {
		t.Fatalf("jcs %s: %v", in, err)
	}
	return string(b)
}

func TestJCSRFC8785Example(t *testing.T) {
	// RFC 8785 §3.2.3 (the section's example input and output).
	in := `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`
	want := `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`
	if got := jcsOf(t, in); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestJCSKeyOrderUTF16(t *testing.T) {
	// RFC 8785 §3.2.3 sorting example: order by UTF-16 code units, so the emoji (surrogates D83D DE00)
	// sorts before U+FB33 although its UTF-8 encoding is greater.
	in := `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`
	want := "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"דּ\":\"Hebrew Letter Dalet With Dagesh\"}"
	if got := jcsOf(t, in); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestJCSNumbersRFC8785(t *testing.T) {
	// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
	cases := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"}, // -0
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, c := range cases {
		f := math.Float64frombits(c.bits)
		var b bytes.Buffer
		if err := jcsNumber(&b, f); err != nil || b.String() != c.want {
			t.Errorf("%016x: %q, %v; want %q", c.bits, b.String(), err, c.want)
		}
	}
	for _, bits := range []uint64{0x7fffffffffffffff, 0x7ff0000000000000, 0xfff0000000000000} {
		var b bytes.Buffer
		if err := jcsNumber(&b, math.Float64frombits(bits)); err == nil {
			t.Errorf("%016x: no error for NaN/Inf", bits)
		}
	}
	// Text inputs, as they arrive in documents.
	for in, want := range map[string]string{
		"1e21": "1e+21", "1E+21": "1e+21", "1e20": "100000000000000000000", "1e-7": "1e-7",
		"0.0000001": "1e-7", "0.000001": "0.000001", "-0": "0", "-0.0": "0", "0e10": "0",
		"333333333.33333329": "333333333.3333333", "4.50": "4.5", "100": "100", "-1.5e-10": "-1.5e-10",
		"1e-400": "0", "123456789012345678901234": "1.2345678901234569e+23",
	} {
		if got := jcsOf(t, "["+in+"]"); got != "["+want+"]" {
			t.Errorf("%s → %s, want [%s]", in, got, want)
		}
	}
}

func TestJCSStringEscapes(t *testing.T) {
	in := `"\u0000\u0001\u0008\u0009\u000a\u000b\u000c\u000d\u001f\u0020\u007f\u2028\u2029<>&\"\\\/é😀"`
	want := "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \u007f\u2028\u2029<>&\\\"\\\\/é😀\""
	if got := jcsOf(t, in); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestStrictJSONRejects(t *testing.T) {
	for _, in := range []string{
		`{"a":1,"a":1}`,          // duplicate name (I-JSON)
		`{"a":{"b":1,"b":2}}`,    // nested duplicate
		`["\ud800"]`,             // lone high surrogate
		`["\udc00"]`,             // lone low surrogate
		`["\ud800\u0041"]`,       // high surrogate not followed by a low one
		"[\"\xff\"]",             // invalid UTF-8
		`[1e400]`,                // overflows a double
		`{"a":1} {}`,             // trailing data
		`{"a":1`,                 // truncated
		`{"a" 1}`,                // syntax
		strings.Repeat("[", 100), // too deep
		`[NaN]`,
		``,
	} {
		if _, err := parseStrictJSON([]byte(in)); !errors.Is(err, ErrProof) {
			t.Errorf("parseStrictJSON(%q) = %v, want ErrProof", in, err)
		}
	}
	// Allowed: an escaped backslash before 'u', a valid pair, deep enough nesting.
	for _, in := range []string{`["\\ud800"]`, `["\ud83d\ude00"]`, strings.Repeat("[", 60) + strings.Repeat("]", 60)} {
		if _, err := parseStrictJSON([]byte(in)); err != nil {
			t.Errorf("parseStrictJSON(%q) = %v", in, err)
		}
	}
}

// ---- eddsa-jcs-2022 / FEP-8b32 ----

func TestProofVCTestVector(t *testing.T) {
	var v any
	v, err := parseStrictJSON([]byte(vcUnsigned))
	if err != nil {
		t.Fatal(err)
	}
	canon, err := jcs(v)
	if err != nil || string(canon) != vcCanonDoc {
		t.Fatalf("JCS of the unsigned credential:\n%s\nwant\n%s (%v)", canon, vcCanonDoc, err)
	}

	pub := vcKey(t).Public().(ed25519.PublicKey)
	res := proofStaticResolver(vcKeyID, pub, vcIssuer)
	if err := VerifyProof([]byte(vcSigned), vcIssuer, res); err != nil {
		t.Fatalf("the W3C signed credential does not verify: %v", err)
	}

	// Ed25519 is deterministic: signing the unsigned credential reproduces the vector's proofValue.
	created, _ := time.Parse(time.RFC3339, "2023-02-24T23:36:38Z")
	signed, err := SignProof([]byte(vcUnsigned), vcKeyID, vcKey(t), created)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Proof map[string]any `json:"proof"`
	}
	if err := json.Unmarshal(signed, &doc); err != nil {
		t.Fatalf("%v\n%s", err, signed)
	}
	const wantPV = "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
	if doc.Proof["proofValue"] != wantPV {
		t.Fatalf("proofValue = %v, want %s", doc.Proof["proofValue"], wantPV)
	}
	sig, _ := hex.DecodeString(vcSigHex)
	if federation.EncodeMultibase(sig) != wantPV {
		t.Fatalf("sigHex and proofValue of the vector disagree")
	}
	// The spliced output keeps the document and verifies, and its JCS equals the vector's.
	if err := VerifyProof(signed, vcIssuer, res); err != nil {
		t.Fatal(err)
	}
	a, _ := parseStrictJSON(signed)
	b, _ := parseStrictJSON([]byte(vcSigned))
	ca, _ := jcs(a)
	cb, _ := jcs(b)
	if !bytes.Equal(ca, cb) {
		t.Fatalf("signed document differs from the vector:\n%s\n%s", ca, cb)
	}
}

const (
	proofTestActor = "https://school.example/courses/go"
	proofTestKeyID = proofTestActor + "#ed25519-key"
)

func proofTestNote() []byte {
	return []byte(`{
  "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"],
  "id": "https://school.example/badges/1",
  "type": "Note",
  "attributedTo": "https://school.example/courses/go",
  "to": ["https://www.w3.org/ns/activitystreams#Public"],
  "cc": ["https://social.example/users/ana"],
  "content": "<p>Badge for @ana — «Go basics» &amp; more</p>",
  "tag": [{"type": "Mention", "href": "https://social.example/users/ana", "name": "@ana@social.example"}],
  "n": 1.50,
  "nested": {"ok": true, "none": null}
}`)
}

func proofTestSigned(t testing.TB) ([]byte, ed25519.PrivateKey, func(string) (ed25519.PublicKey, string, error)) {
	t.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	signed, err := SignProof(proofTestNote(), proofTestKeyID, key, time.Date(2026, 3, 1, 12, 0, 0, 500, time.FixedZone("x", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	return signed, key, proofStaticResolver(proofTestKeyID, key.Public().(ed25519.PublicKey), proofTestActor)
}

func TestProofSignVerify(t *testing.T) {
	signed, _, res := proofTestSigned(t)
	if err := VerifyProof(signed, proofTestActor, res); err != nil {
		t.Fatalf("%v\n%s", err, signed)
	}
	if !bytes.HasPrefix(signed, bytes.TrimRight(proofTestNote(), "}")) {
		t.Fatal("the document's bytes were not kept")
	}
	var m map[string]any
	if err := json.Unmarshal(signed, &m); err != nil {
		t.Fatal(err)
	}
	p := m["proof"].(map[string]any)
	if p["created"] != "2026-03-01T11:00:00Z" || p["type"] != ProofType || p["cryptosuite"] != CryptosuiteEddsaJcs2022 ||
		p["proofPurpose"] != "assertionMethod" || p["verificationMethod"] != proofTestKeyID || p["@context"] == nil {
		t.Fatalf("proof = %v", p)
	}
	// Reformatting the document (whitespace, member order) keeps it valid: the proof covers JCS.
	var re bytes.Buffer
	if err := json.Indent(&re, signed, "", "    "); err != nil {
		t.Fatal(err)
	}
	if err := VerifyProof(re.Bytes(), proofTestActor, res); err != nil {
		t.Fatalf("reformatted: %v", err)
	}

	// An empty object and an object without @context sign and verify too.
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	for _, d := range []string{`{}`, ` { } `, `{"id":"https://school.example/x","n":[1,2e3]}` + "\n"} {
		s, err := SignProof([]byte(d), proofTestKeyID, key, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyProof(s, proofTestActor, res); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestSignProofRejects(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	for _, d := range []string{`[]`, `"x"`, `{"proof":{}}`, `{"a":1,"a":2}`, `{`} {
		if _, err := SignProof([]byte(d), proofTestKeyID, key, time.Now()); !errors.Is(err, ErrProof) {
			t.Errorf("SignProof(%s) = %v", d, err)
		}
	}
	if _, err := SignProof([]byte(`{}`), proofTestKeyID, key[:10], time.Now()); err == nil {
		t.Error("short key accepted")
	}
	if _, err := SignProof([]byte(`{}`), "", key, time.Now()); err == nil {
		t.Error("empty key id accepted")
	}
}

// mutateProofDoc decodes signed, applies f to the top-level object and its proof, and re-encodes.
func mutateProofDoc(t *testing.T, signed []byte, f func(doc, proof map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(signed, &m); err != nil {
		t.Fatal(err)
	}
	f(m, m["proof"].(map[string]any))
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProofTamperingFails(t *testing.T) {
	signed, key, res := proofTestSigned(t)
	otherKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32))

	cases := map[string]func(doc, proof map[string]any){
		"content":         func(d, _ map[string]any) { d["content"] = "<p>Badge for @eve</p>" },
		"attributedTo":    func(d, _ map[string]any) { d["attributedTo"] = "https://school.example/courses/rust" },
		"number":          func(d, _ map[string]any) { d["n"] = 1.5000001 },
		"nested":          func(d, _ map[string]any) { d["nested"].(map[string]any)["ok"] = false },
		"added field":     func(d, _ map[string]any) { d["summary"] = "cw" },
		"removed field":   func(d, _ map[string]any) { delete(d, "cc") },
		"doc @context":    func(d, _ map[string]any) { d["@context"] = "https://www.w3.org/ns/activitystreams" },
		"created":         func(_, p map[string]any) { p["created"] = "2026-03-01T11:00:01Z" },
		"bad created":     func(_, p map[string]any) { p["created"] = "yesterday" },
		"expired":         func(_, p map[string]any) { p["expires"] = "2001-01-01T00:00:00Z" },
		"future expires":  func(_, p map[string]any) { p["expires"] = "2999-01-01T00:00:00Z" }, // not signed
		"vm":              func(_, p map[string]any) { p["verificationMethod"] = proofTestActor + "#other" },
		"cryptosuite":     func(_, p map[string]any) { p["cryptosuite"] = "eddsa-rdfc-2022" },
		"type":            func(_, p map[string]any) { p["type"] = "Ed25519Signature2020" },
		"purpose":         func(_, p map[string]any) { p["proofPurpose"] = "authentication" },
		"proof @context":  func(_, p map[string]any) { p["@context"] = []any{"https://www.w3.org/ns/activitystreams"} },
		"added proof key": func(_, p map[string]any) { p["nonce"] = "1" },
		"no proofValue":   func(_, p map[string]any) { delete(p, "proofValue") },
		"pv not string":   func(_, p map[string]any) { p["proofValue"] = 12 },
		"pv not base58":   func(_, p map[string]any) { p["proofValue"] = "z0OIl" },
		"pv base64":       func(_, p map[string]any) { p["proofValue"] = "u" + p["proofValue"].(string)[1:] },
		"pv no prefix":    func(_, p map[string]any) { p["proofValue"] = p["proofValue"].(string)[1:] },
		"pv short":        func(_, p map[string]any) { p["proofValue"] = p["proofValue"].(string)[:60] },
		"pv leading 1":    func(_, p map[string]any) { p["proofValue"] = "z1" + p["proofValue"].(string)[1:] },
		"pv other char": func(_, p map[string]any) {
			s := []byte(p["proofValue"].(string))
			if s[10] == 'A' {
				s[10] = 'B'
			} else {
				s[10] = 'A'
			}
			p["proofValue"] = string(s)
		},
		"pv other doc": func(_, p map[string]any) {
			s, err := SignProof([]byte(`{"id":"x"}`), proofTestKeyID, key, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]map[string]any
			_ = json.Unmarshal(s, &m)
			p["proofValue"] = m["proof"]["proofValue"]
		},
		"pv other key": func(_, p map[string]any) {
			s, err := SignProof(proofTestNote(), proofTestKeyID, otherKey, time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]map[string]any
			_ = json.Unmarshal(s, &m)
			p["proofValue"] = m["proof"]["proofValue"]
		},
		"proof array": func(d, p map[string]any) { d["proof"] = []any{p} },
		"proof gone":  func(d, _ map[string]any) { delete(d, "proof") },
	}
	// The resolver knows both key ids so that a changed verificationMethod fails on the signature.
	pub := key.Public().(ed25519.PublicKey)
	res2 := func(vm string) (ed25519.PublicKey, string, error) {
		if vm == proofTestKeyID || vm == proofTestActor+"#other" {
			return pub, proofTestActor, nil
		}
		return nil, "", errors.New("unknown")
	}
	for name, f := range cases {
		bad := mutateProofDoc(t, signed, f)
		if err := VerifyProof(bad, proofTestActor, res2); err == nil {
			t.Errorf("%s: tampered document verified:\n%s", name, bad)
		} else if !errors.Is(err, ErrProof) {
			t.Errorf("%s: err %v does not wrap ErrProof", name, err)
		}
	}
	// Sanity: the unmutated round trip through mutateProofDoc still verifies.
	if err := VerifyProof(mutateProofDoc(t, signed, func(_, _ map[string]any) {}), proofTestActor, res); err != nil {
		t.Fatal(err)
	}
	// Raw-byte changes that encoding/json would smooth over.
	rawBad := map[string][]byte{
		"duplicate member": bytes.Replace(signed, []byte(`"type": "Note",`), []byte(`"type": "Note", "type": "Note",`), 1),
		"invalid UTF-8":    bytes.Replace(signed, []byte("«"), []byte{0xff}, 1),
		"lone surrogate":   bytes.Replace(signed, []byte("«"), []byte(`\ud800`), 1),
		"trailing data":    append(append([]byte{}, signed...), []byte(`{}`)...),
	}
	for name, b := range rawBad {
		if bytes.Equal(b, signed) {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if err := VerifyProof(b, proofTestActor, res); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestProofControllerAndOrigin(t *testing.T) {
	signed, key, _ := proofTestSigned(t)
	pub := key.Public().(ed25519.PublicKey)

	// The key's controller is another actor (on the same origin): refused.
	other := "https://school.example/courses/rust"
	if err := VerifyProof(signed, proofTestActor, proofStaticResolver(proofTestKeyID, pub, other)); !errors.Is(err, ErrProof) {
		t.Errorf("other controller: %v", err)
	}
	// wantController is someone else than the key's controller.
	if err := VerifyProof(signed, other, proofStaticResolver(proofTestKeyID, pub, proofTestActor)); !errors.Is(err, ErrProof) {
		t.Errorf("other wantController: %v", err)
	}
	// A key on another origin, even one whose (lying) controller is the actor: refused before resolving.
	evilVM := "https://evil.example/users/mallory#key"
	evil, err := SignProof(proofTestNote(), evilVM, key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	called := false
	res := func(vm string) (ed25519.PublicKey, string, error) { called = true; return pub, proofTestActor, nil }
	if err := VerifyProof(evil, proofTestActor, res); !errors.Is(err, ErrProof) || called {
		t.Errorf("other origin: %v (resolver called: %v)", err, called)
	}
	// Same host, other scheme or port: other origin.
	for _, vm := range []string{"http://school.example/courses/go#k", "https://school.example:8443/courses/go#k", "did:key:" + vcPublicMultibase} {
		d, err := SignProof(proofTestNote(), vm, key, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyProof(d, proofTestActor, func(string) (ed25519.PublicKey, string, error) { return pub, proofTestActor, nil }); err == nil {
			t.Errorf("%s verified", vm)
		}
	}
	// Host case and default port do not matter.
	vm := "https://SCHOOL.example:443/courses/go#ed25519-key"
	d, err := SignProof(proofTestNote(), vm, key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyProof(d, proofTestActor, proofStaticResolver(vm, pub, proofTestActor)); err != nil {
		t.Errorf("canonical origin: %v", err)
	}
	// Empty wantController.
	if err := VerifyProof(signed, "", proofStaticResolver(proofTestKeyID, pub, proofTestActor)); err == nil {
		t.Error("empty wantController verified")
	}
	// Resolver errors are passed through; a bad key from the resolver fails.
	boom := errors.New("boom")
	if err := VerifyProof(signed, proofTestActor, func(string) (ed25519.PublicKey, string, error) { return nil, "", boom }); !errors.Is(err, boom) {
		t.Errorf("resolver error: %v", err)
	}
	if err := VerifyProof(signed, proofTestActor, func(string) (ed25519.PublicKey, string, error) { return pub[:5], proofTestActor, nil }); !errors.Is(err, ErrProof) {
		t.Errorf("short key: %v", err)
	}
}

func TestProofWithAssertionKeyFromActor(t *testing.T) {
	signed, key, _ := proofTestSigned(t)
	actorDoc, err := json.Marshal(map[string]any{
		"id":              proofTestActor,
		"type":            "Group",
		"assertionMethod": []any{federation.MultikeyDoc(proofTestKeyID, proofTestActor, key.Public().(ed25519.PublicKey))},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := func(vm string) (ed25519.PublicKey, string, error) { return AssertionKeyFromActor(actorDoc, vm) }
	if err := VerifyProof(signed, proofTestActor, res); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkVerifyProof measures one verification of a small signed note.
func BenchmarkVerifyProof(b *testing.B) {
	signed, _, res := proofTestSigned(b)
	for b.Loop() {
		if err := VerifyProof(signed, proofTestActor, res); err != nil {
			b.Fatal(err)
		}
	}
}

// multicodecEd25519Priv is the multicodec header (unsigned varint 0x1300) of an ed25519-priv key.
var multicodecEd25519Priv = []byte{0x80, 0x26}

// parseEd25519SecretMultibase decodes a Multikey secretKeyMultibase (multicodec ed25519-priv 0x1300 and
// the 32-byte seed), as in the W3C vc-di-eddsa examples.
func parseEd25519SecretMultibase(s string) (ed25519.PrivateKey, error) {
	b, err := federation.DecodeMultibase(s)
	if err != nil {
		return nil, err
	}
	if len(b) != len(multicodecEd25519Priv)+ed25519.SeedSize || !bytes.HasPrefix(b, multicodecEd25519Priv) {
		return nil, proofErr("secretKeyMultibase is not an ed25519-priv multikey")
	}
	return ed25519.NewKeyFromSeed(b[len(multicodecEd25519Priv):]), nil
}
