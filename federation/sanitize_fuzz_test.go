package federation

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSanitize: the output of RemoteHTML and LocalHTML re-parses (x/net/html) with no
// script-capable element, no on* or style attribute, no class outside the allow-list and no URL
// other than http(s)/mailto (H1, H2, H3, H9); RemoteHTML and LocalHTML are idempotent; PlainText
// gives valid UTF-8 without control or invisible characters.
// Seeds: the hostile cases of the unit tests, the fixtures' note contents, and
// testdata/fuzz/FuzzSanitize.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p>hi<script>alert(1)</script></p>`,
		`<a href="JaVaScRiPt:alert(1)">x</a>`,
		"<a href=\"java\tscript:alert(1)\">x</a>",
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<svg onload=alert(1)>`, `<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
		`<span class="h-card"><a href="https://node.test/users/course" class="u-url mention">@course</a></span>`,
		`<a href="https://a.test/?q=<script>">x</a>`, `<pre>` + "\n\nx</pre>", `<p>a &amp;amp; b &lt;c&gt;</p>`,
		`<img src="https://a.test/i.png" alt="a&quot;b">`, `<table><tr><td colspan=2>x</td></tr></table>`,
	} {
		f.Add(s)
	}
	for _, rel := range decTestInboundPOSTs(f) {
		if a, err := DecodeActivityAt(decTestBody(f, rel), decTestNow); err == nil && a.Object != nil && a.Object.Content != "" {
			f.Add(a.Object.Content)
		}
	}
	s := NewNodeSanitizer("https://learn.test")
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 64<<10 {
			return
		}
		remote := s.RemoteHTML(in)
		if err := sanTestCheck(remote, false); err != nil {
			t.Fatalf("RemoteHTML(%q): %v", in, err)
		}
		if again := s.RemoteHTML(remote); again != remote {
			t.Fatalf("RemoteHTML not idempotent on %q:\n1: %q\n2: %q", in, remote, again)
		}
		local := s.LocalHTML(in)
		if err := sanTestCheck(local, true); err != nil {
			t.Fatalf("LocalHTML(%q): %v", in, err)
		}
		if again := s.LocalHTML(local); again != local {
			t.Fatalf("LocalHTML not idempotent on %q:\n1: %q\n2: %q", in, local, again)
		}
		if !utf8.ValidString(remote) || !utf8.ValidString(local) {
			t.Fatal("invalid UTF-8 output")
		}
		plain := s.PlainText(in)
		if !utf8.ValidString(plain) || plain != strings.TrimSpace(plain) {
			t.Fatalf("PlainText(%q) = %q", in, plain)
		}
		for _, r := range plain {
			if r < ' ' || r == 0x7f || decInvisible(r) {
				t.Fatalf("PlainText(%q) kept %U", in, r)
			}
		}
	})
}
