// Package fetch is the node's one way out to other servers: the guarded HTTP client (client.go: no
// private or special addresses unless allowed, every redirect hop checked and re-signed, size and time
// limits, ActivityStreams content type and id checks), the Resolver that fetches and caches remote actors
// and their keys (resolver.go), and the WebFinger client (webfinger.go).
package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/lernejo/lernejo/federation"
)

// Errors returned by the fetch client. Test with errors.Is.
var (
	ErrGone             = errors.New("fetch: remote resource gone (410)")
	ErrNotFound         = errors.New("fetch: remote resource not found (404)")
	ErrTooLarge         = errors.New("fetch: remote response too large")
	ErrForbiddenAddress = errors.New("fetch: forbidden remote address")
	// ErrIDMismatch: the fetched document's top-level id does not match what was asked for (O5).
	ErrIDMismatch = errors.New("fetch: fetched document id mismatch")
	// ErrContentType: the response is not an ActivityStreams document (O6).
	ErrContentType = errors.New("fetch: not an ActivityStreams content type")
	// ErrTooManyRedirects: more than MaxRedirects hops.
	ErrTooManyRedirects = errors.New("fetch: too many redirects")
)

// StatusError is returned for an unexpected HTTP status (other than 404/410, which map to
// ErrNotFound/ErrGone, both of which StatusError also matches via errors.Is).
type StatusError struct {
	URL        string
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("fetch: GET %s: unexpected status %d", e.URL, e.StatusCode)
}

// Is lets errors.Is(err, ErrNotFound/ErrGone) work on a StatusError.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrGone:
		return e.StatusCode == http.StatusGone
	}
	return false
}

const (
	defaultTimeout      = 30 * time.Second
	defaultMaxBody      = 1 << 20
	defaultMaxRedirects = 3
	maxConnsPerHost     = 20
	defaultUserAgent    = "Lernejo"
)

// Config configures the single outbound HTTP client.
type Config struct {
	AllowPrivate bool                        // --allow-private-networks: allows loopback/private IPs AND plain http
	Resolver     *net.Resolver               // nil = net.DefaultResolver; tests inject
	UserAgent    string                      // "" = "Lernejo"
	Timeout      time.Duration               // total deadline per request incl. redirects and body read; 0 = 30s
	MaxBody      int64                       // 0 = 1 MiB, counted after decompression
	MaxRedirects int                         // 0 = 3; negative = follow none
	Sign         func(r *http.Request) error // signs each GET hop (the node's Application actor); nil = unsigned
	Now          func() time.Time            // nil = time.Now; used for the Date header of each hop
}

// Client is the one guarded client for every outbound request. Safe for concurrent use.
type Client struct {
	cfg       Config
	dialer    *net.Dialer
	transport *http.Transport
	guarded   http.RoundTripper
	get       *http.Client // redirects handled by hand (each hop checked and re-signed)
	post      *http.Client // for HTTP(): never follows redirects
}

// NewClient builds a Client. Zero values in cfg take the documented defaults.
func NewClient(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = defaultMaxBody
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = defaultMaxRedirects
	} else if cfg.MaxRedirects < 0 {
		cfg.MaxRedirects = 0
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg}
	c.dialer = &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Resolver:  cfg.Resolver,
		Control:   c.dialControl,
	}
	c.transport = &http.Transport{
		Proxy: nil, // never: a proxy would be dialled instead of the guarded target
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if err := c.checkDialHost(addr); err != nil {
				return nil, err
			}
			return c.dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   maxConnsPerHost, // keep what the per-host cap allows: no re-dialling
		MaxConnsPerHost:       maxConnsPerHost, // F11
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	c.guarded = guardedTransport{c: c, base: c.transport}
	noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.get = &http.Client{Transport: c.guarded, CheckRedirect: noFollow}
	c.post = &http.Client{Transport: c.guarded, CheckRedirect: noFollow, Timeout: cfg.Timeout}
	return c
}

// HTTP returns the guarded *http.Client (same dialer guard), for POST deliveries. Redirects are NOT followed
// for it (D9): a 3xx is returned as the response. Its Timeout is Config.Timeout; the caller must still
// cap what it reads from response bodies.
func (c *Client) HTTP() *http.Client { return c.post }

// guardedTransport validates every request URL (scheme, host form, hidden services, literal IPs)
// before handing it to the transport, whose dialer re-checks the resolved IP.
type guardedTransport struct {
	c    *Client
	base http.RoundTripper
}

func (g guardedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := g.c.checkURL(r.URL); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return g.base.RoundTrip(r)
}

// checkURL applies the pre-dial checks: http(s) only (https unless AllowPrivate; F4, O13), no userinfo,
// canonicalisable host, no .onion/.i2p (F7), no forbidden literal IP.
func (c *Client) checkURL(u *url.URL) error {
	if u == nil {
		return fmt.Errorf("%w: nil URL", ErrForbiddenAddress)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !c.cfg.AllowPrivate {
			return fmt.Errorf("%w: plain http not allowed: %s", ErrForbiddenAddress, u.Redacted())
		}
	default:
		return fmt.Errorf("%w: scheme %q not allowed", ErrForbiddenAddress, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: userinfo in URL", ErrForbiddenAddress)
	}
	if u.Host == "" {
		return fmt.Errorf("%w: URL without host", ErrForbiddenAddress)
	}
	if _, err := federation.CanonicalHost(u.Host, u.Scheme); err != nil {
		return fmt.Errorf("%w: %v", ErrForbiddenAddress, err)
	}
	return c.checkDialHost(u.Host)
}

// checkDialHost refuses hidden-service names and forbidden IP literals before any DNS or dial.
func (c *Client) checkDialHost(hostport string) error {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.TrimPrefix(strings.TrimSuffix(h, "]"), "[")
	lh := strings.TrimSuffix(strings.ToLower(h), ".")
	if strings.HasSuffix(lh, ".onion") || strings.HasSuffix(lh, ".i2p") || lh == "onion" || lh == "i2p" {
		return fmt.Errorf("%w: hidden service %q", ErrForbiddenAddress, h) // F7
	}
	if c.cfg.AllowPrivate {
		return nil
	}
	if a, err := netip.ParseAddr(h); err == nil && forbiddenAddr(a) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, a)
	}
	return nil
}

// dialControl runs after DNS resolution, on the exact IP about to be connected (F1, F2: rebinding-safe).
func (c *Client) dialControl(network, address string, _ syscall.RawConn) error {
	if c.cfg.AllowPrivate {
		return nil
	}
	return guardDial(network, address)
}

// guardDial refuses a dial to anything but a public unicast TCP address.
func guardDial(network, address string) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %q", ErrForbiddenAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable dial address %q", ErrForbiddenAddress, address)
	}
	if forbiddenAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

func pfx4(a, b, c, d byte, bits int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{a, b, c, d}), bits)
}

func pfx6(hi uint16, hi2 uint16, bits int) netip.Prefix {
	var b [16]byte
	b[0], b[1], b[2], b[3] = byte(hi>>8), byte(hi), byte(hi2>>8), byte(hi2)
	return netip.PrefixFrom(netip.AddrFrom16(b), bits)
}

// blockedV4 lists refused IPv4 ranges (IANA special-purpose registry: everything that is not globally
// reachable unicast). A function, not a package variable, so there is no package-level mutable state.
func blockedV4() [15]netip.Prefix {
	return [...]netip.Prefix{
		pfx4(0, 0, 0, 0, 8),       // "this network"
		pfx4(10, 0, 0, 0, 8),      // private
		pfx4(100, 64, 0, 0, 10),   // CGNAT
		pfx4(127, 0, 0, 0, 8),     // loopback
		pfx4(169, 254, 0, 0, 16),  // link-local, cloud metadata
		pfx4(172, 16, 0, 0, 12),   // private
		pfx4(192, 0, 0, 0, 24),    // IETF protocol assignments
		pfx4(192, 0, 2, 0, 24),    // TEST-NET-1
		pfx4(192, 88, 99, 0, 24),  // 6to4 relay anycast
		pfx4(192, 168, 0, 0, 16),  // private
		pfx4(198, 18, 0, 0, 15),   // benchmarking
		pfx4(198, 51, 100, 0, 24), // TEST-NET-2
		pfx4(203, 0, 113, 0, 24),  // TEST-NET-3
		pfx4(224, 0, 0, 0, 4),     // multicast
		pfx4(240, 0, 0, 0, 4),     // reserved, incl. 255.255.255.255 broadcast
	}
}

// blockedV6 lists refused ranges inside 2000::/3, the only IPv6 space allowed.
func blockedV6() [4]netip.Prefix {
	return [...]netip.Prefix{
		pfx6(0x2001, 0x0000, 23), // IETF protocol assignments incl. Teredo 2001::/32, benchmarking, ORCHID
		pfx6(0x2001, 0x0db8, 32), // documentation
		pfx6(0x2002, 0x0000, 16), // 6to4 (embeds an IPv4 address)
		pfx6(0x3fff, 0x0000, 20), // documentation (RFC 9637)
	}
}

// forbiddenAddr reports whether a is not a public unicast address. IPv4-mapped IPv6 is judged as its IPv4.
// ::1, fc00::/7, fe80::/10, 64:ff9b::/96, ff00::/8 and :: all lie outside 2000::/3.
func forbiddenAddr(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		return true
	}
	a = a.Unmap()
	if a.Is4() {
		for _, p := range blockedV4() {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !pfx6(0x2000, 0, 3).Contains(a) { // global unicast only
		return true
	}
	for _, p := range blockedV6() {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Get does a guarded GET with a given Accept (used for WebFinger/NodeInfo JSON); same limits (scheme, dial
// guard, redirects re-checked and re-signed, deadline, MaxBody), no content-type/id checks. Any final status
// is returned with a nil error: the caller checks resp.StatusCode. resp.Body is already consumed and closed
// (it is replaced by http.NoBody); resp.Request.URL is the final URL after redirects.
func (c *Client) Get(ctx context.Context, rawURL, accept string) (*http.Response, []byte, error) {
	return c.do(ctx, rawURL, accept)
}

// do performs one logical GET: follows up to MaxRedirects redirects by hand, re-validating and re-signing
// each hop, under one overall deadline that also covers the body read (F5).
func (c *Client) do(ctx context.Context, rawURL, accept string) (*http.Response, []byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch: parse URL: %w", err)
	}
	if !u.IsAbs() {
		return nil, nil, fmt.Errorf("fetch: URL %q not absolute", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	for hop := 0; ; hop++ {
		if err := c.checkURL(u); err != nil {
			return nil, nil, err
		}
		u.Host, _ = federation.CanonicalHost(u.Host, u.Scheme) // checked by checkURL
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, nil, fmt.Errorf("fetch: new request: %w", err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		// Fresh Date on every hop (F10); Host made explicit for signers that read it from the header map
		// (net/http sends req.Host and never the Host entry of the map).
		req.Header.Set("Date", c.cfg.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Host", req.Host)
		if c.cfg.Sign != nil {
			if err := c.cfg.Sign(req); err != nil {
				return nil, nil, fmt.Errorf("fetch: sign GET %s: %w", u.Redacted(), err)
			}
		}
		resp, err := c.get.Do(req)
		if err != nil {
			return nil, nil, err
		}
		if isRedirect(resp.StatusCode) {
			loc := resp.Header.Get("Location")
			drainClose(resp.Body)
			if loc == "" {
				return nil, nil, fmt.Errorf("fetch: redirect %d without Location from %s", resp.StatusCode, u.Redacted())
			}
			if hop >= c.cfg.MaxRedirects {
				return nil, nil, fmt.Errorf("%w: more than %d from %s", ErrTooManyRedirects, c.cfg.MaxRedirects, rawURL)
			}
			next, err := u.Parse(loc)
			if err != nil {
				return nil, nil, fmt.Errorf("fetch: bad redirect Location %q: %w", loc, err)
			}
			next.Fragment, next.RawFragment = "", ""
			u = next
			continue
		}
		body, err := c.readBody(resp)
		if err != nil {
			return nil, nil, err
		}
		resp.Body = http.NoBody
		return resp, body, nil
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func drainClose(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, 64<<10)
	_ = b.Close()
}

// readBody reads at most MaxBody bytes of the (transparently gunzipped, F6) body.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > c.cfg.MaxBody {
		return nil, fmt.Errorf("%w: Content-Length %d > %d", ErrTooLarge, resp.ContentLength, c.cfg.MaxBody)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: read body: %w", err)
	}
	if int64(len(b)) > c.cfg.MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.cfg.MaxBody)
	}
	return b, nil
}

// FetchActivity GETs an ActivityStreams document and returns its raw bytes. See the package brief:
// https only unless AllowPrivate; each redirect hop checked and re-signed; status 200 only (410 → ErrGone,
// 404 → ErrNotFound, others → *StatusError); AS content type only (O6, ErrContentType); body ≤ MaxBody after
// gunzip (ErrTooLarge).
//
// Identity (O5): the top-level "id" must equal rawURL exactly AND be on the same canonical origin as the final
// URL after redirects (so an open redirect on the requested host cannot lend its identity to another host).
// Otherwise, if the id is on the final URL's origin, the id is fetched ONCE and must then match exactly; the
// returned document is that one, so callers must take the identity from the returned id, not from rawURL.
// Anything else is ErrIDMismatch.
func (c *Client) FetchActivity(ctx context.Context, rawURL string) ([]byte, error) {
	body, final, id, err := c.fetchAS(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if id == rawURL && federation.SameOrigin(id, final) {
		return body, nil
	}
	if !federation.SameOrigin(id, final) {
		return nil, fmt.Errorf("%w: requested %q, got id %q from %q", ErrIDMismatch, rawURL, id, final)
	}
	body2, final2, id2, err := c.fetchAS(ctx, id)
	if err != nil {
		return nil, err
	}
	if id2 != id || !federation.SameOrigin(id2, final2) {
		return nil, fmt.Errorf("%w: refetched %q, got id %q from %q", ErrIDMismatch, id, id2, final2)
	}
	return body2, nil
}

// fetchAS does one guarded GET with AS checks and returns the body, the final URL and the top-level id.
func (c *Client) fetchAS(ctx context.Context, rawURL string) (body []byte, finalURL, id string, err error) {
	resp, body, err := c.do(ctx, rawURL, federation.ActivityStreamsAccept)
	if err != nil {
		return nil, "", "", err
	}
	final := resp.Request.URL.String()
	if resp.StatusCode != http.StatusOK {
		se := &StatusError{URL: final, StatusCode: resp.StatusCode}
		switch resp.StatusCode {
		case http.StatusGone:
			return nil, "", "", fmt.Errorf("%w: %s", ErrGone, final)
		case http.StatusNotFound:
			return nil, "", "", fmt.Errorf("%w: %s", ErrNotFound, final)
		}
		return nil, "", "", se
	}
	if !federation.IsActivityStreamsContentType(resp.Header.Get("Content-Type")) {
		return nil, "", "", fmt.Errorf("%w: %q from %s", ErrContentType, resp.Header.Get("Content-Type"), final)
	}
	id, err = topLevelID(body)
	if err != nil {
		return nil, "", "", fmt.Errorf("fetch: %s: %w", final, err)
	}
	return body, final, id, nil
}

// topLevelID returns the string "id" member of a JSON object, refusing duplicate or case-variant
// "id" keys (O16) and trailing data.
func topLevelID(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("%w: not JSON: %v", ErrIDMismatch, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return "", fmt.Errorf("%w: document is not a JSON object", ErrIDMismatch)
	}
	var id string
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("%w: bad JSON: %v", ErrIDMismatch, err)
		}
		key, _ := tok.(string)
		if strings.EqualFold(key, "id") {
			if key != "id" || seen {
				return "", fmt.Errorf("%w: duplicate or case-variant id key %q", ErrIDMismatch, key)
			}
			seen = true
			if err := dec.Decode(&id); err != nil {
				return "", fmt.Errorf("%w: id is not a string", ErrIDMismatch)
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", fmt.Errorf("%w: bad JSON: %v", ErrIDMismatch, err)
		}
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return "", fmt.Errorf("%w: bad JSON: %v", ErrIDMismatch, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("%w: trailing data after JSON object", ErrIDMismatch)
	}
	if !seen || id == "" {
		return "", fmt.Errorf("%w: document has no id", ErrIDMismatch)
	}
	return id, nil
}
