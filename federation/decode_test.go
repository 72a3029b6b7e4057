package federation

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// decTestNow is the capture time of the fixtures (their dates must not be treated as future).
var decTestNow = time.Date(2026, 11, 28, 16, 0, 0, 0, time.UTC)

const (
	decTestGTSAlice  = "https://gts.test/users/alice"
	decTestSnacAlice = "https://snac.test/alice"
	decTestCourse    = "https://node.test/users/course"
)

// decTestFixture reads a fixture file as a generic map.
func decTestFixture(t testing.TB, rel string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", rel))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return m
}

// decTestBody returns the exact raw body of an inbound POST (request.body_base64) or of a fetched
// document (response.body_base64).
func decTestBody(t testing.TB, rel string) []byte {
	t.Helper()
	m := decTestFixture(t, rel)
	for _, k := range []string{"request", "response"} {
		part, _ := m[k].(map[string]any)
		if s, ok := part["body_base64"].(string); ok && s != "" {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s: no body_base64", rel)
	return nil
}

// decTestInboundPOSTs lists the inbound-*.json fixtures that are POSTs with a body.
func decTestInboundPOSTs(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, server := range []string{"gotosocial", "snac"} {
		files, err := filepath.Glob(filepath.Join("..", "testdata", "fixtures", server, "inbound-*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel := filepath.Join(server, filepath.Base(f))
			req, _ := decTestFixture(t, rel)["request"].(map[string]any)
			if req["method"] == "POST" {
				out = append(out, rel)
			}
		}
	}
	if len(out) < 30 {
		t.Fatalf("only %d inbound POST fixtures found", len(out))
	}
	return out
}

func decTestHasMention(tags []Tag, href string) bool {
	return slices.ContainsFunc(tags, func(tg Tag) bool { return tg.Type == "Mention" && tg.Href == href })
}

func TestDecodeActivityFixtures(t *testing.T) {
	for _, rel := range decTestInboundPOSTs(t) {
		t.Run(rel, func(t *testing.T) {
			body := decTestBody(t, rel)
			a, err := DecodeActivityAt(body, decTestNow)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, body)
			}
			if !bytes.Equal(a.Raw, body) {
				t.Fatal("Raw is not the exact received bytes")
			}
			bj, _ := decTestFixture(t, rel)["body_json"].(map[string]any)
			if a.ID != bj["id"] || a.Type != bj["type"] {
				t.Fatalf("id/type = %q/%q, body_json has %v/%v", a.ID, a.Type, bj["id"], bj["type"])
			}
			if len(a.Context) == 0 {
				t.Error("@context not kept")
			}
			server, name := filepath.Dir(rel), strings.TrimSuffix(strings.TrimPrefix(filepath.Base(rel), "inbound-"), ".json")
			alice := decTestGTSAlice
			if server == "snac" {
				alice = decTestSnacAlice
			}
			if name == "flag" {
				alice = "https://gts.test/users/gts.test"
			}
			if a.Actor != alice {
				t.Errorf("Actor = %q, want %q", a.Actor, alice)
			}
			o := a.Object
			if o == nil {
				t.Fatal("Object is nil")
			}
			noteIRI := func(s string) bool { return strings.HasPrefix(s, decTestCourse+"/notes/") }
			switch name {
			case "follow":
				decTestWant(t, a.Type == "Follow" && o.IsLink && o.ID == decTestCourse, "follow: %+v", o)
			case "undo-follow":
				decTestWant(t, a.Type == "Undo" && !o.IsLink && o.Type == "Follow" && o.Actor == alice &&
					o.Object == decTestCourse && o.ID != "" && len(o.Raw) > 0, "undo-follow: %+v", o)
			case "accept-follow":
				decTestWant(t, a.Type == "Accept" && o.Type == "Follow" && o.Actor == decTestCourse &&
					o.Object == alice && strings.HasPrefix(o.ID, decTestCourse+"/follows/"), "accept-follow: %+v", o)
				decTestWant(t, slices.Equal(a.To, []string{decTestCourse}), "accept to: %v", a.To)
			case "announce", "like":
				decTestWant(t, o.IsLink && noteIRI(o.ID), "%s object: %+v", name, o)
				if name == "announce" {
					decTestWant(t, !a.Published.IsZero(), "announce published is zero")
				}
			case "undo-announce", "undo-like":
				want := map[string]string{"undo-announce": "Announce", "undo-like": "Like"}[name]
				decTestWant(t, a.Type == "Undo" && o.Type == want && o.Actor == alice && noteIRI(o.Object),
					"%s: %+v", name, o)
			case "delete-note":
				decTestWant(t, a.Type == "Delete" && o.ID != "", "delete: %+v", o)
				if server == "gotosocial" {
					decTestWant(t, o.IsLink && strings.HasPrefix(o.ID, alice+"/statuses/"), "GTS delete is a bare IRI: %+v", o)
				} else {
					decTestWant(t, !o.IsLink && o.Type == "Tombstone" && strings.HasPrefix(o.ID, alice+"/p/"), "snac delete is a Tombstone: %+v", o)
				}
			case "update-person":
				decTestWant(t, a.Type == "Update" && o.Type == "Person" && o.ID == a.Actor && o.Name == "Alice Learner",
					"update-person: %+v", o)
			case "update-note":
				decTestWant(t, a.Type == "Update" && o.Type == "Note" && strings.Contains(o.Content, "(edited)") &&
					!o.Updated.IsZero() && noteIRI(o.InReplyTo), "update-note: %+v", o)
			case "flag":
				decTestWant(t, a.Type == "Flag" && len(o.Objects) == 2 && o.Objects[0] == decTestCourse &&
					noteIRI(o.Objects[1]) && o.ID == decTestCourse && o.IsLink, "flag objects: %+v", o)
				decTestWant(t, strings.Contains(a.Content, "spam"), "flag comment: %q", a.Content)
			default:
				if !strings.HasPrefix(name, "create-") {
					t.Fatalf("no expectations for %s", name)
				}
				decTestWant(t, a.Type == "Create" && o.Type == "Note" && o.AttributedTo == alice &&
					strings.HasPrefix(o.ID, alice) && o.Content != "" && !o.Published.IsZero() && o.URL != "",
					"create: %+v", o)
				if server == "snac" {
					decTestWant(t, strings.HasSuffix(o.Context, "#ctxt"), "snac context: %q", o.Context)
				}
				pub := slices.Contains(o.To, decPublicIRI) || slices.Contains(o.CC, decPublicIRI)
				switch name {
				case "create-reply", "create-reply-done-hashtag-link", "create-reply-with-image":
					decTestWant(t, noteIRI(o.InReplyTo), "reply inReplyTo: %q", o.InReplyTo)
					decTestWant(t, decTestHasMention(o.Tags, decTestCourse), "reply mention tags: %+v", o.Tags)
					decTestWant(t, slices.Contains(o.To, decPublicIRI) && slices.Contains(a.To, decPublicIRI),
						"reply to: %v / %v", o.To, a.To)
				case "create-mention":
					decTestWant(t, pub && decTestHasMention(o.Tags, decTestCourse) && o.InReplyTo == "", "mention: %+v", o)
				case "create-direct":
					decTestWant(t, !pub && slices.Equal(o.To, []string{decTestCourse}) && decTestHasMention(o.Tags, decTestCourse),
						"direct: to=%v cc=%v", o.To, o.CC)
				case "create-followers-only":
					decTestWant(t, !pub && slices.Equal(o.To, []string{alice + "/followers"}), "followers-only: %v", o.To)
				case "create-public-to-follower":
					decTestWant(t, pub && len(o.Tags) == 0, "public: %+v", o)
					if server == "gotosocial" { // compacted "cc": "…" string
						decTestWant(t, slices.Equal(o.CC, []string{alice + "/followers"}), "GTS compacted cc: %v", o.CC)
					}
				}
				if name == "create-reply-done-hashtag-link" || name == "create-reply-with-image" {
					decTestWant(t, slices.ContainsFunc(o.Tags, func(tg Tag) bool { return tg.Type == "Hashtag" && tg.Name == "#done" }),
						"hashtag: %+v", o.Tags)
				}
				if name == "create-reply-with-image" {
					decTestWant(t, len(o.Attachments) == 1 && o.Attachments[0].MediaType == "image/png" &&
						strings.HasPrefix(o.Attachments[0].URL, "https://") &&
						o.Attachments[0].Name == "screenshot of my finished exercise", "attachments: %+v", o.Attachments)
				}
			}
		})
	}
}

func decTestWant(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

func TestDecodeActivityGTSCompactedTo(t *testing.T) {
	// GoToSocial's create-reply has "to": "<Public>" (a string, not an array) and "tag": {…}.
	body := decTestBody(t, "gotosocial/inbound-create-reply.json")
	if !bytes.Contains(body, []byte(`"to":"https://www.w3.org/ns/activitystreams#Public"`)) {
		t.Fatal("fixture changed: expected a compacted to")
	}
	a, err := DecodeActivityAt(body, decTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.To, []string{decPublicIRI}) || !slices.Equal(a.Object.To, []string{decPublicIRI}) {
		t.Fatalf("to = %v / %v", a.To, a.Object.To)
	}
	if len(a.Object.Tags) != 1 || a.Object.Tags[0] != (Tag{Type: "Mention", Href: decTestCourse, Name: "@course@node.test"}) {
		t.Fatalf("tags = %+v", a.Object.Tags)
	}
}

func TestDecodeActivityRawIsCopy(t *testing.T) {
	body := decTestBody(t, "gotosocial/inbound-follow.json")
	buf := bytes.Clone(body)
	a, err := DecodeActivityAt(buf, decTestNow)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf { // a reused request buffer (fiber)
		buf[i] = 'x'
	}
	if !bytes.Equal(a.Raw, body) {
		t.Fatal("Raw aliases the caller's buffer")
	}
}

// decTestAct builds a minimal activity with extra members spliced in (raw JSON text).
func decTestAct(extra string) []byte {
	s := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.test/act/1","type":"Create","actor":"https://a.test/u/alice"`
	if extra != "" {
		s += "," + extra
	}
	return []byte(s + "}")
}

func TestDecodeActivityHostile(t *testing.T) {
	note := `"object":{"id":"https://a.test/n/1","type":"Note","attributedTo":"https://a.test/u/alice","content":"hi"}`
	cases := []struct {
		name string
		body []byte
		want error // nil: must decode
	}{
		{"baseline", decTestAct(note), nil},
		{"O16 id and ID", []byte(`{"id":"https://a.test/1","ID":"https://evil.test/1","type":"Follow","actor":"https://a.test/u"}`), ErrAmbiguousKey},
		{"O16 ID alone", []byte(`{"ID":"https://evil.test/1","type":"Follow","actor":"https://a.test/u"}`), ErrAmbiguousKey},
		{"O16 duplicate actor", decTestAct(`"actor":"https://evil.test/u"`), ErrAmbiguousKey},
		{"O16 duplicate id", decTestAct(`"id":"https://evil.test/1"`), ErrAmbiguousKey},
		{"O16 Actor variant", decTestAct(`"Actor":"https://evil.test/u"`), ErrAmbiguousKey},
		{"O16 tO variant", decTestAct(`"tO":"https://evil.test/u"`), ErrAmbiguousKey},
		{"O16 embedded duplicate attributedTo", decTestAct(`"object":{"id":"https://a.test/n/1","attributedTo":"https://a.test/u/alice","attributedTo":"https://evil.test/u"}`), ErrAmbiguousKey},
		{"O16 embedded case variant", decTestAct(`"object":{"id":"https://a.test/n/1","Id":"https://evil.test/n/1"}`), ErrAmbiguousKey},
		{"O16 escaped duplicate id", decTestAct(`"\u0069d":"https://evil.test/1"`), ErrAmbiguousKey},
		{"O16 escaped variant", decTestAct(`"\u0041ctor":"https://evil.test/1"`), ErrAmbiguousKey},
		{"O16 duplicate unknown key", decTestAct(`"foo":1,"foo":2`), ErrAmbiguousKey},
		{"O16 tag duplicate href", decTestAct(`"object":{"id":"https://a.test/n/1","tag":{"type":"Mention","href":"https://a.test/u","href":"https://evil.test/u"}}`), ErrAmbiguousKey},
		{"O17 two actors", []byte(`{"id":"https://a.test/1","type":"Like","actor":["https://a.test/u","https://evil.test/u"]}`), ErrMultiValued},
		{"O17 actor objects", []byte(`{"id":"https://a.test/1","type":"Like","actor":[{"id":"https://a.test/u"},{"id":"https://b.test/u"}]}`), ErrMultiValued},
		{"O17 two attributedTo", decTestAct(`"object":{"id":"https://a.test/n/1","attributedTo":["https://a.test/u/alice","https://evil.test/u"]}`), ErrMultiValued},
		{"O17 same actor twice is one", []byte(`{"id":"https://a.test/1","type":"Like","actor":["https://a.test/u","https://a.test/u"]}`), nil},
		{"O17 embedded actor object", []byte(`{"id":"https://a.test/1","type":"Like","actor":{"type":"Person","id":"https://a.test/u"}}`), nil},
		{"embedded actor without id", []byte(`{"id":"https://a.test/1","type":"Like","actor":{"type":"Person"}}`), ErrInvalidDocument},
		{"P8 missing id", []byte(`{"type":"Follow","actor":"https://a.test/u","object":"https://b.test/c"}`), ErrNoID},
		{"P8 empty id", []byte(`{"id":"","type":"Follow","actor":"https://a.test/u"}`), ErrNoID},
		{"P8 null id", []byte(`{"id":null,"type":"Follow","actor":"https://a.test/u"}`), ErrNoID},
		{"id not http", []byte(`{"id":"urn:uuid:1","type":"Follow","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"id relative", []byte(`{"id":"/act/1","type":"Follow","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"id with userinfo", []byte(`{"id":"https://evil.test@a.test/1","type":"Follow","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"id a number", []byte(`{"id":1,"type":"Follow","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"no actor", []byte(`{"id":"https://a.test/1","type":"Follow","object":"https://b.test/c"}`), ErrInvalidDocument},
		{"no type", []byte(`{"id":"https://a.test/1","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"P5 NUL in id", []byte(`{"id":"https://a.test/1\u0000x","type":"Follow","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"P5 NUL in actor", []byte(`{"id":"https://a.test/1","type":"Follow","actor":"https://a.test/u\u0000"}`), ErrInvalidDocument},
		{"P5 NUL in type", []byte(`{"id":"https://a.test/1","type":"Fol\u0000low","actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"P5 RTL override in actor", []byte(`{"id":"https://a.test/1","type":"Follow","actor":"https://a.test/u\u202e"}`), ErrInvalidDocument},
		{"P5 invalid UTF-8", []byte("{\"id\":\"https://a.test/1\",\"type\":\"Follow\",\"actor\":\"https://a.test/u\",\"content\":\"\xff\xfe\"}"), ErrInvalidDocument},
		{"P8 type one-element array", []byte(`{"id":"https://a.test/1","type":["Follow"],"actor":"https://a.test/u"}`), nil},
		{"P8 type unknown set", []byte(`{"id":"https://a.test/1","type":["Foo","Bar"],"actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"P8 type object", []byte(`{"id":"https://a.test/1","type":{"x":1},"actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"P8 type empty array", []byte(`{"id":"https://a.test/1","type":[],"actor":"https://a.test/u"}`), ErrInvalidDocument},
		{"object a number", decTestAct(`"object":42`), ErrInvalidDocument},
		{"object IRI not http", decTestAct(`"object":"javascript:alert(1)"`), ErrInvalidDocument},
		{"inReplyTo two values", decTestAct(`"object":{"id":"https://a.test/n/1","inReplyTo":["https://a.test/n/0","https://b.test/n/0"]}`), ErrMultiValued},
		{"top-level array", []byte(`[{"id":"https://a.test/1"}]`), ErrInvalidDocument},
		{"top-level string", []byte(`"https://a.test/1"`), ErrInvalidDocument},
		{"trailing value", append(decTestAct(""), []byte(` {"id":"https://evil.test/x"}`)...), ErrInvalidDocument},
		{"trailing garbage", append(decTestAct(""), 'x'), ErrInvalidDocument},
		{"empty", nil, ErrInvalidDocument},
		{"truncated", decTestAct("")[:40], ErrInvalidDocument},
		{"O15 LD signature ignored", decTestAct(`"signature":{"type":"RsaSignature2017","creator":"https://evil.test/k","signatureValue":"x"}`), nil},
		{"O15 odd @context ignored", []byte(`{"@context":{"id":"@type"},"id":"https://a.test/1","type":"Follow","actor":"https://a.test/u"}`), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := DecodeActivityAt(c.body, decTestNow)
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if a.Actor != "https://a.test/u" && a.Actor != "https://a.test/u/alice" {
					t.Fatalf("actor = %q", a.Actor)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestDecodeActivityTypeChoice(t *testing.T) {
	for in, want := range map[string]string{
		`"Create"`:                "Create",
		`["Create"]`:              "Create",
		`["Foo","Create"]`:        "Create",
		`["Note","Question"]`:     "Note",
		`["EmojiReact"]`:          "EmojiReact",
		`"EmojiReact"`:            "EmojiReact",
		`["Foo","Join","Create"]`: "Join",
	} {
		a, err := DecodeActivityAt([]byte(`{"id":"https://a.test/1","type":`+in+`,"actor":"https://a.test/u"}`), decTestNow)
		if err != nil || a.Type != want {
			t.Errorf("type %s → %v %v, want %q", in, a, err, want)
		}
	}
}

func TestDecodeActivityObjectShapes(t *testing.T) { // P8: IRI, object, array
	iri, err := DecodeActivityAt(decTestAct(`"object":"https://b.test/n/1"`), decTestNow)
	if err != nil || !iri.Object.IsLink || iri.Object.ID != "https://b.test/n/1" || iri.Object.Raw != nil {
		t.Fatalf("IRI: %+v %v", iri.Object, err)
	}
	obj, err := DecodeActivityAt(decTestAct(`"object":{"id":"https://b.test/n/1","type":"Note"}`), decTestNow)
	if err != nil || obj.Object.IsLink || obj.Object.ID != "https://b.test/n/1" || obj.Object.Type != "Note" ||
		string(obj.Object.Raw) != `{"id":"https://b.test/n/1","type":"Note"}` {
		t.Fatalf("object: %+v %v", obj.Object, err)
	}
	one, err := DecodeActivityAt(decTestAct(`"object":[{"id":"https://b.test/n/1","type":"Note"}]`), decTestNow)
	if err != nil || one.Object.IsLink || one.Object.Type != "Note" {
		t.Fatalf("one-element array: %+v %v", one.Object, err)
	}
	many, err := DecodeActivityAt(decTestAct(`"object":["https://b.test/u",{"id":"https://b.test/n/1","type":"Note"},{"type":"Note"}]`), decTestNow)
	if err != nil || !many.Object.IsLink || many.Object.ID != "https://b.test/u" ||
		!slices.Equal(many.Object.Objects, []string{"https://b.test/u", "https://b.test/n/1"}) {
		t.Fatalf("array: %+v %v", many.Object, err)
	}
	none, err := DecodeActivityAt(decTestAct(`"object":null`), decTestNow)
	if err != nil || none.Object != nil {
		t.Fatalf("null: %+v %v", none.Object, err)
	}
	// An embedded activity's object given as an embedded object → its id.
	und, err := DecodeActivityAt(decTestAct(`"object":{"id":"https://a.test/f/1","type":"Follow","actor":"https://a.test/u/alice","object":{"id":"https://b.test/c","type":"Group"}}`), decTestNow)
	if err != nil || und.Object.Object != "https://b.test/c" || und.Object.Actor != "https://a.test/u/alice" {
		t.Fatalf("embedded follow: %+v %v", und.Object, err)
	}
	// url: string, Link, array of Links (first http(s)).
	for in, want := range map[string]string{
		`"https://b.test/@x/1"`: "https://b.test/@x/1",
		`{"type":"Link","href":"https://b.test/l","mediaType":"text/html"}`:              "https://b.test/l",
		`[{"type":"Link","href":"magnet:?x"},{"type":"Link","href":"https://b.test/2"}]`: "https://b.test/2",
		`"javascript:alert(1)"`: "",
		`42`:                    "",
	} {
		a, err := DecodeActivityAt(decTestAct(`"object":{"id":"https://b.test/n/1","url":`+in+`}`), decTestNow)
		if err != nil || a.Object.URL != want {
			t.Errorf("url %s → %q (%v), want %q", in, a.Object.URL, err, want)
		}
	}
	// Compact Public forms.
	p, err := DecodeActivityAt(decTestAct(`"to":"as:Public","cc":["Public","not a url","https://a.test/u/alice/followers"]`), decTestNow)
	if err != nil || !slices.Equal(p.To, []string{decPublicIRI}) ||
		!slices.Equal(p.CC, []string{decPublicIRI, "https://a.test/u/alice/followers"}) {
		t.Fatalf("public forms: %v %v %v", p.To, p.CC, err)
	}
}

func TestDecodeActivityDepth(t *testing.T) { // P2
	deep := func(n int) []byte {
		return []byte(decTestAct(`"x":` + strings.Repeat("[", n) + strings.Repeat("]", n)))
	}
	if _, err := DecodeActivityAt(deep(decMaxDepth-1), decTestNow); err != nil {
		t.Fatalf("depth %d: %v", decMaxDepth, err)
	}
	if _, err := DecodeActivityAt(deep(decMaxDepth), decTestNow); !errors.Is(err, ErrJSONTooDeep) {
		t.Fatalf("depth %d: %v", decMaxDepth+1, err)
	}
	for _, n := range []int{5000, 10001} {
		start := time.Now()
		_, err := DecodeActivityAt(deep(n), decTestNow)
		if !errors.Is(err, ErrJSONTooDeep) {
			t.Fatalf("depth %d: %v", n, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("depth %d took %v", n, d)
		}
	}
	objs := []byte(strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000))
	if _, err := DecodeActivityAt(objs, decTestNow); !errors.Is(err, ErrJSONTooDeep) {
		t.Fatalf("nested objects: %v", err)
	}
}

func TestDecodeActivityCaps(t *testing.T) { // P3, P4
	list := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	// As many addressees as fit in 1 MiB: to then cc share one cap.
	iri := func(i int) string { return fmt.Sprintf(`"https://a.test/%d"`, i) }
	body := decTestAct(`"to":` + list(20000, iri) + `,"cc":` + list(20000, iri) +
		`,"object":{"id":"https://a.test/n/1","to":` + list(500, iri) + `,"cc":` + list(2000, iri) + `}`)
	if len(body) > MaxActivityBytes {
		t.Fatalf("test body too big: %d", len(body))
	}
	a, err := DecodeActivityAt(body, decTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.To) != decMaxAddressees || len(a.CC) != 0 {
		t.Fatalf("activity to/cc = %d/%d", len(a.To), len(a.CC))
	}
	if len(a.Object.To) != 500 || len(a.Object.CC) != 500 {
		t.Fatalf("object to/cc = %d/%d", len(a.Object.To), len(a.Object.CC))
	}
	// 100k entries (beyond the 1 MiB document cap) through the list decoder itself.
	to, err := decIRIList(json.RawMessage(list(100000, func(int) string { return `"https://a.test/u"` })), decMaxAddressees)
	if err != nil || len(to) != decMaxAddressees {
		t.Fatalf("100k to: %d %v", len(to), err)
	}

	tags := list(10000, func(i int) string { return `{"type":"Hashtag","name":"#a"}` })
	atts := list(1000, func(i int) string { return `{"type":"Image","url":"https://a.test/i.png"}` })
	a, err = DecodeActivityAt(decTestAct(`"object":{"id":"https://a.test/n/1","tag":`+tags+`,"attachment":`+atts+`}`), decTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Object.Tags) != decMaxTags || len(a.Object.Attachments) != decMaxAttachments {
		t.Fatalf("tags/attachments = %d/%d", len(a.Object.Tags), len(a.Object.Attachments))
	}

	// Big text fields (a 10 MB document is refused outright; 900 KB of content is truncated).
	big := strings.Repeat("é", 200000) // 400 kB, 2-byte runes; the "x" prefixes misalign the caps
	a, err = DecodeActivityAt(decTestAct(`"content":"x`+big+`","object":{"id":"https://a.test/n/1","name":"x`+big[:100000]+
		`","summary":"`+big[:100000]+`","content":"x`+big[:300000]+`"}`), decTestNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		s   string
		max int
	}{
		"content": {a.Content, decMaxContentBytes}, "object.content": {a.Object.Content, decMaxContentBytes},
		"name": {a.Object.Name, decMaxNameBytes}, "summary": {a.Object.Summary, decMaxSummaryBytes},
	} {
		if len(c.s) > c.max || len(c.s) < c.max-3 || !utf8.ValidString(c.s) {
			t.Errorf("%s: %d bytes (max %d), valid UTF-8 %v", name, len(c.s), c.max, utf8.ValidString(c.s))
		}
	}
	huge := decTestAct(`"content":"` + strings.Repeat("a", 10<<20) + `"`)
	if _, err := DecodeActivityAt(huge, decTestNow); !errors.Is(err, ErrActivityTooLarge) {
		t.Fatalf("10 MB: %v", err)
	}
}

func TestDecodeActivityDates(t *testing.T) { // P10
	for in, wantZero := range map[string]bool{
		`"0001-01-01T00:00:00Z"`:      true,
		`"1989-12-31T23:59:59Z"`:      true,
		`"9999-12-31T23:59:59Z"`:      true,
		`"2026-11-30T00:00:00Z"`:      true, // > now + 1 day
		`"2026-11-29T12:00:00Z"`:      false,
		`"2026-11-28T15:20:14Z"`:      false,
		`"2026-11-28T16:20:14+01:00"`: false,
		`"2026-11-28T15:20:14.123Z"`:  false,
		`"yesterday"`:                 true,
		`12345`:                       true,
	} {
		a, err := DecodeActivityAt(decTestAct(`"published":`+in+`,"object":{"id":"https://a.test/n/1","published":`+in+`,"updated":`+in+`}`), decTestNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range []time.Time{a.Published, a.Object.Published, a.Object.Updated} {
			if tm.IsZero() != wantZero {
				t.Errorf("%s → %v, want zero=%v", in, tm, wantZero)
			}
		}
	}
}

func TestDecodeActorFixtures(t *testing.T) {
	type want struct {
		id, typ, user, inbox, key, url, icon, shared string
		manual, disc                                 bool
	}
	for rel, w := range map[string]want{
		"gotosocial/actor-alice.json": {id: decTestGTSAlice, typ: "Person", user: "alice", inbox: decTestGTSAlice + "/inbox",
			key: decTestGTSAlice + "/main-key", url: "https://gts.test/@alice", manual: true},
		"gotosocial/actor-instance.json": {id: "https://gts.test/users/gts.test", typ: "Service", user: "gts.test",
			inbox: "https://gts.test/users/gts.test/inbox", key: "https://gts.test/users/gts.test/main-key", url: "https://gts.test/@gts.test", manual: true},
		"snac/actor-alice.json": {id: decTestSnacAlice, typ: "Person", user: "alice", inbox: decTestSnacAlice + "/inbox",
			key: decTestSnacAlice + "#main-key", url: decTestSnacAlice, icon: "https://snac.test/susie.png"},
		"standin/actor-course.json": {id: decTestCourse, typ: "Group", user: "course", inbox: decTestCourse + "/inbox",
			key: decTestCourse + "#main-key", url: decTestCourse, shared: "https://node.test/inbox", disc: true},
	} {
		t.Run(rel, func(t *testing.T) {
			body := decTestBody(t, rel)
			a, err := DecodeActor(body)
			if err != nil {
				t.Fatal(err)
			}
			got := want{id: a.ID, typ: a.Type, user: a.PreferredUsername, inbox: a.Inbox, key: a.PublicKeyID, url: a.URL,
				icon: a.IconURL, shared: a.SharedInbox, manual: a.ManuallyApprovesFollowers, disc: a.Discoverable}
			if got != w {
				t.Fatalf("got  %+v\nwant %+v", got, w)
			}
			fx := decTestFixture(t, rel)
			if pem, ok := fx["publicKeyPem"].(string); ok && a.PublicKeyPEM != pem {
				t.Errorf("PEM differs from the fixture's publicKeyPem")
			}
			if !strings.HasPrefix(a.PublicKeyPEM, "-----BEGIN PUBLIC KEY-----") || a.PublicKeyOwner != a.ID {
				t.Errorf("key: owner %q pem %.30q", a.PublicKeyOwner, a.PublicKeyPEM)
			}
			if a.Outbox == "" || a.Followers == "" || a.Following == "" || a.Published.IsZero() || a.Name == "" {
				t.Errorf("missing fields: %+v", a)
			}
			if !bytes.Equal(a.Raw, body) {
				t.Error("Raw differs")
			}
		})
	}
	// Decode the actor embedded in the update-person activities too (same validation path).
	for _, rel := range []string{"gotosocial/inbound-update-person.json", "snac/inbound-update-person.json"} {
		a, err := DecodeActivityAt(decTestBody(t, rel), decTestNow)
		if err != nil {
			t.Fatal(err)
		}
		ra, err := DecodeActor(a.Object.Raw)
		if err != nil || ra.ID != a.Actor || ra.Name != "Alice Learner" {
			t.Fatalf("%s: %+v %v", rel, ra, err)
		}
	}
}

// decTestActorJSON returns the GoToSocial alice actor as a map to be tampered with.
func decTestActorJSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(decTestBody(t, "gotosocial/actor-alice.json"), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDecodeActorHostile(t *testing.T) {
	key := func(m map[string]any) map[string]any { return m["publicKey"].(map[string]any) }
	cases := []struct {
		name   string
		tamper func(m map[string]any)
		want   error
	}{
		{"untouched", func(m map[string]any) {}, nil},
		{"O9 inbox on another host", func(m map[string]any) { m["inbox"] = "https://evil.test/inbox" }, ErrActorOrigin},
		{"O9 inbox on another port", func(m map[string]any) { m["inbox"] = "https://gts.test:8443/inbox" }, ErrActorOrigin},
		{"O13 inbox over http", func(m map[string]any) { m["inbox"] = "http://gts.test/users/alice/inbox" }, ErrActorOrigin},
		{"O9 inbox same host in caps and :443", func(m map[string]any) { m["inbox"] = "https://GTS.test:443/users/alice/inbox" }, nil},
		{"O9 sharedInbox", func(m map[string]any) { m["endpoints"] = map[string]any{"sharedInbox": "https://evil.test/inbox"} }, ErrActorOrigin},
		{"O9 outbox", func(m map[string]any) { m["outbox"] = "https://evil.test/outbox" }, ErrActorOrigin},
		{"O9 followers", func(m map[string]any) { m["followers"] = "https://evil.test/f" }, ErrActorOrigin},
		{"O9 following", func(m map[string]any) { m["following"] = "https://evil.test/f" }, ErrActorOrigin},
		{"O9 publicKey.id", func(m map[string]any) { key(m)["id"] = "https://evil.test/key" }, ErrActorOrigin},
		{"O9 alsoKnownAs elsewhere is fine", func(m map[string]any) { m["alsoKnownAs"] = []any{"https://b.test/u/alice"} }, nil},
		{"S8 owner is not id", func(m map[string]any) { key(m)["owner"] = "https://gts.test/users/bob" }, ErrKeyOwner},
		{"S8 owner on another host", func(m map[string]any) { key(m)["owner"] = "https://evil.test/users/alice" }, ErrKeyOwner},
		{"publicKey array picks owner==id", func(m map[string]any) {
			k := key(m)
			m["publicKey"] = []any{map[string]any{"id": "https://gts.test/k2", "owner": "https://gts.test/users/bob", "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nx"}, k}
		}, nil},
		{"publicKey without PEM", func(m map[string]any) { delete(key(m), "publicKeyPem") }, ErrInvalidDocument},
		{"no inbox", func(m map[string]any) { delete(m, "inbox") }, ErrInvalidDocument},
		{"inbox not a URL", func(m map[string]any) { m["inbox"] = "javascript:alert(1)" }, ErrInvalidDocument},
		{"not an actor type", func(m map[string]any) { m["type"] = "Note" }, ErrInvalidDocument},
		{"no id", func(m map[string]any) { delete(m, "id") }, ErrNoID},
		{"P5 username with RTL override", func(m map[string]any) { m["preferredUsername"] = "al\u202eice" }, ErrInvalidDocument},
		{"P4 huge name truncated", func(m map[string]any) { m["name"] = strings.Repeat("n", 100000) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := decTestActorJSON(t)
			c.tamper(m)
			b, _ := json.Marshal(m)
			a, err := DecodeActor(b)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(a.Name) > decMaxNameBytes || a.PublicKeyID != decTestGTSAlice+"/main-key" {
					t.Fatalf("%+v", a)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	// O16 in an actor document.
	if _, err := DecodeActor([]byte(`{"id":"https://a.test/u","type":"Person","inbox":"https://a.test/i","inbox":"https://evil.test/i"}`)); !errors.Is(err, ErrAmbiguousKey) {
		t.Fatalf("duplicate inbox: %v", err)
	}
	if _, err := DecodeActor([]byte(`{"id":"https://a.test/u","type":"Person","inbox":"https://a.test/i","Inbox":"https://evil.test/i"}`)); !errors.Is(err, ErrAmbiguousKey) {
		t.Fatalf("case-variant inbox: %v", err)
	}
	// encoding/json also folds the Kelvin sign (U+212A) to k: "public\u212aey" is a variant of "publicKey".
	if _, err := DecodeActor([]byte(`{"id":"https://a.test/u","type":"Person","inbox":"https://a.test/i","public` + "\u212a" + `ey":{"id":"https://evil.test/k"}}`)); !errors.Is(err, ErrAmbiguousKey) {
		t.Fatalf("Kelvin-sign publicKey: %v", err)
	}
	// O8: a url on another host is dropped, the actor is kept.
	m := decTestActorJSON(t)
	m["url"] = "https://evil.test/@alice"
	b, _ := json.Marshal(m)
	if a, err := DecodeActor(b); err != nil || a.URL != "" {
		t.Fatalf("cross-host url: %+v %v", a, err)
	}
}

func TestDecodeKey(t *testing.T) {
	gtsPEM, _ := decTestFixture(t, "gotosocial/actor-alice-main-key.json")["publicKeyPem"].(string)
	snacPEM, _ := decTestFixture(t, "snac/actor-alice.json")["publicKeyPem"].(string)
	const pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"
	pemJSON, _ := json.Marshal(pem)
	cases := []struct {
		name, keyID string
		body        []byte
		owner, pem  string
		want        error
	}{
		{"GTS stub", decTestGTSAlice + "/main-key", decTestBody(t, "gotosocial/actor-alice-main-key.json"), decTestGTSAlice, gtsPEM, nil},
		{"GTS full actor", decTestGTSAlice + "/main-key", decTestBody(t, "gotosocial/actor-alice.json"), decTestGTSAlice, gtsPEM, nil},
		{"snac actor with fragment key", decTestSnacAlice + "#main-key", decTestBody(t, "snac/actor-alice.json"), decTestSnacAlice, snacPEM, nil},
		{"standin", decTestCourse + "#main-key", decTestBody(t, "standin/actor-course.json"), decTestCourse, "", nil},
		{"bare key", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/1","owner":"https://a.test/u","publicKeyPem":` + string(pemJSON) + `}`), "https://a.test/u", pem, nil},
		{"stub with id = keyId", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/1","publicKey":{"id":"https://a.test/k/1","owner":"https://a.test/u","publicKeyPem":` + string(pemJSON) + `}}`), "https://a.test/u", pem, nil},
		{"wrong keyId", decTestGTSAlice + "/other-key", decTestBody(t, "gotosocial/actor-alice-main-key.json"), "", "", ErrKeyOwner},
		{"owner on another host", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/1","owner":"https://evil.test/u","publicKeyPem":` + string(pemJSON) + `}`), "", "", ErrActorOrigin},
		{"document id is neither key nor owner", "https://a.test/k/1", []byte(`{"id":"https://a.test/u/bob","publicKey":{"id":"https://a.test/k/1","owner":"https://a.test/u/alice","publicKeyPem":` + string(pemJSON) + `}}`), "", "", ErrKeyOwner},
		{"bare key without owner", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/1","publicKeyPem":` + string(pemJSON) + `}`), "", "", ErrKeyOwner},
		{"not a PEM", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/1","owner":"https://a.test/u","publicKeyPem":"hello"}`), "", "", ErrInvalidDocument},
		{"document for another key", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/2","owner":"https://a.test/u","publicKeyPem":` + string(pemJSON) + `}`), "", "", ErrKeyOwner},
		{"O16 duplicate owner", "https://a.test/k/1", []byte(`{"id":"https://a.test/k/1","owner":"https://a.test/u","owner":"https://a.test/v","publicKeyPem":` + string(pemJSON) + `}`), "", "", ErrAmbiguousKey},
		{"bad keyId", "not a url", []byte(`{}`), "", "", ErrInvalidDocument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			owner, gotPEM, err := DecodeKey(c.body, c.keyID)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if owner != c.owner || (c.pem != "" && gotPEM != c.pem) || !strings.HasPrefix(gotPEM, "-----BEGIN") {
				t.Fatalf("owner %q pem %.40q", owner, gotPEM)
			}
		})
	}
}

func TestSameOriginURL(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"https://a.test/x", "https://a.test/y", true},
		{"https://A.TEST/x", "https://a.test:443/y", true},
		{"https://a.test./x", "https://a.test/y", true},
		{"http://a.test:80/x", "http://a.test/y", true},
		{"https://a.test:0443/x", "https://a.test/y", true},
		{"https://a.test/x", "http://a.test/x", false},
		{"https://a.test/x", "https://b.test/x", false},
		{"https://a.test/x", "https://a.test:8443/x", false},
		{"https://u@a.test/x", "https://a.test/x", false},
		{"https://sub.a.test/x", "https://a.test/x", false},
		{"ftp://a.test/x", "ftp://a.test/x", false},
		{"https://[::1]/x", "https://[::1]:443/y", true},
		{"", "", false},
		{"/x", "/x", false},
	} {
		if got := sameOriginURL(c.a, c.b); got != c.want {
			t.Errorf("sameOriginURL(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func BenchmarkDecodeActivity(b *testing.B) {
	body := decTestBody(b, "gotosocial/inbound-create-reply-done-hashtag-link.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeActivityAt(body, decTestNow); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecCaseVariantMatchesEqualFold: the lookup that replaced comparing
// every key with every sensitive key by strings.EqualFold gives the same
// answers, Unicode folds (long s, Kelvin sign) included.
func TestDecCaseVariantMatchesEqualFold(t *testing.T) {
	keys := []string{"id", "ID", "Id", "iD", "type", "TYPE", "attributedTo", "attributedto", "ATTRIBUTEDTO", "inReplyTo",
		"inreplyto", "publicKeyPem", "publickeypem", "@context", "@Context", "content", "conTent", "name", "summary",
		"\u017fharedInbox", "\u212aey", "publicKey", "publi\u212aey", "\u017fummary", "ToO", "cc", "CC", "bcc", "preferredUsername",
		"preferredusername", "sharedInbox", "SHAREDINBOX", "endpoints", "x", "", "аctor", "actor\u0000", strings.Repeat("a", 40)}
	for _, key := range keys {
		wantK, want := "", false
		for _, k := range decSensitiveKeys {
			if key != k && strings.EqualFold(key, k) {
				wantK, want = k, true
				break
			}
		}
		if gotK, got := decCaseVariant(key); got != want || (want && gotK != wantK) {
			t.Errorf("decCaseVariant(%q) = %q, %v; EqualFold says %q, %v", key, gotK, got, wantK, want)
		}
	}
}
