package federation

// Multikey (FEP-521a, W3C Controlled Identifiers 1.0 §2.2.2): how an actor publishes an Ed25519 key in
// its assertionMethod, and the multibase base58btc ("z") encoding that publicKeyMultibase and integrity
// proof values use. It is vocabulary: the actor documents of this package carry a Multikey, and
// federation/integrity reads them back when it verifies a proof.

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

const (
	// MultikeyType is the "type" of a FEP-521a / W3C Controlled Identifiers verification method.
	MultikeyType = "Multikey"

	// maxMultibaseLen bounds base58 input (decoding is quadratic); a 64-byte signature is 88 characters.
	maxMultibaseLen = 256
)

// ErrMultibase is wrapped by every error of DecodeMultibase and ParseEd25519Multibase.
var ErrMultibase = errors.New("federation: invalid multibase")

func multibaseErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMultibase, fmt.Sprintf(format, args...))
}

// multicodecEd25519Pub is the multicodec header (unsigned varint 0xed) of an ed25519-pub key.
var multicodecEd25519Pub = []byte{0xed, 0x01}

// Ed25519Multibase returns the publicKeyMultibase of an Ed25519 public key as FEP-521a and W3C Controlled
// Identifiers §2.2.2 (Multikey) define it: "z" (base58btc) followed by base58btc(0xed 0x01 || key). Every
// such value starts with "z6Mk".
func Ed25519Multibase(pub ed25519.PublicKey) string {
	return EncodeMultibase(append(slices.Clip(multicodecEd25519Pub), pub...))
}

// ParseEd25519Multibase decodes a FEP-521a / Multikey publicKeyMultibase: base58btc ("z" prefix) with the
// ed25519-pub multicodec header 0xed 0x01 and exactly 32 key bytes. Anything else is an error wrapping
// ErrMultibase.
func ParseEd25519Multibase(s string) (ed25519.PublicKey, error) {
	b, err := DecodeMultibase(s)
	if err != nil {
		return nil, err
	}
	if len(b) != len(multicodecEd25519Pub)+ed25519.PublicKeySize || !bytes.HasPrefix(b, multicodecEd25519Pub) {
		return nil, multibaseErr("publicKeyMultibase is not an ed25519-pub multikey")
	}
	return ed25519.PublicKey(b[len(multicodecEd25519Pub):]), nil
}

// EncodeMultibase returns b as a multibase base58btc string: "z" followed by the base58btc (Bitcoin
// alphabet) digits of b.
func EncodeMultibase(b []byte) string { return "z" + base58Encode(b) }

// DecodeMultibase decodes a multibase base58btc string ("z" prefix). Other multibase encodings, values
// longer than 256 characters and invalid digits are errors wrapping ErrMultibase.
func DecodeMultibase(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "z") {
		return nil, multibaseErr("not base58btc (no 'z' prefix)")
	}
	if len(s) > maxMultibaseLen {
		return nil, multibaseErr("too long")
	}
	b, ok := base58Decode(s[1:])
	if !ok {
		return nil, multibaseErr("invalid base58btc")
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
