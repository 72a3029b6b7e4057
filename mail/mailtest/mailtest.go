// Package mailtest is an in-process SMTP server for tests (go-smtp's
// server): it offers STARTTLS with a certificate made at start and AUTH
// PLAIN, keeps every message it accepts, and answers with scripted errors
// when a test asks it to. Only tests import it.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/lernejo/lernejo/mail"
)

// The account the server accepts.
const (
	User     = "lernejo"
	Password = "correct horse battery staple"
)

// Message is one accepted message.
type Message struct {
	From, To string
	Raw      []byte
	TLS      bool // it came over a connection secured with STARTTLS
}

// Parsed parses the message as RFC 5322.
func (m Message) Parsed(t testing.TB) *netmail.Message {
	t.Helper()
	p, err := netmail.ReadMessage(strings.NewReader(string(m.Raw)))
	if err != nil {
		t.Fatalf("parse the mail: %v\n%s", err, m.Raw)
	}
	return p
}

// Server is a running test SMTP server.
type Server struct {
	Host string
	Port int
	// RootCAs trust the server's certificate.
	RootCAs *x509.CertPool

	mu       sync.Mutex
	messages []Message
	answers  []error // the next answers to DATA, in order; nil: accept
	arrived  chan struct{}
	srv      *smtp.Server
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	cert, pool := certificate(t)
	s := &Server{Host: "127.0.0.1", RootCAs: pool, arrived: make(chan struct{}, 100)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// SMTP is the client configuration for this server: STARTTLS, AUTH PLAIN.
func (s *Server) SMTP() mail.SMTP {
	return mail.SMTP{Host: s.Host, Port: s.Port, Username: User, Password: Password,
		From: "Lernejo <lernejo@example.org>", TLS: mail.StartTLS, RootCAs: s.RootCAs}
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Answer makes the next DATA commands fail with these SMTP codes, in order
// (e.g. 451, then 550); after them every message is accepted.
func (s *Server) Answer(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		s.answers = append(s.answers, &smtp.SMTPError{Code: c, EnhancedCode: smtp.EnhancedCode{c / 100, 0, 0},
			Message: "scripted answer " + strconv.Itoa(c)})
	}
}

// Messages are the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits up to timeout for at least n messages and returns them.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("waited %s for %d mails; the SMTP server has %d", timeout, n, len(s.Messages()))
		}
	}
}

type session struct {
	s        *Server
	conn     *smtp.Conn
	authed   bool
	from, to string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != User || password != Password {
			return errors.New("invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if len(x.s.answers) > 0 {
		err := x.s.answers[0]
		x.s.answers = x.s.answers[1:]
		return err
	}
	_, secure := x.conn.TLSConnectionState()
	x.s.messages = append(x.s.messages, Message{From: x.from, To: x.to, Raw: raw, TLS: secure})
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
