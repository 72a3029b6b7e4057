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
	// self is the node's origin ("https://learn.example"), the only place
	// local rich text may load images from, and selfImage what such an
	// image's src must match; "" and nil for none.
	self      string
	selfImage *regexp.Regexp
}

// sanClassRE is the class allow-list (H3): microformat and Mastodon classes that carry meaning
// (h-card, u-url, mention, hashtag), Mastodon's link-shortening classes (invisible, ellipsis) and
// code languages. An attribute holding any other class is dropped whole.
var sanClassRE = regexp.MustCompile(
	`^\s*(?:h-card|u-url|mention|hashtag|invisible|ellipsis|language-[A-Za-z0-9_+-]{1,32})` +
		`(?:\s+(?:h-card|u-url|mention|hashtag|invisible|ellipsis|language-[A-Za-z0-9_+-]{1,32}))*\s*$`)

// sanHostedURL accepts an absolute URL with a host and without userinfo.
func sanHostedURL(u *url.URL) bool { return u.Host != "" && u.User == nil && u.Opaque == "" }

// sanSpanRE: a row/col span is a small number.
var sanSpanRE = regexp.MustCompile(`^[1-9][0-9]?$`)

// NewSanitizer builds both policies, with no images in local rich text. Call it once at
// start-up and share the result.
func NewSanitizer() *Sanitizer { return NewNodeSanitizer("") }

// NewNodeSanitizer is NewSanitizer for the node at base (its public URL): local rich text may
// show images served by this node, and no others.
func NewNodeSanitizer(base string) *Sanitizer {
	s := &Sanitizer{remote: sanRemotePolicy()}
	if u, err := url.Parse(base); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		s.self = u.Scheme + "://" + u.Host
		s.selfImage = regexp.MustCompile(`^` + regexp.QuoteMeta(s.self) + `/[^\s]*$`)
	}
	s.local = sanLocalPolicy(s.selfImage)
	return s
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
	// strong/b, em/i: emphasis. del: strikethrough (Markdown's ~~text~~; Mastodon keeps it too).
	p.AllowElements("strong", "b", "em", "i", "del")
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

func sanLocalPolicy(selfImage *regexp.Regexp) *bluemonday.Policy {
	p := sanBasePolicy()
	// h2–h4: section headings in task bodies and course descriptions (h1 is the page title).
	p.AllowElements("h2", "h3", "h4")
	// img: only from this node (absolute URL on its origin; no data: URIs), with alt text. No
	// width/height/style. An image from anywhere else would make every learner's browser call
	// that server when the task opens (a tracking pixel), as federated content may not either:
	// LocalHTML turns such images into links first (sanImagesToLinks).
	if selfImage != nil {
		p.AllowAttrs("src").Matching(selfImage).OnElements("img")
		p.AllowAttrs("alt").OnElements("img")
	}
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
// rel="nofollow noreferrer noopener", target=_blank on absolute links), span, strong/b, em/i, del,
// code, pre, blockquote, ul/ol/li; class only from the allow-list; no style; nothing else.
// The output is stable: RemoteHTML(RemoteHTML(x)) == RemoteHTML(x).
func (s *Sanitizer) RemoteHTML(in string) string { return s.remote.Sanitize(sanPrepare(in)) }

// LocalHTML sanitises rich text written by local organisers (task bodies, course descriptions):
// RemoteHTML's set plus h2–h4, img served by this node (src, alt), table basics and hr. An
// image from elsewhere becomes a link to it, labelled with its alt text.
func (s *Sanitizer) LocalHTML(in string) string {
	return s.local.Sanitize(imagesToLinks(sanPrepare(in), s.self, s.ownImage))
}

// ownImage reports whether src is an image URL on this node that the local policy keeps.
func (s *Sanitizer) ownImage(src string) bool {
	if s.selfImage == nil || !s.selfImage.MatchString(src) {
		return false
	}
	_, err := url.Parse(src)
	return err == nil
}

// imagesToLinks replaces every <img> whose src keep does not accept (nil: none) by a link to
// its src whose text is the image's alt text in brackets ("[diagram]"), so that the reader can
// still open it; a root-relative src ("/badges/…") becomes an absolute URL on self, the node's
// origin. The output goes through a policy afterwards, which checks the links like any other.
func imagesToLinks(in, self string, keep func(string) bool) string {
	if !strings.Contains(strings.ToLower(in), "<img") {
		return in
	}
	z := html.NewTokenizer(strings.NewReader(in))
	var b strings.Builder
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		raw := string(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.WriteString(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			b.WriteString(raw)
			continue
		}
		var src, alt string
		for _, a := range tok.Attr {
			switch a.Key {
			case "src":
				src = strings.TrimSpace(a.Val)
			case "alt":
				alt = a.Val
			}
		}
		if self != "" && strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "//") {
			src = self + src
		}
		if keep != nil && keep(src) {
			b.WriteString(`<img src="` + html.EscapeString(src) + `" alt="` + html.EscapeString(alt) + `">`)
			continue
		}
		if alt = strings.TrimSpace(alt); alt == "" {
			alt = "image"
		}
		b.WriteString(`<a href="` + html.EscapeString(src) + `">[` + html.EscapeString(alt) + `]</a>`)
	}
}

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
