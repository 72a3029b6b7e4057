package federation

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The W3C vc-di-eddsa key pair (w3c/vc-di-eddsa, TestVectors/keyPair.json).
const (
	vcPublicMultibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	vcSecretMultibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
	vcIssuer          = "https://vc.example/issuers/5678"
	vcKeyID           = vcIssuer + "#" + vcPublicMultibase
)

// vcKey decodes the vector's secretKeyMultibase: multicodec ed25519-priv (0x80 0x26) and the 32-byte seed.
func vcKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	b, err := DecodeMultibase(vcSecretMultibase)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2+ed25519.SeedSize || b[0] != 0x80 || b[1] != 0x26 {
		t.Fatalf("secretKeyMultibase is not an ed25519-priv multikey: %x", b)
	}
	return ed25519.NewKeyFromSeed(b[2:])
}

func TestMultibaseVCKeyPair(t *testing.T) {
	k := vcKey(t)
	pub := k.Public().(ed25519.PublicKey)
	if got := Ed25519Multibase(pub); got != vcPublicMultibase {
		t.Fatalf("public key of the vc-di-eddsa secret = %s, want %s", got, vcPublicMultibase)
	}
	back, err := ParseEd25519Multibase(vcPublicMultibase)
	if err != nil || !bytes.Equal(back, pub) {
		t.Fatalf("ParseEd25519Multibase = %x, %v", back, err)
	}
}

func TestMultibaseRoundTrip(t *testing.T) {
	for i := range 50 {
		seed := bytes.Repeat([]byte{byte(i)}, ed25519.SeedSize)
		if i == 1 {
			seed = make([]byte, ed25519.SeedSize)
		}
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		s := Ed25519Multibase(pub)
		if !strings.HasPrefix(s, "z6Mk") {
			t.Fatalf("%s does not start with z6Mk", s)
		}
		back, err := ParseEd25519Multibase(s)
		if err != nil || !bytes.Equal(back, pub) {
			t.Fatalf("round trip %x: %x, %v", pub, back, err)
		}
	}
	// All-zero and leading-zero keys exercise base58 leading '1's.
	for _, pub := range []ed25519.PublicKey{make([]byte, 32), append([]byte{0, 0}, bytes.Repeat([]byte{0xff}, 30)...)} {
		back, err := ParseEd25519Multibase(Ed25519Multibase(pub))
		if err != nil || !bytes.Equal(back, pub) {
			t.Fatalf("round trip %x: %x, %v", pub, back, err)
		}
	}
	if got := base58Encode([]byte{0, 0, 1}); got != "112" {
		t.Fatalf("base58Encode(00 00 01) = %q", got)
	}
	if got := base58Encode([]byte("hello world")); got != "StV1DL6CwTryKyV" {
		t.Fatalf("base58Encode(hello world) = %q", got)
	}
}

func TestMultibaseRejects(t *testing.T) {
	secretAsPublic := vcSecretMultibase
	for _, s := range []string{
		"",
		"z",
		"6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", // no multibase prefix
		"u7QF-", // base64url multibase
		"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0", // '0' is not base58
		"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  // short
		"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ22",
		secretAsPublic, // ed25519-priv header
		"z" + strings.Repeat("2", 300),
	} {
		if _, err := ParseEd25519Multibase(s); err == nil || !errors.Is(err, ErrMultibase) {
			t.Errorf("ParseEd25519Multibase(%q) = %v, want ErrMultibase", s, err)
		}
	}
}

func TestMultikeyDoc(t *testing.T) {
	pub := vcKey(t).Public().(ed25519.PublicKey)
	d := MultikeyDoc(vcKeyID, vcIssuer, pub)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"controller":"https://vc.example/issuers/5678","id":"` + vcKeyID + `","publicKeyMultibase":"` + vcPublicMultibase + `","type":"Multikey"}`
	if string(b) != want {
		t.Fatalf("MultikeyDoc = %s\nwant %s", b, want)
	}
}
