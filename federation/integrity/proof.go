// Package integrity makes and checks object integrity proofs (FEP-8b32) with the Ed25519 keys actors
// publish as Multikey (FEP-521a), used for badge awards and task completions (DESIGN.md §4).
//
// Specifications followed:
//   - FEP-521a "Representing actor's public keys": an actor publishes Ed25519 keys in assertionMethod as
//     Multikey objects {id, type: "Multikey", controller, publicKeyMultibase} (federation.MultikeyDoc
//     writes them, AssertionKeyFromActor reads them).
//   - FEP-8b32 "Object Integrity Proofs": an object carries a "proof" made with the eddsa-jcs-2022
//     cryptosuite; the verification method's controller must be the object's actor / attributedTo /
//     issuer, and the key must be on that actor's origin.
//   - W3C Verifiable Credential Data Integrity 1.0 (DataIntegrityProof) and W3C Data Integrity EdDSA
//     Cryptosuites v1.0 §3.3 "eddsa-jcs-2022": JCS canonicalisation (jcs.go), SHA-256, Ed25519; the
//     proofValue is multibase base58btc (federation.EncodeMultibase).
package integrity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/federation"
)

const (
	// ProofType is the "type" of a W3C Data Integrity proof.
	ProofType = "DataIntegrityProof"
	// CryptosuiteEddsaJcs2022 is the W3C vc-di-eddsa cryptosuite FEP-8b32 uses: JCS, SHA-256, Ed25519.
	CryptosuiteEddsaJcs2022 = "eddsa-jcs-2022"
	// ProofPurposeAssertion is the only proof purpose accepted: FEP-8b32 proofs are made with keys
	// published in the actor's assertionMethod (FEP-521a).
	ProofPurposeAssertion = "assertionMethod"
)

// ErrProof is wrapped by every error of SignProof, VerifyProof, AssertionKeyFromActor and VerifyRecord, so
// callers can tell a bad proof or key from, say, a network error of resolve (errors returned by resolve are
// wrapped as they are, not as ErrProof).
var ErrProof = errors.New("integrity proof")

func proofErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProof, fmt.Sprintf(format, args...))
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
		return nil, "", proofErr("actor document is not a JSON object")
	}
	actorID, _ := actor["id"].(string)
	if actorID == "" {
		return nil, "", proofErr("actor document has no id")
	}
	var entries []any
	switch am := actor["assertionMethod"].(type) {
	case map[string]any:
		entries = []any{am}
	case []any:
		entries = am
	case nil:
		return nil, "", proofErr("actor %s has no assertionMethod", actorID)
	default:
		return nil, "", proofErr("actor %s: assertionMethod is neither an object nor an array", actorID)
	}
	for _, e := range entries {
		m, ok := e.(map[string]any)
		if !ok {
			continue // a reference by id; FEP-521a embeds the Multikey objects
		}
		if id, _ := m["id"].(string); id != keyID {
			continue
		}
		if !multikeyHasType(m["type"], federation.MultikeyType) {
			return nil, "", proofErr("key %s is not a Multikey", keyID)
		}
		ctrl, _ := m["controller"].(string)
		if ctrl != actorID {
			return nil, "", proofErr("key %s: controller %q is not the actor %q", keyID, ctrl, actorID)
		}
		mb, _ := m["publicKeyMultibase"].(string)
		pub, err := federation.ParseEd25519Multibase(mb)
		if err != nil {
			return nil, "", fmt.Errorf("%w: key %s: %w", ErrProof, keyID, err)
		}
		return pub, ctrl, nil
	}
	return nil, "", proofErr("actor %s has no assertionMethod %s", actorID, keyID)
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
		return nil, proofErr("not an Ed25519 private key")
	}
	if keyID == "" {
		return nil, proofErr("empty verification method")
	}
	v, err := parseStrictJSON(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, proofErr("document is not a JSON object")
	}
	if _, ok := obj["proof"]; ok {
		return nil, proofErr("document already has a proof (proof sets and chains are not supported)")
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
	out.ProofValue = federation.EncodeMultibase(ed25519.Sign(key, hash))

	var pb bytes.Buffer
	enc := json.NewEncoder(&pb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, proofErr("encode proof: %v", err)
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
// Every failure is an error wrapping ErrProof, except errors of resolve, which are returned wrapped
// as they are.
func VerifyProof(doc []byte, wantController string, resolve func(verificationMethod string) (ed25519.PublicKey, string, error)) error {
	v, err := parseStrictJSON(doc)
	if err != nil {
		return err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return proofErr("document is not a JSON object")
	}
	var proof map[string]any
	switch p := obj["proof"].(type) {
	case map[string]any:
		proof = p
	case nil:
		return proofErr("document has no proof")
	case []any:
		return proofErr("proof sets are not supported")
	default:
		return proofErr("proof is not an object")
	}
	if s, _ := proof["type"].(string); s != ProofType {
		return proofErr("proof type is not %s", ProofType)
	}
	if s, _ := proof["cryptosuite"].(string); s != CryptosuiteEddsaJcs2022 {
		return proofErr("cryptosuite is not %s", CryptosuiteEddsaJcs2022)
	}
	if s, _ := proof["proofPurpose"].(string); s != ProofPurposeAssertion {
		return proofErr("proofPurpose is not %s", ProofPurposeAssertion)
	}
	for _, f := range []string{"created", "expires"} {
		raw, ok := proof[f]
		if !ok {
			continue
		}
		s, _ := raw.(string)
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return proofErr("proof %s is not an RFC 3339 date-time", f)
		}
		if f == "expires" && time.Now().After(t) {
			return proofErr("proof expired at %s", s)
		}
	}
	vm, _ := proof["verificationMethod"].(string)
	if vm == "" {
		return proofErr("proof has no verificationMethod")
	}
	if wantController == "" {
		return proofErr("no expected controller")
	}
	if !federation.SameOrigin(vm, wantController) {
		return proofErr("verificationMethod %q is not on the origin of %q", vm, wantController)
	}
	pvStr, _ := proof["proofValue"].(string)
	sig, err := federation.DecodeMultibase(pvStr)
	if err != nil {
		return fmt.Errorf("%w: proofValue: %w", ErrProof, err)
	}
	if len(sig) != ed25519.SignatureSize {
		return proofErr("proofValue is not an Ed25519 signature")
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
			return proofErr("proof has an @context but the document has none")
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
			return proofErr("proof @context differs from the document's")
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
		return proofErr("verification method %s is not an Ed25519 key", vm)
	}
	if controller != wantController {
		return proofErr("key %s is controlled by %q, not %q", vm, controller, wantController)
	}
	if !ed25519.Verify(pub, hash, sig) {
		return proofErr("signature does not verify")
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
