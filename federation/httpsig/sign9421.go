package httpsig

// Signing outgoing requests with RFC 9421 HTTP Message Signatures.

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// sig9421Label is the label of the one signature Sign9421 writes, as Fedify and Mastodon 4.5 name it.
const sig9421Label = "sig1"

// Sign9421 signs an outgoing request with an RFC 9421 HTTP Message Signature, rsa-v1_5-sha256
// (RSASSA-PKCS1-v1_5 SHA-256), under the label "sig1".
//
// For every method other than GET and HEAD, and for a GET/HEAD with a non-empty body, it sets
// Content-Digest "sha-256=:<base64>:" (RFC 9530) over body and covers "@method" "@target-uri"
// "content-digest"; for a GET/HEAD without body it covers "@method" "@target-uri". The parameters are
// created (now, Unix seconds), keyid and alg="rsa-v1_5-sha256": created is what the verifiers' time
// window reads (Mastodon refuses a signature without it), and alg lets a verifier refuse a key of
// another type before hashing. body must be the exact bytes that will be sent; Sign9421 does not touch
// r.Body. It sets Date too (not covered: it only helps a peer's logs and clock checks).
//
// @target-uri is r.URL's scheme, host (r.Host when set, else r.URL.Host, i.e. what net/http sends) and
// the path as sent (r.URL.EscapedPath) with its query, as the node's own verifier rebuilds it
// (sigBase9421, which builds the base here too).
//
// The draft-cavage headers Sign writes (Digest, Signature, the explicit Host) are removed, and so are a
// previous Signature-Input and Content-Digest, so a request signed one way can be re-signed the other
// way (the double knock in outbox) or again before a retry and carries one signature only.
func Sign9421(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	host, err := sigCheckSigning(r, keyID, key)
	if err != nil {
		return fmt.Errorf("httpsig: sign RFC 9421: %w", err)
	}
	if r.URL.Scheme == "" {
		return errors.New("httpsig: sign RFC 9421: request URL has no scheme")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	for _, h := range []string{"Host", "Digest", "Signature", "Signature-Input", "Content-Digest"} {
		r.Header.Del(h)
	}
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))

	components := []string{"@method", "@target-uri"}
	if !sigBodyless(r.Method) || len(body) > 0 {
		sum := sha256.Sum256(body)
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
		components = append(components, "content-digest")
	}
	list := make([]sfItem, len(components))
	for i, c := range components {
		list[i] = sfItem{bare: sfBare{kind: sfString, str: c}}
	}
	params := []sfParam{
		{key: "created", val: sfBare{kind: sfInteger, num: now.Unix()}},
		{key: "keyid", val: sfBare{kind: sfString, str: keyID}},
		{key: "alg", val: sfBare{kind: sfString, str: sigAlgRSAv15SHA256}},
	}
	in := &Input{Label: sig9421Label, Components: components, SignatureParams: sfSerializeInnerList(list, params)}
	base, err := sigBase9421(r, in, VerifyOptions{Host: host, Scheme: r.URL.Scheme})
	if err != nil {
		return fmt.Errorf("httpsig: sign RFC 9421: %w", err)
	}
	h := sha256.Sum256(base)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
	if err != nil {
		return fmt.Errorf("httpsig: sign RFC 9421: %w", err)
	}
	r.Header.Set("Signature-Input", sig9421Label+"="+in.SignatureParams)
	r.Header.Set("Signature", sig9421Label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}

// sigCheckSigning is what Sign and Sign9421 ask of a request and key before signing: a request with a
// URL and a host (returned: r.Host, or r.URL.Host when r.Host is empty, i.e. what net/http will send),
// an RSA key of at least MinRSABits, and a keyId that can be written as a quoted string.
func sigCheckSigning(r *http.Request, keyID string, key *rsa.PrivateKey) (string, error) {
	if r == nil || r.URL == nil {
		return "", errors.New("nil request or URL")
	}
	if key == nil || key.N == nil {
		return "", errors.New("nil private key")
	}
	if bits := key.N.BitLen(); bits < MinRSABits {
		return "", fmt.Errorf("RSA key of %d bits is smaller than %d", bits, MinRSABits)
	}
	if err := sigCheckKeyID(keyID); err != nil {
		return "", err
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		return "", errors.New("request has no host")
	}
	return host, nil
}
