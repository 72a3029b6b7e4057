package federation

import (
	"strings"
	"testing"
	"time"
)

// TestMarkdownFormats: what people type comes out as the HTML they meant,
// with bare web addresses (a meeting link) linked.
func TestMarkdownFormats(t *testing.T) {
	d := goldenDocs(t)
	cases := []struct{ in, want string }{
		{"**bold** and _italic_", "<p><strong>bold</strong> and <em>italic</em></p>"},
		{"~~gone~~", "<p><del>gone</del></p>"},
		{"line one\nline two", "<p>line one<br>line two</p>"},
		{"Meet at https://meet.example/room-1.", `<p>Meet at <a href="https://meet.example/room-1" rel="nofollow noreferrer noopener" target="_blank">https://meet.example/room-1</a>.</p>`},
		{"On http://127.0.0.1:8080/r, now", `<p>On <a href="http://127.0.0.1:8080/r" rel="nofollow noreferrer noopener" target="_blank">http://127.0.0.1:8080/r</a>, now</p>`},
		{"<b>typed</b>", "<p>&lt;b&gt;typed&lt;/b&gt;</p>"},
		{"[the notes](https://notes.example/a)", `<p><a href="https://notes.example/a" rel="nofollow noreferrer noopener" target="_blank">the notes</a></p>`},
		{"- one\n- two", "<ul><li>one</li><li>two</li></ul>"},
		{"`x < y`", "<p><code>x &lt; y</code></p>"},
		{"```\n</p>\nend\n```", "<pre><code>&lt;/p&gt;\nend\n</code></pre>"},
		{"> quoted", "<blockquote><p>quoted</p></blockquote>"},
	}
	for _, c := range cases {
		got, _ := d.PostMarkdown(c.in, nil)
		if strings.TrimSpace(got) != c.want {
			t.Errorf("PostMarkdown(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestMarkdownTagsAndMentions: hashtags and mentions are linked in the
// text, not inside code or a link's address, and a task's title escaped
// for Markdown shows as typed.
func TestMarkdownTagsAndMentions(t *testing.T) {
	d := goldenDocs(t)
	m := Mention{ID: "https://social.example/users/bo", Name: "@bo@social.example"}
	out, tags := d.PostMarkdown("Hi @bo@social.example, see #Go and `#notatag` and [x](https://a.example/#frag)", []Mention{m})
	if len(tags) != 1 || tags[0] != "go" {
		t.Errorf("tags %v, want [go]", tags)
	}
	for _, want := range []string{`class="u-url mention"`, `href="https://social.example/users/bo"`, `<code>#notatag</code>`, `href="https://a.example/#frag"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in %s", want, out)
		}
	}
	if strings.Contains(out, "mailto:") {
		t.Errorf("a mention became an email link: %s", out)
	}
	title := "C++ *pointers* [1]"
	if got := d.Sanitizer.RichMarkdown(EscapeMarkdown(title)); strings.TrimSpace(got) != "<p>C++ *pointers* [1]</p>" {
		t.Errorf("escaped title rendered %q", got)
	}
}

// TestMarkdownHostile: raw HTML is not rendered, dangerous URLs lose their
// link, images from elsewhere become links, and the output passes the
// same re-parse check as the sanitiser's own tests (H1, H2, H9).
func TestMarkdownHostile(t *testing.T) {
	s := NewNodeSanitizer("https://learn.example")
	d := Documents{Sanitizer: s}
	hostile := []string{
		"<script>alert(1)</script>",
		"hello <img src=x onerror=alert(1)>",
		`<a href="javascript:alert(1)">x</a>`,
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click](java\tscript:alert(1))",
		"[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"![pixel](https://tracker.example/p.png)",
		"![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
		"<iframe src=https://evil.example></iframe>",
		"<style>body{display:none}</style>",
		"[x](https://bank.example@evil.example/)",
		"[rel](../../admin)",
		"<svg onload=alert(1)>",
		"<https://ok.example/a\"onmouseover=alert(1)>",
		"[a](<javascript:alert(1)>)",
		"| a |\n|---|\n| <script>x</script> |",
	}
	for _, in := range hostile {
		post, _ := d.PostMarkdown(in, nil)
		if err := sanTestCheck(post, false); err != nil {
			t.Errorf("PostMarkdown(%q): %v", in, err)
		}
		rich := s.RichMarkdown(in)
		if err := sanTestCheck(rich, true); err != nil {
			t.Errorf("RichMarkdown(%q): %v", in, err)
		}
		// Typed HTML shows as text ("&lt;img … onerror=…&gt;"), which is
		// harmless; an element, attribute or address that would act is not.
		for _, bad := range []string{"<script", "<iframe", "<svg", "<style", "href=\"javascript", "href=\"data", "src=\"data", "evil.example/\"", "<img"} {
			if strings.Contains(post, bad) {
				t.Errorf("PostMarkdown(%q) keeps %q: %s", in, bad, post)
			}
			if strings.Contains(rich, bad) {
				t.Errorf("RichMarkdown(%q) keeps %q: %s", in, bad, rich)
			}
		}
	}
	// A picture from elsewhere is a link the reader may follow; one
	// served by this node stays a picture in rich text.
	if got := s.RichMarkdown("![diagram](https://tracker.example/p.png)"); !strings.Contains(got, `<a href="https://tracker.example/p.png"`) || strings.Contains(got, "<img") {
		t.Errorf("foreign image in rich text: %s", got)
	}
	if got := s.RichMarkdown("![diagram](/badges/1/image.png)"); !strings.Contains(got, `<img src="https://learn.example/badges/1/image.png" alt="diagram">`) {
		t.Errorf("own image in rich text: %s", got)
	}
	// HTML typed into a post is what it says, shown as text.
	if got, _ := d.PostMarkdown("What does <div> do?\n\n<p>and this</p>", nil); got != "<p>What does &lt;div&gt; do?</p><p>&lt;p&gt;and this&lt;/p&gt;</p>" {
		t.Errorf("typed HTML: %s", got)
	}
	// Code keeps its brackets as typed, however many there are.
	code := "```\n" + strings.Repeat("[", 300) + "\n```"
	if got := s.RichMarkdown(code); strings.Contains(got, `\[`) || strings.Count(got, "[") != 300 {
		t.Errorf("brackets in code changed: %s", got[:min(len(got), 80)])
	}
	// Headings move one level down: the page's title is its only h1.
	if got := s.RichMarkdown("# Week 1\n\n#### deep"); !strings.Contains(got, "<h2>Week 1</h2>") || !strings.Contains(got, "<h4>deep</h4>") {
		t.Errorf("headings: %s", got)
	}
}

// TestMarkdownBounded: deeply nested quotes and lists, long runs of
// emphasis markers and brackets (the inputs that make Markdown parsers
// quadratic: 2,000 nested list levels took goldmark 15 s) render in time
// linear in their length, within 50 times what an ordinary text of the
// same length takes. Each time is the fastest of two runs, so a busy
// machine does not fail the test.
func TestMarkdownBounded(t *testing.T) {
	s := NewSanitizer()
	d := Documents{Sanitizer: s}
	const n = 50_000
	fastest := func(in string) time.Duration {
		best := time.Duration(1 << 62)
		for range 2 {
			start := time.Now()
			s.RichMarkdown(in)
			best = min(best, time.Since(start))
		}
		return best
	}
	ordinary := strings.Repeat("Some *words* and a [link](https://a.example/x), `code` and **more**.\n", n/70)
	limit := 50*fastest(ordinary) + 50*time.Millisecond
	inputs := map[string]string{
		"quotes":       strings.Repeat(">", n),
		"lists":        strings.Repeat("- ", n/2),
		"nested":       nestedList(1000),
		"deeplines":    strings.Repeat(strings.Repeat("  ", 40)+"- x\n", n/84),
		"quotelines":   strings.Repeat(strings.Repeat("> ", 40)+"x\n", n/82),
		"stars":        strings.Repeat("*a", n/2),
		"under":        strings.Repeat("_", n),
		"brackets":     strings.Repeat("[", n/2) + strings.Repeat("]", n/2),
		"bracketlines": strings.Repeat("[[[[\n", n/10) + strings.Repeat("]]]]\n", n/10),
		"links":        strings.Repeat("[a](", n/4),
		"linklines":    strings.Repeat("[a](\n", n/5),
		"images":       strings.Repeat("![a](", n/5),
		"backticks":    strings.Repeat("`", n),
		"tables":       strings.Repeat("|a", n/4) + "\n" + strings.Repeat("|-", n/4),
		"urls":         strings.Repeat("https://a.example/ ", n/19),
		"entities":     strings.Repeat("&amp;", n/5),
	}
	for name, in := range inputs {
		if el := fastest(in); el > limit {
			t.Errorf("%s: %v, more than %v", name, el, limit)
		}
		d.PostMarkdown(in[:min(len(in), 5000)], nil) // a post's length, through the post path
	}
}

// nestedList is a list nested depth levels deep.
func nestedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	return b.String()
}

// TestMarkdownOfHTML: a task written as HTML before Markdown, turned into
// Markdown for its edit form, renders as it did.
func TestMarkdownOfHTML(t *testing.T) {
	s := NewNodeSanitizer("https://learn.example")
	flat := func(h string) string { return strings.NewReplacer("\n", "", "<br/>", "<br>").Replace(h) }
	for _, in := range []string{
		`<p>Install Python 3 from <a href="https://www.python.org/downloads/">python.org</a>, then run <code>python3</code>.</p><p>Type <code>print("Hello, world!")</code> and <em>see</em> <strong>what</strong> happens: 2 * 3_4 [x].</p>`,
		"<p>Try:</p>\n<pre><code>name = \"Ada\"\nprint(name)</code></pre>\n<p>Then <code>type()</code>.</p>",
		`<h2>Week 1</h2><ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul><ol><li>first</li><li>second</li></ol>`,
		`<blockquote><p>quoted</p><p>twice</p></blockquote><hr><p>line<br>break</p>`,
		`<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>`,
		`<p><img src="https://learn.example/badges/1/image.png" alt="badge"> and # not a heading</p>`,
		`<p>- not a list, # nor a heading</p>`,
	} {
		want := flat(s.LocalHTML(in))
		md := MarkdownOf(want)
		if got := flat(s.RichMarkdown(md)); got != want {
			t.Errorf("MarkdownOf(%q) = %q\nrenders %q\n   want %q", in, md, got, want)
		}
	}
}
