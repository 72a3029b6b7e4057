package httpsig

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"
)

// The benchmarks come in pairs so that one run shows the overhead of the HTTP-signature layer over the
// raw RSA-2048 operation it wraps: BenchmarkVerifyRequest (and BenchmarkVerifyRequest9421) next to
// BenchmarkRawRSAVerify, and BenchmarkSignRequest (and BenchmarkSignRequest9421) next to
// BenchmarkRawRSASign. Each of the non-raw ones also reports the measured ratio as "x-raw" (no
// assertion on it: wall-clock numbers are not tested).

func hsBenchBody() []byte {
	b := bytes.Repeat([]byte(`{"type":"Note","content":"lesson"},`), 30) // ~1 KiB
	return b[:1024]
}

// hsRawVerifyNs measures one raw rsa.VerifyPKCS1v15 (SHA-256, RSA-2048), outside the benchmark timer.
func hsRawVerifyNs(b *testing.B, key *rsa.PrivateKey) float64 {
	b.StopTimer()
	defer b.StartTimer()
	h := sha256.Sum256([]byte("calibration"))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
	if err != nil {
		b.Fatal(err)
	}
	const n = 200
	start := time.Now()
	for range n {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
	return float64(time.Since(start).Nanoseconds()) / n
}

func hsRawSignNs(b *testing.B, key *rsa.PrivateKey) float64 {
	b.StopTimer()
	defer b.StartTimer()
	h := sha256.Sum256([]byte("calibration"))
	const n = 50
	start := time.Now()
	for range n {
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:]); err != nil {
			b.Fatal(err)
		}
	}
	return float64(time.Since(start).Nanoseconds()) / n
}

// BenchmarkVerifyRequest: Check + Verify of a signed POST with a 1 KiB body.
func BenchmarkVerifyRequest(b *testing.B) {
	key := hsTestKey()
	body := hsBenchBody()
	r, got := hsSignedPost(b, hsHost, "/users/course/inbox", body, hsNow)
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := Check(r, got, opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := Verify(r, p, &key.PublicKey, opt); err != nil {
			b.Fatal(err)
		}
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/hsRawVerifyNs(b, key), "x-raw")
}

// BenchmarkVerifyRequest9421: Check + Verify of the same POST signed with RFC 9421 (rsa-v1_5-sha256
// over @method @target-uri content-digest content-type, as Mastodon 4.5 and Fedify sign it).
func BenchmarkVerifyRequest9421(b *testing.B) {
	key := hsTestKey()
	body := hsBenchBody()
	r := hs9421Post(body)
	hs9421Sign(b, r, key, "sig1", hs9421Components+hs9421Params(hsNow, `;alg="rsa-v1_5-sha256"`))
	opt := VerifyOptions{Host: hsHost, Now: hsNow}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := Check(r, body, opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := Verify(r, p, &key.PublicKey, opt); err != nil {
			b.Fatal(err)
		}
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/hsRawVerifyNs(b, key), "x-raw")
}

// BenchmarkRawRSAVerify: rsa.VerifyPKCS1v15 of a SHA-256 hash, RSA-2048 (the floor for the above).
func BenchmarkRawRSAVerify(b *testing.B) {
	key := hsTestKey()
	h := sha256.Sum256(hsBenchBody())
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRequest: Sign (go-fed signer, Digest over a 1 KiB body) of a POST.
func BenchmarkSignRequest(b *testing.B) {
	key := hsTestKey()
	body := hsBenchBody()
	r, err := http.NewRequest(http.MethodPost, "https://node.test/users/course/inbox", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Sign(r, body, hsKeyID, key, hsNow); err != nil {
			b.Fatal(err)
		}
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/hsRawSignNs(b, key), "x-raw")
}

// BenchmarkSignRequest9421: Sign9421 (Content-Digest over a 1 KiB body, rsa-v1_5-sha256 over @method
// @target-uri content-digest) of the same POST, as the outbox signs its first knock.
func BenchmarkSignRequest9421(b *testing.B) {
	key := hsTestKey()
	body := hsBenchBody()
	r, err := http.NewRequest(http.MethodPost, "https://node.test/users/course/inbox", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Sign9421(r, body, hsKeyID, key, hsNow); err != nil {
			b.Fatal(err)
		}
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/hsRawSignNs(b, key), "x-raw")
}

// BenchmarkRawRSASign: rsa.SignPKCS1v15 of a SHA-256 hash, RSA-2048.
func BenchmarkRawRSASign(b *testing.B) {
	key := hsTestKey()
	h := sha256.Sum256(hsBenchBody())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}
