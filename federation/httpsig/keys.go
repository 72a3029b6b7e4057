package httpsig

// Public keys of signers.

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
)

// ParsePublicKeyPEM parses the first PEM block of pemText: a PKIX "PUBLIC KEY" (what Mastodon, GoToSocial
// and snac publish as publicKeyPem) or a PKCS#1 "RSA PUBLIC KEY". It returns *rsa.PublicKey or
// ed25519.PublicKey. RSA keys smaller than MinRSABits or larger than MaxRSABits, other key types (ECDSA,
// ...) and encrypted blocks are refused. Errors match ErrBadSignature, since a bad key means the request
// cannot be authenticated.
func ParsePublicKeyPEM(pemText string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil {
		return nil, sigBad("no PEM block in public key")
	}
	if len(block.Headers) > 0 {
		return nil, sigBad("PEM block with headers (encrypted?) refused")
	}
	var pub crypto.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, sigBadWrap(err, "invalid PKIX public key")
		}
		pub = k
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, sigBadWrap(err, "invalid PKCS#1 public key")
		}
		pub = k
	default:
		return nil, sigBad("PEM block type %q is not a public key", block.Type)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return nil, sigBad("RSA key of %d bits is outside [%d, %d]", bits, MinRSABits, MaxRSABits)
		}
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	default:
		return nil, sigBad("unsupported public key type %T (only RSA and Ed25519)", pub)
	}
}
