package federation

// Object integrity proofs (FEP-8b32) with Ed25519 keys published as Multikey (FEP-521a), used for badge
// awards and task completions (DESIGN.md §4).
//
// Specifications followed:
//   - FEP-521a "Representing actor's public keys": an actor publishes Ed25519 keys in assertionMethod as
//     Multikey objects {id, type: "Multikey", controller, publicKeyMultibase}.
//   - FEP-8b32 "Object Integrity Proofs": an object carries a "proof" made with the eddsa-jcs-2022
//     cryptosuite; the verification method's controller must be the object's actor / attributedTo /
//     issuer, and the key must be on that actor's origin.
//   - W3C Controlled Identifiers 1.0 §2.2.2 (Multikey): publicKeyMultibase is base58btc ("z") of the
//     multicodec header 0xed 0x01 (ed25519-pub, unsigned varint) followed by the 32-byte key.
//   - W3C Verifiable Credential Data Integrity 1.0 (DataIntegrityProof) and W3C Data Integrity EdDSA
//     Cryptosuites v1.0 §3.3 "eddsa-jcs-2022": JCS canonicalisation, SHA-256, Ed25519.
//   - RFC 8785 JSON Canonicalization Scheme (JCS), implemented here by hand over a strict parse (see jcs).
//
// Input is read strictly as I-JSON (RFC 7493), which RFC 8785 §3.1 requires: invalid UTF-8, lone
// surrogate escapes, duplicate member names and numbers outside IEEE 754 double range are refused, so that
// two byte strings that a different JSON reader could understand differently never share one signature.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// ProofType is the "type" of a W3C Data Integrity proof.
	ProofType = "DataIntegrityProof"
	// CryptosuiteEddsaJcs2022 is the W3C vc-di-eddsa cryptosuite FEP-8b32 uses: JCS, SHA-256, Ed25519.
	CryptosuiteEddsaJcs2022 = "eddsa-jcs-2022"
	// ProofPurposeAssertion is the only proof purpose accepted: FEP-8b32 proofs are made with keys
	// published in the actor's assertionMethod (FEP-521a).
	ProofPurposeAssertion = "assertionMethod"
	// MultikeyType is the "type" of a FEP-521a / W3C Controlled Identifiers verification method.
	MultikeyType = "Multikey"

	// maxStrictJSONDepth bounds nesting in documents read by this file (ActivityPub objects are shallow).
	maxStrictJSONDepth = 64
	// maxMultibaseLen bounds base58 input (decoding is quadratic); a 64-byte signature is 88 characters.
	maxMultibaseLen = 256
)

// ErrIntegrity is wrapped by every error of SignProof, VerifyProof, AssertionKeyFromActor and
// ParseEd25519Multibase, so callers can tell a bad proof or key from, say, a network error of resolve
// (errors returned by resolve are wrapped as they are, not as ErrIntegrity).
var ErrIntegrity = errors.New("integrity proof")

func integrityErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIntegrity, fmt.Sprintf(format, args...))
}

// multicodec headers (unsigned varint): ed25519-pub 0xed, ed25519-priv 0x1300.
var (
	multicodecEd25519Pub  = []byte{0xed, 0x01}
	multicodecEd25519Priv = []byte{0x80, 0x26}
)

// Ed25519Multibase returns the publicKeyMultibase of an Ed25519 public key as FEP-521a and W3C Controlled
// Identifiers §2.2.2 (Multikey) define it: "z" (base58btc) followed by base58btc(0xed 0x01 || key). Every
// such value starts with "z6Mk".
func Ed25519Multibase(pub ed25519.PublicKey) string {
	return "z" + base58Encode(append(slices.Clip(multicodecEd25519Pub), pub...))
}

// ParseEd25519Multibase decodes a FEP-521a / Multikey publicKeyMultibase: base58btc ("z" prefix) with the
// ed25519-pub multicodec header 0xed 0x01 and exactly 32 key bytes. Anything else is an error wrapping
// ErrIntegrity.
func ParseEd25519Multibase(s string) (ed25519.PublicKey, error) {
	b, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	if len(b) != len(multicodecEd25519Pub)+ed25519.PublicKeySize || !bytes.HasPrefix(b, multicodecEd25519Pub) {
		return nil, integrityErr("publicKeyMultibase is not an ed25519-pub multikey")
	}
	return ed25519.PublicKey(b[len(multicodecEd25519Pub):]), nil
}

func decodeMultibase(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "z") {
		return nil, integrityErr("multibase value is not base58btc (no 'z' prefix)")
	}
	if len(s) > maxMultibaseLen {
		return nil, integrityErr("multibase value too long")
	}
	b, ok := base58Decode(s[1:])
	if !ok {
		return nil, integrityErr("invalid base58btc")
	}
	return b, nil
}

// MultikeyDoc returns the FEP-521a assertionMethod entry for an actor's Ed25519 key:
// {"id": keyID, "type": "Multikey", "controller": controller, "publicKeyMultibase": "z6Mk…"}. keyID is
// usually the actor id with a fragment; controller is the actor id.
func MultikeyDoc(keyID, controller string, pub ed25519.PublicKey) map[string]any {
	return map[string]any{
		"id":                 keyID,
		"type":               MultikeyType,
		"controller":         controller,
		"publicKeyMultibase": Ed25519Multibase(pub),
	}
}

// AssertionKeyFromActor reads an actor document's assertionMethod (FEP-521a: one Multikey object or an
// array of them; plain id strings are skipped) and returns the Ed25519 key whose id is keyID and its
// controller. The entry's controller must equal the actor's own "id": an actor cannot vouch for a key in
// another actor's name. The caller must have checked that the document's id is the URL it fetched.
func AssertionKeyFromActor(actorJSON []byte, keyID string) (pub ed25519.PublicKey, controller string, err error) {
	v, err := parseStrictJSON(actorJSON)
	if err != nil {
		return nil, "", err
	}
	actor, ok := v.(map[string]any)
	if !ok {
		return nil, "", integrityErr("actor document is not a JSON object")
	}
	actorID, _ := actor["id"].(string)
	if actorID == "" {
		return nil, "", integrityErr("actor document has no id")
	}
	var entries []any
	switch am := actor["assertionMethod"].(type) {
	case map[string]any:
		entries = []any{am}
	case []any:
		entries = am
	case nil:
		return nil, "", integrityErr("actor %s has no assertionMethod", actorID)
	default:
		return nil, "", integrityErr("actor %s: assertionMethod is neither an object nor an array", actorID)
	}
	for _, e := range entries {
		m, ok := e.(map[string]any)
		if !ok {
			continue // a reference by id; FEP-521a embeds the Multikey objects
		}
		if id, _ := m["id"].(string); id != keyID {
			continue
		}
		if !multikeyHasType(m["type"], MultikeyType) {
			return nil, "", integrityErr("key %s is not a Multikey", keyID)
		}
		ctrl, _ := m["controller"].(string)
		if ctrl != actorID {
			return nil, "", integrityErr("key %s: controller %q is not the actor %q", keyID, ctrl, actorID)
		}
		mb, _ := m["publicKeyMultibase"].(string)
		pub, err := ParseEd25519Multibase(mb)
		if err != nil {
			return nil, "", fmt.Errorf("key %s: %w", keyID, err)
		}
		return pub, ctrl, nil
	}
	return nil, "", integrityErr("actor %s has no assertionMethod %s", actorID, keyID)
}

func multikeyHasType(t any, want string) bool {
	switch t := t.(type) {
	case string:
		return t == want
	case []any:
		for _, x := range t {
			if s, _ := x.(string); s == want {
				return true
			}
		}
	}
	return false
}

// proofOut is the proof SignProof writes; field order follows the FEP-8b32 examples.
type proofOut struct {
	Context            json.RawMessage `json:"@context,omitempty"`
	Type               string          `json:"type"`
	Cryptosuite        string          `json:"cryptosuite"`
	VerificationMethod string          `json:"verificationMethod"`
	ProofPurpose       string          `json:"proofPurpose"`
	Created            string          `json:"created"`
	ProofValue         string          `json:"proofValue"`
}

// SignProof adds a FEP-8b32 integrity proof to doc, the raw bytes of a JSON object without "proof", with
// the W3C vc-di-eddsa "eddsa-jcs-2022" cryptosuite (§3.3.1 Create Proof, §3.3.4 Hashing, §3.3.5 Proof
// Configuration, §3.3.6 Proof Serialization):
//
//	proof options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
//	                 "verificationMethod": keyID, "proofPurpose": "assertionMethod",
//	                 "created": created (RFC 3339, UTC, whole seconds)}
//	                plus "@context": the document's @context when it has one
//	hashData   = SHA-256(JCS(proof options)) || SHA-256(JCS(document))
//	proofValue = "z" + base58btc(Ed25519(key, hashData))
//
// It returns doc with "proof" (the options plus proofValue) appended as its last member; the document's
// own bytes are kept as they were. keyID should be a FEP-521a assertionMethod id of the signing actor.
func SignProof(doc []byte, keyID string, key ed25519.PrivateKey, created time.Time) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, integrityErr("not an Ed25519 private key")
	}
	if keyID == "" {
		return nil, integrityErr("empty verification method")
	}
	v, err := parseStrictJSON(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, integrityErr("document is not a JSON object")
	}
	if _, ok := obj["proof"]; ok {
		return nil, integrityErr("document already has a proof (proof sets and chains are not supported)")
	}
	opts := map[string]any{
		"type":               ProofType,
		"cryptosuite":        CryptosuiteEddsaJcs2022,
		"verificationMethod": keyID,
		"proofPurpose":       ProofPurposeAssertion,
		"created":            created.UTC().Truncate(time.Second).Format(time.RFC3339),
	}
	out := proofOut{
		Type:               ProofType,
		Cryptosuite:        CryptosuiteEddsaJcs2022,
		VerificationMethod: keyID,
		ProofPurpose:       ProofPurposeAssertion,
		Created:            opts["created"].(string),
	}
	if ctx, ok := obj["@context"]; ok {
		opts["@context"] = ctx
		if out.Context, err = jcs(ctx); err != nil {
			return nil, err
		}
	}
	hash, err := proofHashData(opts, obj)
	if err != nil {
		return nil, err
	}
	out.ProofValue = "z" + base58Encode(ed25519.Sign(key, hash))

	var pb bytes.Buffer
	enc := json.NewEncoder(&pb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, integrityErr("encode proof: %v", err)
	}
	proofJSON := bytes.TrimRight(pb.Bytes(), "\n")

	// Splice the proof in before the closing brace: the input is a validated object, so its last
	// non-space byte is '}'.
	body := bytes.TrimRight(doc, " \t\r\n")
	res := make([]byte, 0, len(body)+len(proofJSON)+12)
	res = append(res, body[:len(body)-1]...)
	if len(obj) > 0 {
		res = append(res, ',')
	}
	res = append(res, `"proof":`...)
	res = append(res, proofJSON...)
	return append(res, '}'), nil
}

// VerifyProof checks the FEP-8b32 integrity proof of doc (the raw bytes of a JSON object with a "proof"
// member), following W3C vc-di-eddsa §3.3.2 "Verify Proof (eddsa-jcs-2022)". It requires:
//
//   - one proof object (proof sets / arrays are refused) with type "DataIntegrityProof", cryptosuite
//     "eddsa-jcs-2022", proofPurpose "assertionMethod", a "created" (if any) and "expires" (if any) that
//     are RFC 3339 date-times, and an "expires" not in the past;
//   - a proof "@context", if present, equal to the document's @context (the spec allows the document's
//     context to extend the proof's; this stricter reading means no field of the document can change);
//   - verificationMethod an http(s) URL on the same origin as wantController (FEP-8b32: the key must
//     belong to the actor the object is attributed to);
//   - resolve(verificationMethod) to return an Ed25519 key whose controller equals wantController
//     (typically resolve fetches the actor and calls AssertionKeyFromActor);
//   - proofValue "z" + base58btc of a 64-byte Ed25519 signature over
//     SHA-256(JCS(proof without proofValue, with the document's @context)) || SHA-256(JCS(document
//     without proof)).
//
// wantController is the issuing actor: the activity's actor, the object's attributedTo, the badge issuer.
// Every failure is an error wrapping ErrIntegrity, except errors of resolve, which are returned wrapped
// as they are.
func VerifyProof(doc []byte, wantController string, resolve func(verificationMethod string) (ed25519.PublicKey, string, error)) error {
	v, err := parseStrictJSON(doc)
	if err != nil {
		return err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return integrityErr("document is not a JSON object")
	}
	var proof map[string]any
	switch p := obj["proof"].(type) {
	case map[string]any:
		proof = p
	case nil:
		return integrityErr("document has no proof")
	case []any:
		return integrityErr("proof sets are not supported")
	default:
		return integrityErr("proof is not an object")
	}
	if s, _ := proof["type"].(string); s != ProofType {
		return integrityErr("proof type is not %s", ProofType)
	}
	if s, _ := proof["cryptosuite"].(string); s != CryptosuiteEddsaJcs2022 {
		return integrityErr("cryptosuite is not %s", CryptosuiteEddsaJcs2022)
	}
	if s, _ := proof["proofPurpose"].(string); s != ProofPurposeAssertion {
		return integrityErr("proofPurpose is not %s", ProofPurposeAssertion)
	}
	for _, f := range []string{"created", "expires"} {
		raw, ok := proof[f]
		if !ok {
			continue
		}
		s, _ := raw.(string)
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return integrityErr("proof %s is not an RFC 3339 date-time", f)
		}
		if f == "expires" && time.Now().After(t) {
			return integrityErr("proof expired at %s", s)
		}
	}
	vm, _ := proof["verificationMethod"].(string)
	if vm == "" {
		return integrityErr("proof has no verificationMethod")
	}
	if wantController == "" {
		return integrityErr("no expected controller")
	}
	if !SameOrigin(vm, wantController) {
		return integrityErr("verificationMethod %q is not on the origin of %q", vm, wantController)
	}
	pvStr, _ := proof["proofValue"].(string)
	sig, err := decodeMultibase(pvStr)
	if err != nil {
		return fmt.Errorf("proofValue: %w", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return integrityErr("proofValue is not an Ed25519 signature")
	}

	// Unsecured document and proof options (vc-di-eddsa §3.3.2 steps 1–4).
	unsecured := make(map[string]any, len(obj))
	for k, x := range obj {
		if k != "proof" {
			unsecured[k] = x
		}
	}
	opts := make(map[string]any, len(proof))
	for k, x := range proof {
		if k != "proofValue" {
			opts[k] = x
		}
	}
	if pctx, ok := opts["@context"]; ok {
		dctx, ok := unsecured["@context"]
		if !ok {
			return integrityErr("proof has an @context but the document has none")
		}
		a, err := jcs(pctx)
		if err != nil {
			return err
		}
		b, err := jcs(dctx)
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			return integrityErr("proof @context differs from the document's")
		}
	}
	if dctx, ok := unsecured["@context"]; ok {
		opts["@context"] = dctx // §3.3.5 Proof Configuration step 4
	}
	hash, err := proofHashData(opts, unsecured)
	if err != nil {
		return err
	}

	pub, controller, err := resolve(vm)
	if err != nil {
		return fmt.Errorf("resolve verification method %s: %w", vm, err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return integrityErr("verification method %s is not an Ed25519 key", vm)
	}
	if controller != wantController {
		return integrityErr("key %s is controlled by %q, not %q", vm, controller, wantController)
	}
	if !ed25519.Verify(pub, hash, sig) {
		return integrityErr("signature does not verify")
	}
	return nil
}

// proofHashData is vc-di-eddsa §3.3.4 Hashing (eddsa-jcs-2022):
// SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)).
func proofHashData(proofConfig, document map[string]any) ([]byte, error) {
	pc, err := jcs(proofConfig)
	if err != nil {
		return nil, err
	}
	d, err := jcs(document)
	if err != nil {
		return nil, err
	}
	h1 := sha256.Sum256(pc)
	h2 := sha256.Sum256(d)
	return append(h1[:], h2[:]...), nil
}

// ---- strict JSON (I-JSON, RFC 7493) ----

// parseStrictJSON parses one JSON value into nil, bool, string, json.Number, []any and map[string]any,
// refusing what RFC 8785 §3.1 says a JCS input must not contain (I-JSON): invalid UTF-8, escaped lone
// surrogates, duplicate member names, numbers that overflow an IEEE 754 double. It also refuses nesting
// deeper than maxStrictJSONDepth and anything after the value.
func parseStrictJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, integrityErr("JSON is not valid UTF-8")
	}
	if err := checkSurrogateEscapes(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseStrictValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, integrityErr("trailing data after JSON value")
	}
	return v, nil
}

// checkSurrogateEscapes refuses \uD800–\uDFFF escapes that are not a high surrogate followed by a low
// one (encoding/json would silently turn them into U+FFFD). Backslashes occur only inside strings in
// JSON that the decoder accepts, so a plain scan is enough.
func checkSurrogateEscapes(data []byte) error {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if i+1 >= len(data) || data[i+1] != 'u' {
			i++ // skip the escaped character (may be another backslash)
			continue
		}
		r, ok := hex4(i)
		if !ok {
			return integrityErr("bad \\u escape")
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			r2, ok := hex4(i + 6)
			if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
				return integrityErr("lone surrogate in string")
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return integrityErr("lone surrogate in string")
		default:
			i += 5
		}
	}
	return nil
}

func parseStrictValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, integrityErr("invalid JSON: %v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxStrictJSONDepth {
			return nil, integrityErr("JSON nested too deeply")
		}
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, integrityErr("invalid JSON: %v", err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, integrityErr("invalid JSON object key")
				}
				if _, dup := m[k]; dup {
					return nil, integrityErr("duplicate member name %q", k)
				}
				if m[k], err = parseStrictValue(dec, depth+1); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, integrityErr("invalid JSON: %v", err)
			}
			return m, nil
		case '[':
			a := []any{}
			for dec.More() {
				x, err := parseStrictValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, x)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, integrityErr("invalid JSON: %v", err)
			}
			return a, nil
		}
		return nil, integrityErr("invalid JSON: unexpected %v", t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, integrityErr("number %s is not an IEEE 754 double", t)
		}
		return t, nil
	default: // nil, bool, string
		return t, nil
	}
}

// ---- RFC 8785 JSON Canonicalization Scheme ----

// jcs serialises a value (as parseStrictJSON returns, plus float64/int/map/slice values built in Go) per
// RFC 8785: no whitespace; object members sorted by the UTF-16 code units of their names (§3.2.3);
// strings with only the escapes of §3.2.2.2 (\" \\ \b \f \n \r \t, other controls as lower-case \u00xx,
// everything else literal UTF-8); numbers as ECMAScript Number.prototype.toString of the IEEE 754 double
// (§3.2.2.3), -0 as 0, NaN and infinities refused.
func jcs(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := jcsWrite(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func jcsWrite(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		jcsString(b, t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return integrityErr("number %s is not an IEEE 754 double", t)
		}
		return jcsNumber(b, f)
	case float64:
		return jcsNumber(b, t)
	case int:
		return jcsNumber(b, float64(t))
	case int64:
		return jcsNumber(b, float64(t))
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := jcsWrite(b, x); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			jcsString(b, x)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			jcsString(b, k)
			b.WriteByte(':')
			if err := jcsWrite(b, t[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return integrityErr("cannot canonicalise a %T", v)
	}
	return nil
}

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785 §3.2.3), which differs from UTF-8 byte
// order for characters above U+FFFF against U+E000–U+FFFF.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func jcsString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// jcsNumber writes f as ECMAScript's Number::toString (ECMA-262 §6.1.6.1.20) does, which RFC 8785
// §3.2.2.3 requires: the shortest digits that round-trip (strconv's shortest formatting yields the same
// digits), placed as an integer, a decimal or an exponent form depending on the decimal exponent.
func jcsNumber(b *bytes.Buffer, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return integrityErr("NaN or infinity cannot be canonicalised")
	}
	if f == 0 { // also -0
		b.WriteByte('0')
		return nil
	}
	if f < 0 {
		b.WriteByte('-')
		f = -f
	}
	// "d.ddddde±x": digits and exponent of the shortest round-tripping representation.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k := len(digits)
	n := x + 1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return nil
}

// ---- base58btc (Bitcoin alphabet), as multibase "z" uses ----

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	radix := big.NewInt(58)
	mod := new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.QuoRem(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	slices.Reverse(out)
	return string(out)
}

func base58Decode(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	n := new(big.Int)
	radix := big.NewInt(58)
	for i := 0; i < len(s); i++ {
		d := base58Index[s[i]]
		if d < 0 {
			return nil, false
		}
		n.Mul(n, radix)
		n.Add(n, big.NewInt(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), true
}
