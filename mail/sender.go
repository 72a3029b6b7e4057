// Package mail sends the node's email: notifications people opted in to,
// address confirmations and password resets. It is delivery only, as
// outbox/ is for activities, and a sibling of it rather than a part: the
// services decide who gets which mail and queue it in the store, in the
// transaction of the change that causes it; the Sender here takes the due
// mails from that queue and hands each to the operator's SMTP server
// (STARTTLS or implicit TLS, AUTH PLAIN), retrying with backoff while the
// server answers 4xx or cannot be reached, dropping a mail with a log line
// when it answers 5xx. A mail leaves the queue only once the server took
// it, so a crash or kill -9 loses none and may send one twice
// (at-least-once, as SMTP itself is).
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/lernejo/lernejo/domain"
)

// TLSMode is how the connection to the SMTP server is secured.
type TLSMode string

// The TLS modes of --smtp-tls.
const (
	StartTLS TLSMode = "starttls" // plain connection, then STARTTLS, required (port 587)
	TLS      TLSMode = "tls"      // TLS from the first byte (port 465)
	NoTLS    TLSMode = "none"     // plain text: loopback, or tests with private networks allowed
)

// SMTP is the operator's SMTP server and the account the node sends as.
type SMTP struct {
	Host string
	Port int
	// Username and Password log in with AUTH PLAIN, always over TLS
	// unless the server is on loopback; no Username: no AUTH.
	Username, Password string
	// From is the sender, "Name <address>" or a bare address.
	From string
	TLS  TLSMode
	// RootCAs are the certificates trusted for the server; nil: the
	// system's.
	RootCAs *x509.CertPool
}

// Configured reports whether an SMTP server was given at all.
func (c SMTP) Configured() bool { return c.Host != "" }

// Validate checks the configuration once, at start. Plain text (NoTLS) is
// refused unless the server is on loopback or private networks are
// allowed (tests and local development): a password and people's
// addresses would otherwise cross the network in the clear.
func (c SMTP) Validate(allowPrivate bool) error {
	if c.Port <= 0 || c.Port > 65535 {
		return fmt.Errorf("--smtp-port must be a port number, not %d", c.Port)
	}
	if _, err := c.sender(); err != nil {
		return err
	}
	switch c.TLS {
	case StartTLS, TLS:
	case NoTLS:
		if !allowPrivate && !isLoopback(c.Host) {
			return fmt.Errorf("--smtp-tls=none sends passwords and addresses in the clear: it is only allowed to a loopback server or with --allow-private-networks")
		}
	default:
		return fmt.Errorf("--smtp-tls must be starttls, tls or none, not %q", c.TLS)
	}
	if c.Username != "" && c.Password == "" {
		return fmt.Errorf("--smtp-user is set but the password file is empty or not given (--smtp-password-file)")
	}
	return nil
}

// sender parses From.
func (c SMTP) sender() (*netmail.Address, error) {
	a, err := netmail.ParseAddress(c.From)
	if err != nil || headerUnsafe(a.Address) {
		return nil, fmt.Errorf("--smtp-from must be an address such as \"Lernejo <lernejo@example.org>\", not %q", c.From)
	}
	return a, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Defaults of Config.
const (
	DefaultPollInterval = 5 * time.Second
	// MaxAttempts is how many failed attempts a mail gets before it is
	// dropped: with Backoff's doubling from a minute, capped at two hours,
	// that is about a day and a half of trying.
	MaxAttempts = 24
	// dialTimeout bounds the TCP connection, commandTimeout each SMTP
	// answer, dataTimeout the answer to the message itself.
	dialTimeout    = 30 * time.Second
	commandTimeout = time.Minute
	dataTimeout    = 2 * time.Minute
	batch          = 50
)

// Backoff is the wait after a mail's n-th failed attempt.
func Backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 2*time.Hour; i++ {
		d *= 2
	}
	return min(d, 2*time.Hour)
}

// Config configures a Sender.
type Config struct {
	SMTP  SMTP
	Store domain.Store
	// Host is the node's host: the right part of Message-IDs and the name
	// said in EHLO.
	Host   string
	Logger *slog.Logger
	Now    func() time.Time
	// PollInterval is how often due mails are looked for without a Wake
	// (retries become due as the clock moves); 0: DefaultPollInterval.
	PollInterval time.Duration
}

// Sender sends the queued mails, one at a time (a node's mail is a trickle,
// and one connection at a time is what small SMTP accounts allow).
type Sender struct {
	cfg  Config
	from netmail.Address
	log  *slog.Logger
	wake chan struct{}
}

// New builds a Sender; cfg.SMTP must have passed Validate.
func New(cfg Config) (*Sender, error) {
	from, err := cfg.SMTP.sender()
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if h, _, err := net.SplitHostPort(cfg.Host); err == nil {
		cfg.Host = h // a Message-ID's and EHLO's name has no port
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, from: *from, log: log, wake: make(chan struct{}, 1)}, nil
}

// Wake tells the sender that new mail is queued.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due mails until ctx ends: at once, on each Wake, and every
// PollInterval. A mail being sent when ctx ends stays queued.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.sendDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("mail queue", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// sendDue sends every mail due now, in due order, and records each outcome.
func (s *Sender) sendDue(ctx context.Context) error {
	for ctx.Err() == nil {
		var due []*domain.OutMail
		if err := s.cfg.Store.View(ctx, func(tx domain.Tx) error {
			var err error
			due, err = tx.DueMails(s.cfg.Now(), batch)
			return err
		}); err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		for _, m := range due {
			if ctx.Err() != nil {
				return nil
			}
			if err := s.record(ctx, m, s.send(ctx, m)); err != nil {
				return err
			}
		}
		if len(due) < batch {
			return nil
		}
	}
	return nil
}

// record takes a sent or dropped mail out of the queue, or puts a failed
// one back for later.
func (s *Sender) record(ctx context.Context, m *domain.OutMail, sendErr error) error {
	if sendErr != nil && ctx.Err() != nil {
		return nil // stopping: it stays queued as it is
	}
	var perm *permanentError
	permanent := errors.As(sendErr, &perm)
	return s.cfg.Store.Update(ctx, func(tx domain.Tx) error {
		if err := tx.DeleteMail(m); err != nil {
			return err
		}
		switch {
		case sendErr == nil:
			s.log.Info("mail sent", slog.String("mail", m.ID))
			return nil
		case permanent:
			s.log.Warn("mail dropped: the SMTP server refused it", slog.String("mail", m.ID), slog.Any("err", sendErr))
			return nil
		case m.Attempts+1 >= MaxAttempts:
			s.log.Warn("mail dropped after too many attempts", slog.String("mail", m.ID), slog.Int("attempts", m.Attempts+1), slog.Any("err", sendErr))
			return nil
		}
		next := *m
		next.Attempts++
		next.LastError = sendErr.Error()
		next.NextAt = s.cfg.Now().Add(Backoff(next.Attempts))
		s.log.Info("mail will be retried", slog.String("mail", m.ID), slog.Int("attempts", next.Attempts),
			slog.Time("next_at", next.NextAt), slog.Any("err", sendErr))
		return tx.PutMail(&next)
	})
}

// permanentError is a failure that no retry will mend.
type permanentError struct{ error }

func (e *permanentError) Unwrap() error { return e.error }

// send hands one mail to the SMTP server over a new connection.
func (s *Sender) send(ctx context.Context, m *domain.OutMail) error {
	msg, err := Compose(m, s.from, s.cfg.Host)
	if err != nil {
		return &permanentError{err} // nothing will make this mail valid
	}
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if cfg := s.cfg.SMTP; cfg.Username != "" {
		if _, secure := c.TLSConnectionState(); !secure && !isLoopback(cfg.Host) && cfg.TLS != NoTLS {
			return errors.New("mail: refusing to log in over a connection without TLS")
		}
		if err := c.Auth(sasl.NewPlainClient("", cfg.Username, cfg.Password)); err != nil {
			return fmt.Errorf("mail: log in to %s: %w", cfg.Host, err)
		}
	}
	if err := c.SendMail(s.from.Address, []string{m.To}, strings.NewReader(string(msg))); err != nil {
		// A 5xx answer to this mail (its sender, its recipient, its
		// content) will not change on a retry. Any other failure, and a
		// 5xx before it (a refused greeting or log-in, which the operator
		// can fix), leaves it queued.
		var smtpErr *smtp.SMTPError
		if errors.As(err, &smtpErr) && smtpErr.Code >= 500 {
			return &permanentError{err}
		}
		return err
	}
	if err := c.Quit(); err != nil {
		// The server took the message before QUIT: it is sent.
		s.log.Debug("mail: quit", slog.Any("err", err))
	}
	return nil
}

// dial connects to the server and secures the connection as configured.
func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	cfg := s.cfg.SMTP
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	tc := &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	var c *smtp.Client
	switch cfg.TLS {
	case TLS:
		c = smtp.NewClient(tls.Client(conn, tc))
	case StartTLS:
		// go-smtp says EHLO before STARTTLS itself; the name said after,
		// on the secured connection, is ours. A server that offers no
		// STARTTLS is an error: we never fall back to plain text.
		if c, err = smtp.NewClientStartTLS(conn, tc); err != nil {
			return nil, fmt.Errorf("mail: STARTTLS with %s: %w", addr, err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = commandTimeout, dataTimeout
	if err := c.Hello(s.cfg.Host); err != nil {
		c.Close()
		return nil, fmt.Errorf("mail: greet %s: %w", addr, err)
	}
	return c, nil
}
