package integrity

// Strict JSON and the JSON Canonicalization Scheme (RFC 8785) that eddsa-jcs-2022 proofs hash.
//
// Input is read strictly as I-JSON (RFC 7493), which RFC 8785 §3.1 requires: invalid UTF-8, lone
// surrogate escapes, duplicate member names and numbers outside IEEE 754 double range are refused, so that
// two byte strings that a different JSON reader could understand differently never share one signature.
// JCS is implemented here by hand over that strict parse (see jcs).

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxStrictJSONDepth bounds nesting in documents read by this package (ActivityPub objects are shallow).
const maxStrictJSONDepth = 64

// ---- strict JSON (I-JSON, RFC 7493) ----

// parseStrictJSON parses one JSON value into nil, bool, string, json.Number, []any and map[string]any,
// refusing what RFC 8785 §3.1 says a JCS input must not contain (I-JSON): invalid UTF-8, escaped lone
// surrogates, duplicate member names, numbers that overflow an IEEE 754 double. It also refuses nesting
// deeper than maxStrictJSONDepth and anything after the value.
func parseStrictJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, proofErr("JSON is not valid UTF-8")
	}
	if err := checkSurrogateEscapes(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseStrictValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, proofErr("trailing data after JSON value")
	}
	return v, nil
}

// checkSurrogateEscapes refuses \uD800–\uDFFF escapes that are not a high surrogate followed by a low
// one (encoding/json would silently turn them into U+FFFD). Backslashes occur only inside strings in
// JSON that the decoder accepts, so a plain scan is enough.
func checkSurrogateEscapes(data []byte) error {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if i+1 >= len(data) || data[i+1] != 'u' {
			i++ // skip the escaped character (may be another backslash)
			continue
		}
		r, ok := hex4(i)
		if !ok {
			return proofErr("bad \\u escape")
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			r2, ok := hex4(i + 6)
			if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
				return proofErr("lone surrogate in string")
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return proofErr("lone surrogate in string")
		default:
			i += 5
		}
	}
	return nil
}

func parseStrictValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, proofErr("invalid JSON: %v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxStrictJSONDepth {
			return nil, proofErr("JSON nested too deeply")
		}
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, proofErr("invalid JSON: %v", err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, proofErr("invalid JSON object key")
				}
				if _, dup := m[k]; dup {
					return nil, proofErr("duplicate member name %q", k)
				}
				if m[k], err = parseStrictValue(dec, depth+1); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, proofErr("invalid JSON: %v", err)
			}
			return m, nil
		case '[':
			a := []any{}
			for dec.More() {
				x, err := parseStrictValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, x)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, proofErr("invalid JSON: %v", err)
			}
			return a, nil
		}
		return nil, proofErr("invalid JSON: unexpected %v", t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, proofErr("number %s is not an IEEE 754 double", t)
		}
		return t, nil
	default: // nil, bool, string
		return t, nil
	}
}

// ---- RFC 8785 JSON Canonicalization Scheme ----

// jcs serialises a value (as parseStrictJSON returns, plus float64/int/map/slice values built in Go) per
// RFC 8785: no whitespace; object members sorted by the UTF-16 code units of their names (§3.2.3);
// strings with only the escapes of §3.2.2.2 (\" \\ \b \f \n \r \t, other controls as lower-case \u00xx,
// everything else literal UTF-8); numbers as ECMAScript Number.prototype.toString of the IEEE 754 double
// (§3.2.2.3), -0 as 0, NaN and infinities refused.
func jcs(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := jcsWrite(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func jcsWrite(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		jcsString(b, t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return proofErr("number %s is not an IEEE 754 double", t)
		}
		return jcsNumber(b, f)
	case float64:
		return jcsNumber(b, t)
	case int:
		return jcsNumber(b, float64(t))
	case int64:
		return jcsNumber(b, float64(t))
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := jcsWrite(b, x); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			jcsString(b, x)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			jcsString(b, k)
			b.WriteByte(':')
			if err := jcsWrite(b, t[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return proofErr("cannot canonicalise a %T", v)
	}
	return nil
}

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785 §3.2.3), which differs from UTF-8 byte
// order for characters above U+FFFF against U+E000–U+FFFF.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func jcsString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// jcsNumber writes f as ECMAScript's Number::toString (ECMA-262 §6.1.6.1.20) does, which RFC 8785
// §3.2.2.3 requires: the shortest digits that round-trip (strconv's shortest formatting yields the same
// digits), placed as an integer, a decimal or an exponent form depending on the decimal exponent.
func jcsNumber(b *bytes.Buffer, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return proofErr("NaN or infinity cannot be canonicalised")
	}
	if f == 0 { // also -0
		b.WriteByte('0')
		return nil
	}
	if f < 0 {
		b.WriteByte('-')
		f = -f
	}
	// "d.ddddde±x": digits and exponent of the shortest round-tripping representation.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k := len(digits)
	n := x + 1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return nil
}
