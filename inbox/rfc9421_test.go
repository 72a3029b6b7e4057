package inbox_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/inbox"
)

// sig9421 describes an RFC 9421 signature made by a test, with its signature base written out here
// by hand (not by httpsig), so that the inbox is checked against the RFC and not against itself.
type sig9421 struct {
	components []string          // default: @method @target-uri content-digest content-type (Mastodon 4.5, Fedify)
	created    time.Time         // default: the rig's clock
	extra      string            // more parameters, e.g. `;alg="rsa-v1_5-sha256"`
	digestOf   []byte            // the body the Content-Digest is of; default: the body sent
	noSig      bool              // send Signature-Input without its Signature
	header     map[string]string // headers added after signing
	multikey   bool              // sign with the actor's Ed25519 assertionMethod key instead of its RSA key
}

// signed9421 builds an inbox request to https://node.test/inbox for body, signed by a per s.
func (r *rig) signed9421(a *remoteActor, body []byte, s sig9421) inbox.Request {
	r.t.Helper()
	comps := s.components
	if comps == nil {
		comps = []string{"@method", "@target-uri", "content-digest", "content-type"}
	}
	created := s.created
	if created.IsZero() {
		created = r.now
	}
	digestOf := s.digestOf
	if digestOf == nil {
		digestOf = body
	}
	sum := sha256.Sum256(digestOf)
	h := http.Header{}
	h.Set("Content-Type", "application/activity+json")
	h.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	h.Set("Date", r.now.UTC().Format(http.TimeFormat))
	quoted := make([]string, len(comps))
	var base strings.Builder
	for k, c := range comps {
		quoted[k] = `"` + c + `"`
		base.WriteString(`"` + c + `": `)
		switch c {
		case "@method":
			base.WriteString("POST")
		case "@target-uri":
			base.WriteString("https://node.test/inbox")
		case "@authority":
			base.WriteString("node.test")
		case "@path":
			base.WriteString("/inbox")
		default:
			base.WriteString(h.Get(c))
		}
		base.WriteString("\n")
	}
	keyID := a.keyID
	if s.multikey {
		keyID = federation.AssertionKeyID(a.id)
	}
	params := "(" + strings.Join(quoted, " ") + ");created=" + strconv.FormatInt(created.Unix(), 10) + `;keyid="` + keyID + `"` + s.extra
	base.WriteString(`"@signature-params": ` + params)
	h.Set("Signature-Input", "sig1="+params)
	sig := signString(a.key, base.String())
	if s.multikey {
		sig = base64.StdEncoding.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(a.edSeed), []byte(base.String())))
	}
	if !s.noSig {
		h.Set("Signature", "sig1=:"+sig+":")
	}
	for k, v := range s.header {
		h.Set(k, v)
	}
	return inbox.Request{Method: "POST", Path: "/inbox", Header: h, Body: body}
}

func TestRFC9421FollowIsAccepted(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		s    sig9421
	}{
		{"@method @target-uri content-digest content-type", sig9421{}},
		{"alg rsa-v1_5-sha256", sig9421{extra: `;alg="rsa-v1_5-sha256"`}},
		{"@authority @path content-digest", sig9421{components: []string{"@method", "@authority", "@path", "content-digest"}}},
		{"ed25519 with the actor's assertionMethod Multikey", sig9421{multikey: true, extra: `;alg="ed25519"`}},
		{"ed25519 Multikey without alg", sig9421{multikey: true}},
		{"created a minute ago, expires in four", sig9421{created: time.Date(2026, 11, 28, 15, 18, 59, 0, time.UTC),
			extra: ";expires=" + strconv.FormatInt(time.Date(2026, 11, 28, 15, 23, 59, 0, time.UTC).Unix(), 10)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, fetch.Config{})
			bea := r.newRemote("https://study.test/users/bea")
			req := r.signed9421(bea, followBody("https://study.test/follows/1", bea.id), c.s)
			if err := r.inbox.Receive(ctx, req); err != nil {
				t.Fatalf("refused: %v", err)
			}
			if n := r.journalLen(); n != 1 {
				t.Fatalf("%d journal items, want 1", n)
			}
		})
	}
}

// TestRFC9421HostileRequestsAreRefused: each request is refused with 401 and leaves nothing in the
// journal; the error names the reason.
func TestRFC9421HostileRequestsAreRefused(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	mallory := r.newRemote("https://evil.test/users/mallory")
	alice := r.newRemote("https://good.test/users/alice")
	body := followBody("https://evil.test/follows/1", mallory.id)
	unix := func(d time.Duration) string { return strconv.FormatInt(r.now.Add(d).Unix(), 10) }
	cases := []struct {
		name string
		req  inbox.Request
		want string
	}{
		{"tampered body", r.signed9421(mallory, body, sig9421{digestOf: followBody("https://evil.test/follows/other", mallory.id)}),
			"Content-Digest sha-256 does not match the body"},
		{"content-digest not covered", r.signed9421(mallory, body, sig9421{components: []string{"@method", "@target-uri", "content-type"}}),
			"does not cover content-digest"},
		{"target not covered", r.signed9421(mallory, body, sig9421{components: []string{"@method", "content-digest"}}),
			"neither @target-uri nor @authority"},
		{"created too old", r.signed9421(mallory, body, sig9421{created: r.now.Add(-2 * time.Hour)}), "expired"},
		{"created in the future", r.signed9421(mallory, body, sig9421{created: r.now.Add(2 * time.Hour)}), "in the future"},
		{"expired", r.signed9421(mallory, body, sig9421{created: r.now.Add(-90 * time.Minute), extra: ";expires=" + unix(-80*time.Minute)}), "expired"},
		{"unknown alg", r.signed9421(mallory, body, sig9421{extra: `;alg="rsa-v9-sha1"`}), "refused for an RSA key"},
		{"alg not matching the RSA key", r.signed9421(mallory, body, sig9421{extra: `;alg="ed25519"`}), "refused for an RSA key"},
		{"label without Signature", r.signed9421(mallory, body, sig9421{noSig: true}), "without a Signature header"},
		{"label without its Signature", r.signed9421(mallory, body, sig9421{header: map[string]string{"Signature": "sig2=:AAAA:"}}),
			`label "sig1" has no Signature`},
		{"oversized Signature-Input", r.signed9421(mallory, body, sig9421{extra: `;nonce="` + strings.Repeat("n", 9000) + `"`}),
			"Signature-Input header of"},
		{"oversized Signature", r.signed9421(mallory, body, sig9421{header: map[string]string{"Signature": "sig1=:" + strings.Repeat("AAAA", 2100) + ":"}}),
			"Signature header of"},
		{"key owner is not the actor", r.signed9421(mallory, followBody("https://good.test/follows/2", alice.id), sig9421{}), "signed by"},
		{"Multikey owner is not the actor", r.signed9421(mallory, followBody("https://good.test/follows/3", alice.id), sig9421{multikey: true}), "signed by"},
		{"alg not matching the Ed25519 Multikey", r.signed9421(mallory, body, sig9421{multikey: true, extra: `;alg="rsa-v1_5-sha256"`}), "refused for an Ed25519 key"},
		{"Multikey signature over another body", r.signed9421(mallory, body, sig9421{multikey: true, digestOf: followBody("https://evil.test/follows/other", mallory.id)}), "does not match the body"},
	}
	// Both kinds on one request: RFC 9421 wins, so a valid draft-cavage request with a Signature-Input
	// added is refused (its Signature header is read as RFC 9421's), and so is a valid RFC 9421 request
	// that also carries Authorization: Signature.
	cavage := r.signed(mallory, body)
	cavage.Header.Set("Signature-Input", `sig1=("@method" "@target-uri" "content-digest");created=`+unix(0)+`;keyid="`+mallory.keyID+`"`)
	cases = append(cases, struct {
		name string
		req  inbox.Request
		want string
	}{"draft-cavage Signature with a Signature-Input", cavage, "not an RFC 9421 dictionary"})
	both := r.signed9421(mallory, body, sig9421{header: map[string]string{"Authorization": "Signature " + r.signed(mallory, body).Header.Get("Signature")}})
	cases = append(cases, struct {
		name string
		req  inbox.Request
		want string
	}{"RFC 9421 with Authorization: Signature", both, "send one"})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := r.inbox.Receive(ctx, c.req)
			r.expectRefused(c.req, 401, err)
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
	// The same request, untouched, is accepted: the cases above fail for their one change only.
	if err := r.inbox.Receive(ctx, r.signed9421(mallory, body, sig9421{})); err != nil {
		t.Fatalf("valid RFC 9421 request refused: %v", err)
	}
}
