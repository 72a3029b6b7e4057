package federation

// HTML sanitising (HOSTILE.md §5). Two allow-list policies built once in NewSanitizer and never
// modified afterwards: bluemonday's Sanitize is safe for concurrent use, policy editing is not (H1).
// AllowUnsafe is never used. Rendering still goes through html/template, and the web layer sets a
// CSP (H8); this file is one layer, not the only one.

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// Sanitizer holds the policies for remote HTML and for local rich text. Safe for concurrent use.
type Sanitizer struct {
	remote *bluemonday.Policy
	local  *bluemonday.Policy
}

// sanClassRE is the class allow-list (H3): microformat and Mastodon classes that carry meaning
// (h-card, u-url, mention, hashtag), Mastodon's link-shortening classes (invisible, ellipsis) and
// code languages. An attribute holding any other class is dropped whole.
var sanClassRE = regexp.MustCompile(
	`^\s*(?:h-card|u-url|mention|hashtag|invisible|ellipsis|language-[A-Za-z0-9_+-]{1,32})` +
		`(?:\s+(?:h-card|u-url|mention|hashtag|invisible|ellipsis|language-[A-Za-z0-9_+-]{1,32}))*\s*$`)

// sanHTTPSrcRE: image sources must be absolute http(s) URLs (no data:, no relative paths).
var sanHTTPSrcRE = regexp.MustCompile(`^https?://[^\s]+$`)

// sanHostedURL accepts an absolute URL with a host and without userinfo.
func sanHostedURL(u *url.URL) bool { return u.Host != "" && u.User == nil && u.Opaque == "" }

// sanSpanRE: a row/col span is a small number.
var sanSpanRE = regexp.MustCompile(`^[1-9][0-9]?$`)

// NewSanitizer builds both policies. Call it once at start-up and share the result.
func NewSanitizer() *Sanitizer {
	return &Sanitizer{remote: sanRemotePolicy(), local: sanLocalPolicy()}
}

// sanBasePolicy is the remote set; the local policy extends a fresh copy of it.
func sanBasePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	// URLs (H2): only http, https and mailto, and they must parse. Relative URLs are refused: in
	// remote content they would resolve against our host ("../../admin").
	p.RequireParseableURLs(true)
	// http(s) links need a host and no userinfo ("https://bank.test@evil.test/" is phishing).
	p.AllowURLSchemes("mailto")
	p.AllowURLSchemeWithCustomPolicy("http", sanHostedURL)
	p.AllowURLSchemeWithCustomPolicy("https", sanHostedURL)
	p.AllowRelativeURLs(false)

	// Links (H10): rel="nofollow noreferrer noopener" on every link, target="_blank" on absolute
	// ones. bluemonday adds these itself; incoming rel/target attributes are not allowed through.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// p: paragraphs, the unit of Mastodon-style content.
	p.AllowElements("p")
	// br: line breaks (snac ends every line with <br>).
	p.AllowElements("br")
	// a: links, mentions and hashtags; href only (checked above). An <a> without a valid href is
	// removed and its text kept.
	p.AllowAttrs("href").OnElements("a")
	// span: Mastodon wraps mentions (h-card) and shortened link parts (invisible, ellipsis) in spans.
	p.AllowElements("span")
	// strong/b, em/i: emphasis.
	p.AllowElements("strong", "b", "em", "i")
	// code, pre: code samples (a learning network shows a lot of them).
	p.AllowElements("code", "pre")
	// blockquote: quotations (no cite attribute: it is a URL nobody sees).
	p.AllowElements("blockquote")
	// ul, ol, li: lists.
	p.AllowElements("ul", "ol", "li")
	// class: only the allow-listed values (H3), on the elements that use them. No style anywhere.
	p.AllowAttrs("class").Matching(sanClassRE).OnElements("a", "span", "code", "pre", "p")

	// Not allowed, so removed (with their content for script, style, iframe, object, noscript, …,
	// bluemonday's default skip list): img, iframe, form, input, svg, math, base, meta, link,
	// script, style, object, embed, template, and every on*/style/id attribute.
	return p
}

func sanRemotePolicy() *bluemonday.Policy { return sanBasePolicy() }

func sanLocalPolicy() *bluemonday.Policy {
	p := sanBasePolicy()
	// h2–h4: section headings in task bodies and course descriptions (h1 is the page title).
	p.AllowElements("h2", "h3", "h4")
	// img: absolute http(s) src only (no data: URIs), with alt text. No width/height/style.
	p.AllowAttrs("src").Matching(sanHTTPSrcRE).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	// table basics: table, caption, thead, tbody, tfoot, tr, th, td, with small row/col spans.
	p.AllowElements("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td")
	p.AllowAttrs("colspan", "rowspan").Matching(sanSpanRE).OnElements("th", "td")
	// hr: thematic break.
	p.AllowElements("hr")
	return p
}

// sanPrepare makes the input valid UTF-8 and replaces NUL with U+FFFD (as an HTML parser would),
// so that the sanitiser, the browser and a re-sanitisation all see the same characters.
func sanPrepare(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

// RemoteHTML sanitises HTML from other servers (notes, bios): p, br, a (href http/https/mailto,
// rel="nofollow noreferrer noopener", target=_blank on absolute links), span, strong/b, em/i,
// code, pre, blockquote, ul/ol/li; class only from the allow-list; no style; nothing else.
// The output is stable: RemoteHTML(RemoteHTML(x)) == RemoteHTML(x).
func (s *Sanitizer) RemoteHTML(in string) string { return s.remote.Sanitize(sanPrepare(in)) }

// LocalHTML sanitises rich text written by local organisers (task bodies, course descriptions):
// RemoteHTML's set plus h2–h4, img (absolute http(s) src, alt), table basics and hr.
func (s *Sanitizer) LocalHTML(in string) string { return s.local.Sanitize(sanPrepare(in)) }

// sanSkipText: elements whose content is not text a reader sees.
var sanSkipText = map[string]bool{
	"script": true, "style": true, "template": true, "title": true, "iframe": true,
	"object": true, "noembed": true, "noframes": true, "noscript": true, "svg": true, "math": true,
}

// sanBreakTags: elements that separate words when the tags are removed.
var sanBreakTags = map[string]bool{
	"br": true, "p": true, "div": true, "li": true, "ul": true, "ol": true, "blockquote": true,
	"pre": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true,
	"tr": true, "td": true, "th": true, "table": true, "section": true, "article": true, "img": true,
}

// PlainText strips all tags (for names and summaries shown as text), decodes entities, drops the
// content of script/style/…, turns block boundaries into spaces, removes control characters, bidi
// overrides/isolates and zero-width characters (P5; this includes the zero-width joiner, so emoji
// ZWJ sequences fall apart into their parts), and collapses whitespace. The result is plain text,
// not HTML: it must still be escaped when rendered (html/template does that).
func (s *Sanitizer) PlainText(in string) string {
	z := html.NewTokenizer(strings.NewReader(sanPrepare(in)))
	var b strings.Builder
	skip := 0
loop:
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			break loop
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			n := string(name)
			if sanSkipText[n] {
				switch {
				case tt == html.StartTagToken:
					skip++
				case tt == html.EndTagToken && skip > 0:
					skip--
				}
			}
			if sanBreakTags[n] {
				b.WriteByte(' ')
			}
		}
	}
	return sanCollapse(b.String())
}

// sanCollapse removes control and invisible characters and collapses runs of whitespace to one
// space, trimming both ends.
func sanCollapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == utf8.RuneError, unicode.IsControl(r), decInvisible(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
