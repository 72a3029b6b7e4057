package httpsig

// The subset of RFC 8941 Structured Field Values that RFC 9421 (Signature-Input, Signature) and
// RFC 9530 (Content-Digest) use: a dictionary whose members are inner lists or items, with parameters.
//
// Written here rather than taken from a library for the same reason as the Signature parser (parse.go):
// strictness and bounded work on hostile input. Duplicate dictionary keys are refused (RFC 8941 §4.2.2
// would let the last one win, so a proxy and we could read two different signatures), and so are
// decimals and display strings, which none of the three headers uses.

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// sfKind is the type of a bare item.
type sfKind int

const (
	sfInteger sfKind = iota + 1
	sfString
	sfToken
	sfBytes
	sfBoolean
)

// sfBare is a bare item (RFC 8941 §3.3).
type sfBare struct {
	kind  sfKind
	num   int64  // sfInteger
	str   string // sfString, sfToken
	bytes []byte // sfBytes
	bool  bool   // sfBoolean
}

// sfParam is one parameter (RFC 8941 §3.1.2), in the order sent.
type sfParam struct {
	key string
	val sfBare
}

// sfItem is a bare item with its parameters.
type sfItem struct {
	bare   sfBare
	params []sfParam
}

// sfMember is one dictionary member: an inner list (list set, inner true) or an item, and the
// parameters of the member.
type sfMember struct {
	key    string
	inner  bool
	list   []sfItem
	item   sfBare
	params []sfParam
}

// sfMaxItems bounds the members, inner-list items and parameters of one parsed field together, so a
// field within MaxSignatureHeaderLen still cannot make us build thousands of values.
const sfMaxItems = 64

// sfParser walks one field value; n counts what it has built against sfMaxItems.
type sfParser struct {
	s string
	i int
	n int
}

// sfParseDictionary parses a dictionary field value (RFC 8941 §4.2.2), refusing duplicate keys and
// members without a value (the bare-key "true" form, which no header here uses).
func sfParseDictionary(s string) ([]sfMember, error) {
	p := &sfParser{s: s}
	p.skipSP()
	var out []sfMember
	if p.i == len(p.s) {
		return nil, sigBad("empty structured field")
	}
	for {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		for _, m := range out {
			if m.key == key {
				return nil, sigBad("dictionary key %q appears twice", key)
			}
		}
		if p.i == len(p.s) || p.s[p.i] != '=' {
			return nil, sigBad("dictionary key %q has no value", key)
		}
		p.i++
		m := sfMember{key: key}
		if p.i < len(p.s) && p.s[p.i] == '(' {
			m.inner = true
			if m.list, err = p.innerList(); err != nil {
				return nil, err
			}
		} else if m.item, err = p.bare(); err != nil {
			return nil, err
		}
		if m.params, err = p.params(); err != nil {
			return nil, err
		}
		if err := p.count(); err != nil {
			return nil, err
		}
		out = append(out, m)
		p.skipOWS()
		if p.i == len(p.s) {
			return out, nil
		}
		if p.s[p.i] != ',' {
			return nil, sigBad("expected ',' at offset %d of structured field", p.i)
		}
		p.i++
		p.skipOWS()
		if p.i == len(p.s) {
			return nil, sigBad("trailing ',' in structured field")
		}
	}
}

func (p *sfParser) count() error {
	p.n++
	if p.n > sfMaxItems {
		return sigBad("more than %d values in one structured field", sfMaxItems)
	}
	return nil
}

func (p *sfParser) skipSP() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for p.i < len(p.s) && sigIsOWS(p.s[p.i]) {
		p.i++
	}
}

// key: ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ).
func (p *sfParser) key() (string, error) {
	start := p.i
	if p.i == len(p.s) || !(sfLCAlpha(p.s[p.i]) || p.s[p.i] == '*') {
		return "", sigBad("expected a lower-case key at offset %d of structured field", p.i)
	}
	p.i++
	for p.i < len(p.s) && (sfLCAlpha(p.s[p.i]) || sfDigit(p.s[p.i]) || strings.IndexByte("_-.*", p.s[p.i]) >= 0) {
		p.i++
	}
	return p.s[start:p.i], nil
}

// innerList: "(" *SP [ sf-item *( 1*SP sf-item ) *SP ] ")" with each item's parameters.
func (p *sfParser) innerList() ([]sfItem, error) {
	p.i++ // '('
	list := []sfItem{}
	for {
		p.skipSP()
		if p.i == len(p.s) {
			return nil, sigBad("unterminated inner list")
		}
		if p.s[p.i] == ')' {
			p.i++
			return list, nil
		}
		if len(list) > 0 && p.s[p.i-1] != ' ' {
			return nil, sigBad("expected a space between inner-list items at offset %d", p.i)
		}
		b, err := p.bare()
		if err != nil {
			return nil, err
		}
		ps, err := p.params()
		if err != nil {
			return nil, err
		}
		if err := p.count(); err != nil {
			return nil, err
		}
		list = append(list, sfItem{bare: b, params: ps})
	}
}

// params: *( ";" *SP key [ "=" bare-item ] ); a key without value is boolean true. Duplicate keys are
// refused.
func (p *sfParser) params() ([]sfParam, error) {
	var out []sfParam
	for p.i < len(p.s) && p.s[p.i] == ';' {
		p.i++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		for _, q := range out {
			if q.key == key {
				return nil, sigBad("parameter %q appears twice", key)
			}
		}
		v := sfBare{kind: sfBoolean, bool: true}
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			if v, err = p.bare(); err != nil {
				return nil, err
			}
		}
		if err := p.count(); err != nil {
			return nil, err
		}
		out = append(out, sfParam{key: key, val: v})
	}
	return out, nil
}

func (p *sfParser) bare() (sfBare, error) {
	if p.i == len(p.s) {
		return sfBare{}, sigBad("structured field ends where a value is expected")
	}
	switch c := p.s[p.i]; {
	case c == '-' || sfDigit(c):
		return p.integer()
	case c == '"':
		return p.str()
	case c == ':':
		return p.byteSeq()
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			p.i += 2
			return sfBare{kind: sfBoolean, bool: p.s[p.i-1] == '1'}, nil
		}
		return sfBare{}, sigBad("invalid boolean at offset %d of structured field", p.i)
	case sfAlpha(c) || c == '*':
		start := p.i
		p.i++
		for p.i < len(p.s) && (sigIsTokenChar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
			p.i++
		}
		return sfBare{kind: sfToken, str: p.s[start:p.i]}, nil
	default:
		return sfBare{}, sigBad("unexpected byte %#x at offset %d of structured field", c, p.i)
	}
}

// integer: ["-"] 1*15DIGIT; a decimal point is refused (no header here uses decimals).
func (p *sfParser) integer() (sfBare, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	ds := p.i
	for p.i < len(p.s) && sfDigit(p.s[p.i]) {
		p.i++
	}
	if p.i == ds || p.i-ds > 15 {
		return sfBare{}, sigBad("integer at offset %d of structured field has %d digits (1 to 15 allowed)", start, p.i-ds)
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		return sfBare{}, sigBad("decimal at offset %d of structured field: not accepted", start)
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil {
		return sfBare{}, sigBadWrap(err, "integer at offset %d of structured field", start)
	}
	return sfBare{kind: sfInteger, num: n}, nil
}

// str: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE, printable ASCII only.
func (p *sfParser) str() (sfBare, error) {
	p.i++
	// Most strings have no escape: return a slice of the field then.
	for j := p.i; j < len(p.s); j++ {
		if c := p.s[j]; c == '"' {
			v := p.s[p.i:j]
			p.i = j + 1
			return sfBare{kind: sfString, str: v}, nil
		} else if c == '\\' || c < 0x20 || c > 0x7e {
			break
		}
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return sfBare{kind: sfString, str: b.String()}, nil
		case c == '\\':
			if p.i == len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
				return sfBare{}, sigBad("invalid escape in string at offset %d of structured field", p.i-1)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c < 0x20 || c > 0x7e:
			return sfBare{}, sigBad("byte %#x not allowed in string at offset %d of structured field", c, p.i-1)
		default:
			b.WriteByte(c)
		}
	}
	return sfBare{}, sigBad("unterminated string in structured field")
}

// byteSeq: ":" base64 ":" (standard alphabet, padded, as RFC 8941 §4.1.8 serialises it).
func (p *sfParser) byteSeq() (sfBare, error) {
	p.i++
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 {
		return sfBare{}, sigBad("unterminated byte sequence in structured field")
	}
	raw := p.s[p.i : p.i+end]
	p.i += end + 1
	b, err := base64.StdEncoding.Strict().DecodeString(raw)
	if err != nil {
		return sfBare{}, sigBadWrap(err, "byte sequence is not base64")
	}
	return sfBare{kind: sfBytes, bytes: b}, nil
}

func sfLCAlpha(c byte) bool { return 'a' <= c && c <= 'z' }
func sfAlpha(c byte) bool   { return sfLCAlpha(c) || ('A' <= c && c <= 'Z') }
func sfDigit(c byte) bool   { return '0' <= c && c <= '9' }

// Serialisation (RFC 8941 §4.1), for the @signature-params line of the signature base, which RFC 9421
// §2.3 defines as the serialised inner list of the Signature-Input member.

func sfWriteBare(b *strings.Builder, v sfBare) {
	switch v.kind {
	case sfInteger:
		b.WriteString(strconv.FormatInt(v.num, 10))
	case sfString:
		b.WriteByte('"')
		for i := 0; i < len(v.str); i++ {
			if v.str[i] == '"' || v.str[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v.str[i])
		}
		b.WriteByte('"')
	case sfToken:
		b.WriteString(v.str)
	case sfBytes:
		b.WriteByte(':')
		b.WriteString(base64.StdEncoding.EncodeToString(v.bytes))
		b.WriteByte(':')
	case sfBoolean:
		if v.bool {
			b.WriteString("?1")
		} else {
			b.WriteString("?0")
		}
	}
}

func sfWriteParams(b *strings.Builder, ps []sfParam) {
	for _, q := range ps {
		b.WriteByte(';')
		b.WriteString(q.key)
		if q.val.kind == sfBoolean && q.val.bool {
			continue
		}
		b.WriteByte('=')
		sfWriteBare(b, q.val)
	}
}

// sfSerializeInnerList serialises an inner list and its parameters.
func sfSerializeInnerList(list []sfItem, params []sfParam) string {
	var b strings.Builder
	b.WriteByte('(')
	for k, it := range list {
		if k > 0 {
			b.WriteByte(' ')
		}
		sfWriteBare(&b, it.bare)
		sfWriteParams(&b, it.params)
	}
	b.WriteByte(')')
	sfWriteParams(&b, params)
	return b.String()
}
