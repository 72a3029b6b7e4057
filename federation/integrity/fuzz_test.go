package integrity

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"
)

// FuzzVerifyProof signs the fuzzed document (when it is a JSON object SignProof accepts), mutates one byte
// of the signed bytes, and checks that VerifyProof never panics, always accepts the unmutated document,
// and accepts a mutated one only if it is canonically (RFC 8785) the same document — i.e. only whitespace
// or an equivalent spelling of a string or number changed. The raw input is also verified as it is.
//
// mode%4: 0 replace the byte at pos, 1 insert b at pos, 2 delete the byte at pos, 3 no change.
func FuzzVerifyProof(f *testing.F) {
	f.Add(proofTestNote(), uint(40), byte('x'), byte(0))
	f.Add([]byte(`{}`), uint(0), byte(' '), byte(1))
	f.Add([]byte(`{"a":[1,2.5e3,"\u00e9",null,true,{"b":"c"}]}`), uint(7), byte('9'), byte(0))
	f.Add([]byte(vcUnsigned), uint(900), byte(0), byte(2))
	f.Add([]byte(vcSigned), uint(0), byte(0), byte(3))

	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	res := proofStaticResolver(proofTestKeyID, key.Public().(ed25519.PublicKey), proofTestActor)
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, doc []byte, pos uint, b byte, mode byte) {
		_ = VerifyProof(doc, proofTestActor, res) // must not panic

		signed, err := SignProof(doc, proofTestKeyID, key, created)
		if err != nil {
			return
		}
		if err := VerifyProof(signed, proofTestActor, res); err != nil {
			t.Fatalf("fresh proof does not verify: %v\n%s", err, signed)
		}
		mutated := append([]byte(nil), signed...)
		i := int(pos % uint(len(signed)))
		switch mode % 4 {
		case 0:
			mutated[i] = b
		case 1:
			mutated = append(mutated[:i], append([]byte{b}, mutated[i:]...)...)
		case 2:
			mutated = append(mutated[:i], mutated[i+1:]...)
		}
		if VerifyProof(mutated, proofTestActor, res) != nil {
			return
		}
		want, err1 := canonicalJCS(signed)
		got, err2 := canonicalJCS(mutated)
		if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
			t.Fatalf("changed document verified:\n%q\nwas\n%q", mutated, signed)
		}
	})
}

func canonicalJCS(doc []byte) ([]byte, error) {
	v, err := parseStrictJSON(doc)
	if err != nil {
		return nil, err
	}
	return jcs(v)
}
