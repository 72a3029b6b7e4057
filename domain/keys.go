package domain

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// RSAKeyBits is the size of every actor's signing key. Mastodon accepts only
// RSA signatures (rsa-sha256), and 2048 bits is what every peer expects.
const RSAKeyBits = 2048

// KeyPair is an actor's signing key as PEM text. The private half is stored
// apart from the actor and only read to sign.
type KeyPair struct {
	PublicPEM  string // PKIX "PUBLIC KEY", published in the actor document
	PrivatePEM string // PKCS#8 "PRIVATE KEY"
	// AssertionPublic and AssertionSeed are the actor's Ed25519 key for
	// signing records (FEP-521a assertionMethod, FEP-8b32 proofs).
	AssertionPublic []byte
	AssertionSeed   []byte
}

// GenerateKeyPair makes a new RSA-2048 key pair.
func GenerateKeyPair() (KeyPair, error) {
	k, err := rsa.GenerateKey(rand.Reader, RSAKeyBits)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate rsa key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return KeyPair{}, fmt.Errorf("marshal public key: %w", err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return KeyPair{}, fmt.Errorf("marshal private key: %w", err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return KeyPair{
		PublicPEM:       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		PrivatePEM:      string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})),
		AssertionPublic: edPub,
		AssertionSeed:   edPriv.Seed(),
	}, nil
}

// ParsePrivateKeyPEM parses a PKCS#8 (or PKCS#1) RSA private key.
func ParsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, fmt.Errorf("private key: no PEM block")
	}
	if b.Type == "RSA PRIVATE KEY" {
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key: not RSA")
	}
	return rk, nil
}
