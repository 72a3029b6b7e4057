package federation_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/piprate/json-gold/ld"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// Strict consumers (issue 13) read the node's documents with a JSON-LD
// processor, not as plain JSON: a term no context defines is dropped, or
// turned into a blank-node property by the ActivityStreams "@vocab": "_:".
// These tests expand every document the node serves or sends with
// json-gold, loading the contexts from copies in testdata/contexts, never
// from the network.

// bundledContexts are the @context documents the node's documents name, by
// URL, and the file in testdata/contexts that holds each.
var bundledContexts = map[string]string{
	federation.NSActivityStreams:                   "activitystreams.jsonld",
	federation.NSSecurity:                          "security-v1.jsonld",
	federation.NSDataIntegrity:                     "data-integrity-v1.jsonld",
	federation.NSMultikey:                          "multikey-v1.jsonld",
	federation.OBContext:                           "openbadges-v2.jsonld",
	"https://www.w3.org/ns/activitystreams.jsonld": "activitystreams.jsonld",
}

// bundledLoader serves the bundled contexts and refuses every other URL:
// the test must never reach the network.
type bundledLoader struct{ dir string }

func (l bundledLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	name, ok := bundledContexts[u]
	if !ok {
		return nil, fmt.Errorf("context %s is not bundled", u)
	}
	b, err := os.ReadFile(filepath.Join(l.dir, name))
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// expand expands doc with the bundled contexts. SafeMode makes json-gold
// fail where it would drop a property that expands to no absolute IRI.
func expand(t *testing.T, doc []byte) []any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	opts := ld.NewJsonLdOptions("")
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.DocumentLoader = bundledLoader{dir: filepath.Join("testdata", "contexts")}
	opts.SafeMode = true
	out, err := ld.NewJsonLdProcessor().Expand(v, opts)
	if err != nil {
		t.Fatalf("expansion fails: %v", err)
	}
	return out
}

// absolute reports whether s is an absolute IRI: a scheme, then ':', and
// not a blank node.
func absolute(s string) bool {
	i := strings.Index(s, ":")
	return i > 0 && !strings.HasPrefix(s, "_:") && !strings.ContainsAny(s[:i], "/?#")
}

// checkExpanded walks an expanded document: every property and every type
// is an absolute IRI, and so is every node id. It returns how many
// properties (non-keyword keys) it saw.
func checkExpanded(t *testing.T, v any, path string) int {
	t.Helper()
	n := 0
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			n += checkExpanded(t, e, fmt.Sprintf("%s[%d]", path, i))
		}
	case map[string]any:
		if _, ok := x["@value"]; ok {
			if typ, ok := x["@type"].(string); ok && !absolute(typ) {
				t.Errorf("%s: value type %q is not an absolute IRI", path, typ)
			}
			return 0
		}
		for k, e := range x {
			switch k {
			case "@id":
				if s, _ := e.(string); !absolute(s) {
					t.Errorf("%s: @id %q is not an absolute IRI", path, e)
				}
			case "@type":
				for _, typ := range e.([]any) {
					if s, _ := typ.(string); !absolute(s) {
						t.Errorf("%s: @type %q is not an absolute IRI", path, typ)
					}
				}
			default:
				if !strings.HasPrefix(k, "@") {
					n++
					if !absolute(k) {
						t.Errorf("%s: property %q is not an absolute IRI", path, k)
					}
				}
				n += checkExpanded(t, e, path+"/"+k)
			}
		}
	}
	return n
}

// compactKeys counts the properties of a compact document: its keys but
// @context and the id and type aliases, with the keys of the objects they
// hold.
func compactKeys(v any) int {
	n := 0
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			n += compactKeys(e)
		}
	case map[string]any:
		for k, e := range x {
			if k == "@context" || k == "id" || k == "type" || strings.HasPrefix(k, "@") {
				continue
			}
			n += 1 + compactKeys(e)
		}
	}
	return n
}

// checkDocument expands doc and checks that it means what it says: no
// blank-node or relative property, type or id, and every property of the
// compact JSON is there after expansion (none silently dropped).
func checkDocument(t *testing.T, doc []byte) []any {
	t.Helper()
	out := expand(t, doc)
	var v any
	json.Unmarshal(doc, &v)
	if got, want := checkExpanded(t, out, ""), compactKeys(v); got != want {
		e, _ := json.MarshalIndent(out, "", "  ")
		t.Errorf("%d properties in the document, %d after expansion:\n%s", want, got, e)
	}
	return out
}

// TestDocumentsExpand: every golden document of federation, service and web (each
// of them is what the builders and use cases make, checked by their golden
// tests: actors of each type, notes, tasks, collections and pages,
// activities, completions, awards, Open Badges documents) expands with no
// property, type or id that is a blank node or relative, and loses no
// property.
func TestDocumentsExpand(t *testing.T) {
	var files []string
	for _, dir := range []string{filepath.Join("testdata", "golden"), filepath.Join("..", "service", "testdata", "golden"),
		filepath.Join("..", "web", "testdata", "golden")} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 0 {
			t.Fatalf("no documents in %s", dir)
		}
		files = append(files, fs...)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// web's goldens write the test server's origin as BASE.
			b = bytes.ReplaceAll(b, []byte(`"BASE/`), []byte(`"https://node.test/`))
			var top map[string]any
			if err := json.Unmarshal(b, &top); err != nil {
				t.Fatal(err)
			}
			// An object recorded without @context is a part (a Note, a
			// Multikey) checked where a document embeds it.
			if _, ok := top["@context"]; !ok {
				return
			}
			checkDocument(t, b)
		})
	}
}

// TestMultikeyHasItsController: the Multikey of an actor's assertionMethod
// keeps its controller and its publicKeyMultibase once expanded, as the
// IRIs of the Controlled Identifiers vocabulary, so a consumer can tie the
// Ed25519 key to the actor.
func TestMultikeyHasItsController(t *testing.T) {
	urls, err := federation.NewURLs("https://node.test")
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	actorID := urls.Actor(domain.ActorPerson, "ada")
	a, err := federation.Documents{URLs: urls, Sanitizer: federation.NewSanitizer()}.Person(&domain.Person{Handle: "ada",
		PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAx\n-----END PUBLIC KEY-----\n", AssertionKey: pub})
	if err != nil {
		t.Fatal(err)
	}
	out := checkDocument(t, a)
	actor := out[0].(map[string]any)
	keys, _ := actor["https://w3id.org/security#assertionMethod"].([]any)
	if len(keys) != 1 {
		t.Fatalf("assertionMethod expands to %v", actor["https://w3id.org/security#assertionMethod"])
	}
	key := keys[0].(map[string]any)
	if key["@id"] != federation.AssertionKeyID(actorID) {
		t.Errorf("the key's id is %v", key["@id"])
	}
	if c, _ := key["https://w3id.org/security#controller"].([]any); len(c) != 1 || c[0].(map[string]any)["@id"] != actorID {
		t.Errorf("the key's controller expands to %v, not the actor %s", key["https://w3id.org/security#controller"], actorID)
	}
	if m, _ := key["https://w3id.org/security#publicKeyMultibase"].([]any); len(m) != 1 || m[0].(map[string]any)["@value"] != federation.Ed25519Multibase(pub) {
		t.Errorf("the key's publicKeyMultibase expands to %v", key["https://w3id.org/security#publicKeyMultibase"])
	}
}

// proofOf returns the DataIntegrityProof an expanded record carries, as a
// JSON-LD consumer finds it: in the graph of its security#proof.
func proofOf(t *testing.T, out []any) map[string]any {
	t.Helper()
	rec := out[0].(map[string]any)
	graphs, _ := rec["https://w3id.org/security#proof"].([]any)
	if len(graphs) != 1 {
		t.Fatalf("no security#proof in the expanded record: %v", rec)
	}
	nodes, _ := graphs[0].(map[string]any)["@graph"].([]any)
	if len(nodes) != 1 {
		t.Fatalf("the proof is not a graph of one node: %v", graphs[0])
	}
	p := nodes[0].(map[string]any)
	if typ, _ := p["@type"].([]any); len(typ) != 1 || typ[0] != "https://w3id.org/security#DataIntegrityProof" {
		t.Fatalf("the proof's type is %v", p["@type"])
	}
	return p
}

// signedRecord is a record the node signs (a completion record, an award
// note), signed as the node signs it, with its signer and the signer's
// assertion key.
type signedRecord struct {
	json   []byte
	signer string
	pub    ed25519.PublicKey
}

// signedRecords signs a completion record and an award note as the node
// does (integrity.SignRecord, the builders of the use cases).
func signedRecords(t *testing.T) map[string]signedRecord {
	t.Helper()
	urls, err := federation.NewURLs("https://node.test")
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{5}, ed25519.SeedSize)
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	learner, course := urls.Actor(domain.ActorPerson, "ada"), urls.Actor(domain.ActorCourse, "course")
	completion := federation.CompletionObject(&domain.Completion{ID: urls.Path("/completions/1"), Learner: learner,
		Task: "https://remote.test/courses/g/tasks/t1", Evidence: "https://code.test/ada/loop", Note: "Done.", At: at})
	p := &domain.Post{ID: "1", URI: urls.Path("/notes/1"), URL: urls.Path("/notes/1"), Author: course, Published: at, Content: "<p>ada earned a badge</p>"}
	award := federation.Documents{URLs: urls}.StandaloneNote(p, federation.PublicAddress(course+"/followers", nil), nil)
	award.OpenBadge = urls.Path("/awards/1")
	out := map[string]signedRecord{}
	for name, rec := range map[string]struct {
		doc    any
		signer string
	}{"completion": {completion, learner}, "award note": {award, course}} {
		signed, err := integrity.SignRecord(rec.doc, rec.signer, seed, at)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = signedRecord{json: signed, signer: rec.signer, pub: pub}
	}
	return out
}

// TestSignedRecordsExpandWithTheirProofs: a completion record and an award
// note, signed as the node signs them, verify on their bytes as sent, and a
// JSON-LD consumer finds their proof (type, verification method, purpose,
// value) with every term defined.
func TestSignedRecordsExpandWithTheirProofs(t *testing.T) {
	for name, rec := range signedRecords(t) {
		t.Run(name, func(t *testing.T) {
			if err := integrity.VerifyProof(rec.json, rec.signer, keyOf(rec.signer, rec.pub)); err != nil {
				t.Fatalf("the signed record does not verify: %v", err)
			}
			proof := proofOf(t, checkDocument(t, rec.json))
			for _, k := range []string{"https://w3id.org/security#verificationMethod", "https://w3id.org/security#proofPurpose",
				"https://w3id.org/security#proofValue", "https://w3id.org/security#cryptosuite", "http://purl.org/dc/terms/created"} {
				if proof[k] == nil {
					t.Errorf("the expanded proof has no %s: %v", k, proof)
				}
			}
			if vm, _ := proof["https://w3id.org/security#verificationMethod"].([]any); len(vm) != 1 || vm[0].(map[string]any)["@id"] != federation.AssertionKeyID(rec.signer) {
				t.Errorf("the proof's verification method expands to %v", proof["https://w3id.org/security#verificationMethod"])
			}
			if pp, _ := proof["https://w3id.org/security#proofPurpose"].([]any); len(pp) != 1 || pp[0].(map[string]any)["@id"] != "https://w3id.org/security#assertionMethod" {
				t.Errorf("the proof's purpose expands to %v", proof["https://w3id.org/security#proofPurpose"])
			}
		})
	}
}

// TestProofsVerifyAfterCompaction: a JSON-LD consumer that expands a
// signed record and compacts it back with the record's own @context gets
// the terms and values the proof covers, and the proof verifies on that
// compacted record with the node's verifier. The term definitions survive
// (proof and its terms are those of the Data Integrity context, created
// is an xsd:dateTime that compacts back to the same string), and so does
// the proof's @context, which compaction drops: vc-di-eddsa takes the
// document's @context for the proof's when the proof has none.
//
// One difference is inherent to eddsa-jcs-2022, which signs the JSON as
// JCS (RFC 8785) canonicalises it, not the RDF graph: compaction writes a
// one-item array of a term that has no "@container": "@set" (ActivityStreams'
// to and cc) as its one value, "to": "…#Public" for "to": ["…#Public"].
// Both are the same graph, but not the same JSON. So before verifying, the
// compacted record gets back the array form the signed one had
// (sameArrays), and nothing else is changed: any other difference in terms
// or values fails the signature.
func TestProofsVerifyAfterCompaction(t *testing.T) {
	for name, rec := range signedRecords(t) {
		t.Run(name, func(t *testing.T) {
			var signed map[string]any
			if err := json.Unmarshal(rec.json, &signed); err != nil {
				t.Fatal(err)
			}
			opts := ld.NewJsonLdOptions("")
			opts.ProcessingMode = ld.JsonLd_1_1
			opts.DocumentLoader = bundledLoader{dir: filepath.Join("testdata", "contexts")}
			compacted, err := ld.NewJsonLdProcessor().Compact(expand(t, rec.json), map[string]any{"@context": signed["@context"]}, opts)
			if err != nil {
				t.Fatalf("compaction fails: %v", err)
			}
			if _, ok := compacted["proof"].(map[string]any); !ok {
				t.Fatalf("the compacted record has no proof object: %v", compacted)
			}
			b, err := json.Marshal(sameArrays(compacted, signed))
			if err != nil {
				t.Fatal(err)
			}
			if err := integrity.VerifyProof(b, rec.signer, keyOf(rec.signer, rec.pub)); err != nil {
				t.Errorf("the proof does not verify on the compacted record: %v\nsigned:    %s\ncompacted: %s", err, rec.json, b)
			}
		})
	}
}

// sameArrays returns the compacted value v with each single value that is
// a one-item array in signed, at the same place, put back in its array.
func sameArrays(v, signed any) any {
	switch s := signed.(type) {
	case []any:
		a, ok := v.([]any)
		if !ok {
			if len(s) != 1 {
				return v
			}
			return []any{sameArrays(v, s[0])}
		}
		for i := range a {
			if i < len(s) {
				a[i] = sameArrays(a[i], s[i])
			}
		}
		return a
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, e := range m {
			if se, ok := s[k]; ok {
				m[k] = sameArrays(e, se)
			}
		}
		return m
	}
	return v
}

// TestStoredRecordsStillVerify: records signed before their @context
// defined proof (testdata/stored, signed then with the assertion key of
// seed 9) keep verifying on their own bytes: their proof covers the
// context they were signed with.
func TestStoredRecordsStillVerify(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	for file, signer := range map[string]string{"completion_2026.json": "https://node.test/people/ada", "award_note_2026.json": "https://node.test/courses/course"} {
		b, err := os.ReadFile(filepath.Join("testdata", "stored", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := integrity.VerifyProof(bytes.TrimSpace(b), signer, keyOf(signer, pub)); err != nil {
			t.Errorf("%s no longer verifies: %v", file, err)
		}
	}
}

// keyOf resolves the assertion key of actor to pub.
func keyOf(actor string, pub ed25519.PublicKey) func(string) (ed25519.PublicKey, string, error) {
	return func(vm string) (ed25519.PublicKey, string, error) {
		if vm != federation.AssertionKeyID(actor) {
			return nil, "", fmt.Errorf("unknown key %s", vm)
		}
		return pub, actor, nil
	}
}

// TestOpenBadgesDocumentsExpand: the Open Badges 2.0 documents of an award
// (its Issuer Profile, BadgeClass and Assertion, revoked or not, with
// evidence) expand under the Open Badges context with every term defined.
func TestOpenBadgesDocumentsExpand(t *testing.T) {
	issued := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	assertion := federation.NewAssertion("https://node.test/awards/1", "https://node.test/badges/1", "https://node.test/people/ada", issued,
		[]federation.OBEvidence{{ID: "https://code.test/ada/loop", Name: "Loops", Narrative: "Wrote a loop."}})
	assertion.Image = "https://node.test/badges/1/image.png"
	revoked := assertion
	revoked.Revoked, revoked.RevocationReason = true, "Copied."
	badge := federation.NewBadgeClass("https://node.test/badges/1", "Looper", "Writes loops.", "https://node.test/badges/1/image.png",
		"https://node.test/courses/go/tasks", "Complete the loop tasks.", "https://node.test/issuers/course/go")
	badge.Tags = []string{"go"}
	issuer := federation.NewIssuer("https://node.test/issuers/course/go", "Go", "https://node.test/courses/go", "Learn Go.")
	for name, doc := range map[string]any{"assertion": assertion, "revoked assertion": revoked, "badge class": badge, "issuer": issuer} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			checkDocument(t, b)
		})
	}
}
