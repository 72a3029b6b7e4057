package federation

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// sanTestForbidden are elements that must never appear in sanitised output (H1, H9).
var sanTestForbidden = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true, "form": true,
	"input": true, "button": true, "textarea": true, "select": true, "base": true, "meta": true,
	"link": true, "svg": true, "math": true, "noscript": true, "template": true, "frame": true,
	"frameset": true, "applet": true, "xmp": true, "plaintext": true, "noembed": true, "noframes": true,
	"title": true, "video": true, "audio": true, "source": true,
}

// sanTestCheck re-parses out with x/net/html (a real HTML5 tree builder, as a browser would) and
// reports any script-capable element, event handler, style attribute or dangerous URL (H9).
// imgOK allows <img> (LocalHTML).
func sanTestCheck(out string, imgOK bool) error {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return fmt.Errorf("re-parse: %v", err)
	}
	var problem error
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || problem != nil {
			continue
		}
		if sanTestForbidden[n.Data] || (n.Data == "img" && !imgOK) {
			problem = fmt.Errorf("element <%s> in %q", n.Data, out)
		}
		if n.Namespace != "" {
			problem = fmt.Errorf("foreign element %s:%s in %q", n.Namespace, n.Data, out)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" || a.Namespace != "" {
				problem = fmt.Errorf("attribute %s on <%s> in %q", a.Key, n.Data, out)
			}
			if key == "class" && !sanClassRE.MatchString(a.Val) {
				problem = fmt.Errorf("class %q not allow-listed in %q", a.Val, out)
			}
			if key == "href" || key == "src" || key == "action" || key == "cite" || key == "poster" {
				v := strings.Map(func(r rune) rune {
					if r <= ' ' || r == 0x7f {
						return -1
					}
					return r
				}, strings.ToLower(a.Val))
				if !(strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "mailto:")) {
					problem = fmt.Errorf("%s=%q on <%s> in %q", a.Key, a.Val, n.Data, out)
				}
			}
		}
	}
	return problem
}

func TestSanitizeRemoteHTMLHostile(t *testing.T) { // H1, H9
	s := NewSanitizer()
	cases := []struct{ in, want string }{
		{`<p>hi<script>alert(1)</script></p>`, `<p>hi</p>`},
		{`<SCRIPT SRC=//evil.test/x.js></SCRIPT>ok`, `ok`},
		{`<p onclick="alert(1)" onmouseover=alert(1)>x</p>`, `<p>x</p>`},
		{`<img src=x onerror=alert(1)>`, ``},
		{`<style>p{display:none}</style><p>x</p>`, `<p>x</p>`},
		{`<iframe src="https://evil.test/"></iframe>y`, `y`},
		{`<form action="https://evil.test/"><input name=p type=password></form>`, ``},
		{`<base href="https://evil.test/"><a href="/x">x</a>`, `x`},
		{`<meta http-equiv="refresh" content="0;url=https://evil.test/">`, ``},
		{`<svg onload=alert(1)><circle r=1 /></svg>`, ``},
		{`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, `x`},
		{`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, `&#34;&gt;`},
		{`<select><style></select><img src=x onerror=alert(1)></style>`, ``},
		{`<object data="https://evil.test/x.swf"></object><embed src="https://evil.test/x.swf">`, ``},
		{`<a href="https://ok.test/" onclick="alert(1)" style="position:fixed">ok</a>`, `<a href="https://ok.test/" rel="nofollow noreferrer noopener" target="_blank">ok</a>`},
		{`<p style="position:fixed;top:0;width:100%">fake login</p>`, `<p>fake login</p>`},
		{`<!-- <script>alert(1)</script> -->c`, `c`},
		{`<![CDATA[<script>alert(1)</script>]]>d`, `alert(1)]]&gt;d`}, // a bogus comment up to the first '>', as in a browser
		{`<p>unclosed <b>bold`, `<p>unclosed <b>bold`},
		{`<template><script>alert(1)</script></template>t`, `t`},
		{`<a href="https://ok.test/"><img src=x onerror=alert(1)>link</a>`, `<a href="https://ok.test/" rel="nofollow noreferrer noopener" target="_blank">link</a>`},
		{`<scr<script>ipt>alert(1)</script>`, `ipt&gt;alert(1)`},
		{"<p>a\x00b</p>", "<p>a\uFFFDb</p>"},
	}
	for _, c := range cases {
		out := s.RemoteHTML(c.in)
		if out != c.want {
			t.Errorf("RemoteHTML(%q)\n got  %q\n want %q", c.in, out, c.want)
		}
		if err := sanTestCheck(out, false); err != nil {
			t.Error(err)
		}
		if err := sanTestCheck(s.LocalHTML(c.in), true); err != nil {
			t.Error("LocalHTML:", err)
		}
	}
}

func TestSanitizeURLSchemes(t *testing.T) { // H2
	s := NewSanitizer()
	for _, href := range []string{
		`javascript:alert(1)`, `JaVaScRiPt:alert(1)`, "java\tscript:alert(1)", `java&#x09;script:alert(1)`,
		"java\nscript:alert(1)", ` javascript:alert(1)`, `&#106;avascript:alert(1)`, `javascript&colon;alert(1)`,
		`data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==`, `DATA:text/html,<script>alert(1)</script>`,
		`vbscript:msgbox(1)`, `../../admin`, `/admin`, `//evil.test/x`, `#top`, `ftp://evil.test/`,
		`file:///etc/passwd`, `https://`, `https:/x`, `http:x`, `https://paypal.test@evil.test/`, "\x01javascript:alert(1)",
	} {
		for _, in := range []string{
			`<a href="` + href + `">x</a>`,
			`<img src="` + href + `" alt="a">`,
		} {
			if out := s.RemoteHTML(in); strings.Contains(out, "href") || strings.Contains(out, "src") || strings.Contains(out, "<img") {
				t.Errorf("RemoteHTML(%q) = %q", in, out)
			}
			out := s.LocalHTML(in)
			if strings.Contains(out, "href") || strings.Contains(out, "src") {
				t.Errorf("LocalHTML(%q) = %q", in, out)
			}
			if err := sanTestCheck(out, true); err != nil {
				t.Error(err)
			}
		}
	}
	for in, want := range map[string]string{
		`<a href="https://ok.test/a?b=1&amp;c=2">x</a>`: `<a href="https://ok.test/a?b=1&amp;c=2" rel="nofollow noreferrer noopener" target="_blank">x</a>`,
		`<a href="HTTP://ok.test/">x</a>`:               `<a href="http://ok.test/" rel="nofollow noreferrer noopener" target="_blank">x</a>`,
		`<a href="mailto:a@ok.test">x</a>`:              `<a href="mailto:a@ok.test" rel="nofollow noreferrer">x</a>`,
	} {
		if out := s.RemoteHTML(in); out != want {
			t.Errorf("RemoteHTML(%q)\n got  %q\n want %q", in, out, want)
		}
	}
}

func TestSanitizeStyleAndClass(t *testing.T) { // H3
	s := NewSanitizer()
	for in, want := range map[string]string{
		`<p style="color:red" class="evil">x</p>`:                        `<p>x</p>`,
		`<span class="h-card">x</span>`:                                  `<span class="h-card">x</span>`,
		`<span class="invisible">https://</span>`:                        `<span class="invisible">https://</span>`,
		`<span class="ellipsis">long</span>`:                             `<span class="ellipsis">long</span>`,
		`<span class="mention evil">x</span>`:                            `<span>x</span>`,
		`<code class="language-go">x</code>`:                             `<code class="language-go">x</code>`,
		`<code class="language-">x</code>`:                               `<code>x</code>`,
		`<div class="modal-overlay fixed inset-0">Log in</div>`:          `Log in`,
		`<span class="h-card" style="position:absolute">x</span>`:        `<span class="h-card">x</span>`,
		`<a href="https://ok.test/" class="u-url mention hashtag">x</a>`: `<a href="https://ok.test/" class="u-url mention hashtag" rel="nofollow noreferrer noopener" target="_blank">x</a>`,
	} {
		if out := s.RemoteHTML(in); out != want {
			t.Errorf("RemoteHTML(%q)\n got  %q\n want %q", in, out, want)
		}
	}
}

func TestSanitizeLinksRelTarget(t *testing.T) { // H10
	s := NewSanitizer()
	out := s.RemoteHTML(`<a href="https://elsewhere.test/x" rel="opener" target="_self">x</a>`)
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "a" {
			continue
		}
		found = true
		attrs := map[string]string{}
		for _, a := range n.Attr {
			attrs[a.Key] = a.Val
		}
		rel := strings.Fields(attrs["rel"])
		for _, want := range []string{"nofollow", "noopener", "noreferrer"} {
			if !strings.Contains(" "+strings.Join(rel, " ")+" ", " "+want+" ") {
				t.Errorf("rel %q lacks %s", attrs["rel"], want)
			}
		}
		if strings.Contains(attrs["rel"], "opener ") || rel[0] == "opener" || attrs["target"] != "_blank" {
			t.Errorf("attrs %v", attrs)
		}
	}
	if !found {
		t.Fatalf("link removed: %q", out)
	}
}

func TestSanitizeFixtureMentions(t *testing.T) {
	s := NewSanitizer()
	for _, rel := range []string{"gotosocial/inbound-create-reply-done-hashtag-link.json", "snac/inbound-create-reply-done-hashtag-link.json"} {
		a, err := DecodeActivityAt(decTestBody(t, rel), decTestNow)
		if err != nil {
			t.Fatal(err)
		}
		out := s.RemoteHTML(a.Object.Content)
		for _, want := range []string{
			`<span class="h-card"><a href="https://node.test/users/course" class="u-url mention" rel="nofollow noreferrer noopener" target="_blank">`,
			`class="mention hashtag"`,
			`<a href="https://example.org/my-work" rel="nofollow noreferrer noopener" target="_blank">https://example.org/my-work</a>`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: %q lacks %q", rel, out, want)
			}
		}
		if err := sanTestCheck(out, false); err != nil {
			t.Error(err)
		}
		if again := s.RemoteHTML(out); again != out {
			t.Errorf("not stable:\n%q\n%q", out, again)
		}
	}
}

func TestSanitizeLocalHTML(t *testing.T) {
	s := NewNodeSanitizer("https://learn.test")
	for in, want := range map[string]string{
		`<h2>Task</h2><h3>a</h3><h4>b</h4><h1>c</h1><h5>d</h5>`: `<h2>Task</h2><h3>a</h3><h4>b</h4>cd`,
		// Images only from this node (the hardening issue: a tracking pixel in a task body made
		// every learner's browser call the tracker); one from elsewhere becomes a link to it.
		`<img src="https://learn.test/badges/1/image.png" alt="diagram" width="9000">`: `<img src="https://learn.test/badges/1/image.png" alt="diagram">`,
		`<img src="/badges/1/image.png" alt="badge">`:                                  `<img src="https://learn.test/badges/1/image.png" alt="badge">`,
		`<IMG SRC="https://tracker.test/p.gif" ALT="">`:                                `<a href="https://tracker.test/p.gif" rel="nofollow noreferrer noopener" target="_blank">[image]</a>`,
		`<img src="https://cdn.test/a.png" alt="diagram">`:                             `<a href="https://cdn.test/a.png" rel="nofollow noreferrer noopener" target="_blank">[diagram]</a>`,
		`<img src="https://learn.test.evil.test/p.gif">`:                               `<a href="https://learn.test.evil.test/p.gif" rel="nofollow noreferrer noopener" target="_blank">[image]</a>`,
		`<img src="//tracker.test/p.gif" alt="x">`:                                     `[x]`,
		`<img srcset="https://tracker.test/p.gif 1x" src="https://learn.test/a.png">`:  `<img src="https://learn.test/a.png" alt="">`,
		`<p>a<img src=https://tracker.test/p.gif>b</p>`:                                `<p>a<a href="https://tracker.test/p.gif" rel="nofollow noreferrer noopener" target="_blank">[image]</a>b</p>`,
		// Links a browser would not follow keep only their text.
		`<img src="data:image/png;base64,AAAA" alt="x">`:                                  `[x]`,
		`<img src="javascript:alert(1)">`:                                                 `[image]`,
		`<table><tr><th colspan="2">h</th></tr><tr><td rowspan="999">d</td></tr></table>`: `<table><tr><th colspan="2">h</th></tr><tr><td>d</td></tr></table>`,
		`<hr><p>x</p>`:                     `<hr><p>x</p>`,
		`<a href="https://ok.test/">x</a>`: `<a href="https://ok.test/" rel="nofollow noreferrer noopener" target="_blank">x</a>`,
	} {
		out := s.LocalHTML(in)
		if out != want {
			t.Errorf("LocalHTML(%q)\n got  %q\n want %q", in, out, want)
		}
		if err := sanTestCheck(out, true); err != nil {
			t.Error(err)
		}
	}
	// Remote content gets none of the local extras, not even this node's images.
	if out := s.RemoteHTML(`<h2>x</h2><img src="https://learn.test/a.png"><table><tr><td>t</td></tr></table><hr>`); out != `xt` {
		t.Errorf("RemoteHTML kept local-only elements: %q", out)
	}
	// Without a node, no image at all.
	if out := NewSanitizer().LocalHTML(`<img src="https://learn.test/a.png" alt="a">`); strings.Contains(out, "<img") {
		t.Errorf("NewSanitizer kept an image: %q", out)
	}
}

func TestSanitizePlainText(t *testing.T) { // P5, H4 input side
	s := NewSanitizer()
	for in, want := range map[string]string{
		`<p>Alice</p><p>Learner</p>`:                  "Alice Learner",
		`A &amp; B &lt;3`:                             "A & B <3",
		`<script>alert(1)</script>hi<style>x</style>`: "hi",
		"  lots \n\t of   space  ":                    "lots of space",
		"a\u202eb\u2066c\u200bd\ufeffe\u200df":        "abcdef",
		"tab\x00nul\x07bell":                          "tabnulbell",
		`<img src=x onerror=alert(1)>name`:            "name",
		"line<br>break":                               "line break",
		"bad \xff utf8":                               "bad utf8",
		`:x" onerror=":`:                              `:x" onerror=":`,
	} {
		if out := s.PlainText(in); out != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, out, want)
		}
	}
}

func TestSanitizeConcurrent(t *testing.T) {
	s := NewSanitizer()
	in := `<p><span class="h-card"><a href="https://node.test/users/course" class="u-url mention">@course</a></span> hi <script>x</script></p>`
	want := s.RemoteHTML(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := s.RemoteHTML(in); got != want {
					t.Error("concurrent result differs")
					return
				}
				s.LocalHTML(in)
				s.PlainText(in)
			}
		})
	}
	wg.Wait()
}

func TestSanitizeLargeInput(t *testing.T) {
	s := NewSanitizer()
	in := strings.Repeat(`<p><b>x</b><a href="https://a.test/">l</a><span class="bad">y</span></p>`, 2000) +
		strings.Repeat("<div>", 5000)
	start := time.Now()
	out := s.RemoteHTML(in)
	if err := sanTestCheck(out, false); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func BenchmarkRemoteHTML(b *testing.B) {
	s := NewSanitizer()
	in := `<p><span class="h-card"><a href="https://node.test/users/course" class="u-url mention" rel="nofollow noreferrer noopener" target="_blank">@<span>course</span></a></span> finished lesson 1 <a href="https://gts.test/tags/done" class="mention hashtag" rel="tag nofollow noreferrer noopener" target="_blank">#<span>done</span></a> <a href="https://example.org/my-work" rel="nofollow noreferrer noopener" target="_blank">https://example.org/my-work</a></p><p>Second <em>paragraph</em> with <code>code</code>.<br><script>alert(1)</script></p>`
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.RemoteHTML(in)
	}
}
