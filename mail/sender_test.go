package mail_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/mail"
	"github.com/lernejo/lernejo/mail/mailtest"
)

// clock is a settable clock for the sender.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// run starts a sender over st until the test ends (or stop is called).
func run(t *testing.T, st domain.Store, cfg mail.SMTP, clk *clock) (s *mail.Sender, stop func()) {
	t.Helper()
	s, err := mail.New(mail.Config{SMTP: cfg, Store: st, Host: "learn.example:8080", Now: clk.Now, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return s, stop
}

func queue(t *testing.T, st domain.Store, m *domain.OutMail) {
	t.Helper()
	if err := st.Update(context.Background(), func(tx domain.Tx) error { return tx.PutMail(m) }); err != nil {
		t.Fatal(err)
	}
}

func queued(t *testing.T, st domain.Store, now time.Time) []*domain.OutMail {
	t.Helper()
	var out []*domain.OutMail
	if err := st.View(context.Background(), func(tx domain.Tx) error {
		var err error
		out, err = tx.DueMails(now, 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func newMail(id string, at time.Time) *domain.OutMail {
	return &domain.OutMail{ID: id, To: "pat@example.org", Subject: "Welcome to Ĉefa kurso", Text: "Saluton, Pat!\nYour sign-up was approved.\n\nhttps://learn.example/courses/x",
		Created: at, NextAt: at}
}

// body decodes a message's quoted-printable body.
func body(t *testing.T, m mailtest.Message) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(m.Parsed(t).Body))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQueuedMailIsDelivered(t *testing.T) {
	srv := mailtest.Start(t)
	st := openStore(t, "")
	defer st.Close()
	clk := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	queue(t, st, newMail("01JNQ0000000000000000000AA", clk.Now()))
	run(t, st, srv.SMTP(), clk)
	msgs := srv.Wait(t, 1, 10*time.Second)
	m := msgs[0]
	if !m.TLS {
		t.Error("the mail did not go over STARTTLS")
	}
	if m.From != "lernejo@example.org" || m.To != "pat@example.org" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	p := m.Parsed(t)
	subject, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if err != nil || subject != "Welcome to Ĉefa kurso" {
		t.Errorf("Subject %q (%v), raw %q", subject, err, p.Header.Get("Subject"))
	}
	for name, want := range map[string]string{
		"From":                      "\"Lernejo\" <lernejo@example.org>",
		"To":                        "<pat@example.org>",
		"Message-Id":                "<01JNQ0000000000000000000AA@learn.example>",
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Date":                      "Sat, 01 Mar 2025 10:00:00 +0000",
	} {
		if got := p.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if got := body(t, m); !strings.Contains(got, "Saluton, Pat!\r\nYour sign-up was approved.") || !strings.Contains(got, "https://learn.example/courses/x") {
		t.Errorf("body %q", got)
	}
	waitEmpty(t, st, clk)
}

// waitEmpty waits until the queue holds nothing, due or not.
func waitEmpty(t *testing.T, st domain.Store, clk *clock) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if len(queued(t, st, clk.Now().Add(1000*time.Hour))) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the queue still holds %d mails", len(queued(t, st, clk.Now().Add(1000*time.Hour))))
}

func TestTemporaryFailureIsRetriedAndSentOnce(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Answer(451)
	st := openStore(t, "")
	defer st.Close()
	clk := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	queue(t, st, newMail("01JNQ0000000000000000000AB", clk.Now()))
	s, _ := run(t, st, srv.SMTP(), clk)
	// The 451 puts it back, a minute later.
	var later []*domain.OutMail
	// (The mail is in the queue from the start, with no attempt: wait
	// for the one the sender made.)
	for i := 0; i < 500 && (len(later) == 0 || later[0].Attempts == 0); i++ {
		time.Sleep(10 * time.Millisecond)
		later = queued(t, st, clk.Now().Add(time.Hour))
	}
	if len(later) != 1 || later[0].Attempts != 1 || !later[0].NextAt.Equal(clk.Now().Add(mail.Backoff(1))) || !strings.Contains(later[0].LastError, "451") {
		t.Fatalf("after a 451: %+v", later)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d mails accepted before the retry", n)
	}
	clk.Add(mail.Backoff(1))
	s.Wake()
	srv.Wait(t, 1, 10*time.Second)
	waitEmpty(t, st, clk)
	time.Sleep(100 * time.Millisecond) // a few more polls: nothing is sent again
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("the mail was delivered %d times", n)
	}
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	srv := mailtest.Start(t)
	cfg := srv.SMTP()
	cfg.Port = 1 // nothing listens there
	st := openStore(t, "")
	defer st.Close()
	clk := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	queue(t, st, newMail("01JNQ0000000000000000000AC", clk.Now()))
	run(t, st, cfg, clk)
	for i := 0; i < 500; i++ {
		if q := queued(t, st, clk.Now().Add(time.Hour)); len(q) == 1 && q[0].Attempts == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("a refused connection left %+v", queued(t, st, clk.Now().Add(time.Hour)))
}

func TestPermanentFailureDropsTheMail(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Answer(550)
	st := openStore(t, "")
	defer st.Close()
	clk := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	queue(t, st, newMail("01JNQ0000000000000000000AD", clk.Now()))
	queue(t, st, newMail("01JNQ0000000000000000000AE", clk.Now()))
	run(t, st, srv.SMTP(), clk)
	// The first is refused for good, the second goes through.
	msgs := srv.Wait(t, 1, 10*time.Second)
	waitEmpty(t, st, clk)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Parsed(t).Header.Get("Message-Id"), "AE@") {
		t.Fatalf("accepted %d mails", len(msgs))
	}
}

func TestQueuedMailIsSentAfterRestart(t *testing.T) {
	srv := mailtest.Start(t)
	dir := t.TempDir()
	clk := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	st := openStore(t, dir)
	queue(t, st, newMail("01JNQ0000000000000000000AF", clk.Now()))
	if err := st.Close(); err != nil { // the node stops before sending
		t.Fatal(err)
	}
	st = openStore(t, dir)
	defer st.Close()
	run(t, st, srv.SMTP(), clk)
	srv.Wait(t, 1, 10*time.Second)
	waitEmpty(t, st, clk)
}

func TestNoHeaderInjection(t *testing.T) {
	m := newMail("01JNQ0000000000000000000AG", time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	m.Subject = "Hello\r\nBcc: victim@example.org\r\n\r\nforged body"
	from := netmail.Address{Name: "Evil\r\nBcc: other@example.org", Address: "lernejo@example.org"}
	raw, err := mail.Compose(m, from, "learn.example")
	if err != nil {
		t.Fatal(err)
	}
	p := mailtest.Message{Raw: raw}.Parsed(t)
	if p.Header.Get("Bcc") != "" || len(p.Header) != 9 {
		t.Fatalf("headers %v", p.Header)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if err != nil || subject != "Hello  Bcc: victim@example.org    forged body" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	if strings.Contains(p.Header.Get("From"), "\r") || strings.Contains(p.Header.Get("From"), "\n") {
		t.Errorf("From %q", p.Header.Get("From"))
	}
	m.To = "pat@example.org>\r\nBcc: x@example.org"
	if _, err := mail.Compose(m, from, "learn.example"); err == nil {
		t.Error("a recipient with a line break was composed")
	}
}

func TestValidate(t *testing.T) {
	base := mail.SMTP{Host: "smtp.example.org", Port: 587, From: "Lernejo <l@example.org>", TLS: mail.StartTLS}
	cases := []struct {
		name  string
		edit  func(*mail.SMTP)
		allow bool
		bad   string
	}{
		{"starttls", func(*mail.SMTP) {}, false, ""},
		{"plain to a remote server", func(c *mail.SMTP) { c.TLS = mail.NoTLS }, false, "in the clear"},
		{"plain with private networks", func(c *mail.SMTP) { c.TLS = mail.NoTLS }, true, ""},
		{"plain to loopback", func(c *mail.SMTP) { c.TLS, c.Host = mail.NoTLS, "127.0.0.1" }, false, ""},
		{"unknown mode", func(c *mail.SMTP) { c.TLS = "ssl" }, false, "starttls, tls or none"},
		{"bad from", func(c *mail.SMTP) { c.From = "nobody" }, false, "--smtp-from"},
		{"user without password", func(c *mail.SMTP) { c.Username = "u" }, false, "password"},
		{"bad port", func(c *mail.SMTP) { c.Port = 0 }, false, "--smtp-port"},
	}
	for _, tc := range cases {
		c := base
		tc.edit(&c)
		err := c.Validate(tc.allow)
		if tc.bad == "" && err != nil || tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
