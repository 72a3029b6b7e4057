package service

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/outbox"
)

// wakes counts the Wakes of the mail sender.
type wakes struct {
	mu sync.Mutex
	n  int
}

func (w *wakes) Wake() { w.mu.Lock(); w.n++; w.mu.Unlock() }

type mailCase struct {
	t   *testing.T
	st  *store.Store
	svc *Services
	now time.Time
}

func newMailCase(t *testing.T) *mailCase {
	t.Helper()
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &mailCase{t: t, st: st, now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	n := 0
	newID := func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("01JMA%021d", n)
	}
	now := func() time.Time { return m.now }
	urls, _ := federation.NewURLs("https://node.test")
	o := outbox.New(outbox.Config{Store: st, HTTP: http.DefaultClient, URLs: urls, Now: now, NewID: newID})
	m.svc = New(Config{Store: st, Queue: o, Docs: federation.Documents{URLs: urls, Sanitizer: federation.NewSanitizer()},
		Mailer: &wakes{}, Now: now, NewID: newID, NewKeys: func() (domain.KeyPair, error) { return realKeys(), nil }})
	ctx := context.Background()
	hash, err := password.Hash("old password")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"ada", "cem"} {
		if err := m.svc.Accounts.Register(ctx, &domain.Person{Handle: h, DisplayName: strings.ToUpper(h), PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "course", Title: "Go for \"Beginners\"\r\nBcc: x@example.org",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// queue returns every queued mail, and takes them out (as if sent).
func (m *mailCase) queue() []*domain.OutMail {
	m.t.Helper()
	var out []*domain.OutMail
	if err := m.st.Update(context.Background(), func(tx domain.Tx) error {
		var err error
		if out, err = tx.DueMails(m.now.Add(1000*time.Hour), 100); err != nil {
			return err
		}
		for _, x := range out {
			if err := tx.DeleteMail(x); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		m.t.Fatal(err)
	}
	return out
}

var linkToken = regexp.MustCompile(`https://node\.test/(?:email/confirm|password/reset)/([0-9a-f]{64})`)

func linkIn(t *testing.T, mail *domain.OutMail) string {
	t.Helper()
	s := linkToken.FindStringSubmatch(mail.Text)
	if s == nil {
		t.Fatalf("no link in %q", mail.Text)
	}
	return s[1]
}

// signUp has cem ask to join the moderated course and ada answer.
func (m *mailCase) signUp(accept bool) {
	m.t.Helper()
	ctx := context.Background()
	f, err := m.svc.Enrolment.EnrolLocal(ctx, "cem", "course", "")
	if err != nil {
		m.t.Fatal(err)
	}
	if accept {
		err = m.svc.Enrolment.Approve(ctx, "course", f.Actor)
	} else {
		err = m.svc.Enrolment.Decline(ctx, "course", f.Actor, "")
	}
	if err != nil {
		m.t.Fatal(err)
	}
}

// TestNotificationsOnlyToConfirmedOptIns: no mail goes to an address before
// its person opened the confirmation link, nor of a kind they did not
// choose; then an approval or decline of their sign-up is mailed.
func TestNotificationsOnlyToConfirmedOptIns(t *testing.T) {
	m := newMailCase(t)
	ctx := context.Background()
	if _, err := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "not an address"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a bad address: %v", err)
	}
	confirm, err := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "Cem@Example.ORG", Kinds: []domain.MailKind{domain.MailSignUpAnswer, "no-such-kind"}})
	if err != nil || !confirm {
		t.Fatalf("save: %v %v", confirm, err)
	}
	q := m.queue()
	if len(q) != 1 || q[0].To != "Cem@example.org" || !strings.Contains(q[0].Subject, "Confirm") {
		t.Fatalf("queued %+v", q)
	}
	m.signUp(true) // not confirmed yet: nothing
	if q := m.queue(); len(q) != 0 {
		t.Fatalf("mailed an unconfirmed address: %+v", q)
	}
	tok := linkIn(t, q[0])
	if err := m.svc.Mail.Confirm(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := m.svc.Mail.Confirm(ctx, tok); !domain.IsNotFound(err) {
		t.Fatalf("a confirmation link used twice: %v", err)
	}
	if err := m.svc.Enrolment.LeaveLocal(ctx, "cem", "course"); err != nil {
		t.Fatal(err)
	}
	m.signUp(false)
	q = m.queue()
	if len(q) != 1 || q[0].To != "Cem@example.org" || !strings.Contains(q[0].Subject, "declined") ||
		!strings.Contains(q[0].Text, "https://node.test/courses/course") || !strings.Contains(q[0].Text, "https://node.test/settings/email") {
		t.Fatalf("the decline: %+v", q)
	}
	// Saving the same address again keeps it confirmed; without the kind,
	// nothing is mailed.
	if confirm, err := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "Cem@example.org"}); err != nil || confirm {
		t.Fatalf("save again: %v %v", confirm, err)
	}
	m.signUp(true)
	if q := m.queue(); len(q) != 0 {
		t.Fatalf("mailed a kind not chosen: %+v", q)
	}
	// A new address must be confirmed again.
	if confirm, _ := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "cem@other.example", Kinds: []domain.MailKind{domain.MailSignUpAnswer}}); !confirm {
		t.Fatal("a new address was not sent a confirmation")
	}
	if err := m.svc.Mail.Confirm(ctx, tok); !domain.IsNotFound(err) {
		t.Fatalf("the old address's link confirms the new one: %v", err)
	}
}

// TestPasswordReset: a reset link is mailed only to a confirmed address,
// by handle or by address, works within the hour and once, ends every
// session, and stops working once the password changed another way.
func TestPasswordReset(t *testing.T) {
	m := newMailCase(t)
	ctx := context.Background()
	if err := m.svc.Mail.RequestReset(ctx, "cem", "en"); err != nil {
		t.Fatal(err)
	}
	if q := m.queue(); len(q) != 0 {
		t.Fatalf("a reset mailed to no address: %+v", q)
	}
	if _, err := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "cem@example.org"}); err != nil {
		t.Fatal(err)
	}
	confirm := m.queue()[0]
	if err := m.svc.Mail.RequestReset(ctx, "cem", "en"); err != nil {
		t.Fatal(err)
	}
	if q := m.queue(); len(q) != 0 {
		t.Fatalf("a reset mailed to an unconfirmed address: %+v", q)
	}
	if err := m.svc.Mail.Confirm(ctx, linkIn(t, confirm)); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"cem", "cem@example.org", "nobody", "nobody@example.org"} {
		if err := m.svc.Mail.RequestReset(ctx, who, "en"); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
	}
	q := m.queue()
	if len(q) != 2 || q[0].To != "cem@example.org" || q[1].To != "cem@example.org" {
		t.Fatalf("queued %+v", q)
	}
	first, second := linkIn(t, q[0]), linkIn(t, q[1])
	sess, err := m.svc.Accounts.LogIn(ctx, "cem", "old password", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.svc.Mail.ResetPassword(ctx, first, "short", "short"); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a short password: %v", err)
	}
	if err := m.svc.Mail.ResetPassword(ctx, first, "new password", "new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.Accounts.LogIn(ctx, "cem", "new password", ""); err != nil {
		t.Fatalf("log in with the new password: %v", err)
	}
	if err := m.st.View(ctx, func(tx domain.Tx) error { _, err := tx.Session(sess.ID); return err }); !domain.IsNotFound(err) {
		t.Fatalf("the old session survived the reset: %v", err)
	}
	if err := m.svc.Mail.ResetPassword(ctx, first, "third password", "third password"); !domain.IsNotFound(err) {
		t.Fatalf("a link used twice: %v", err)
	}
	// The other link was sent before the password changed: void.
	if err := m.svc.Mail.CheckReset(ctx, second); !domain.IsNotFound(err) {
		t.Fatalf("a link from before the change: %v", err)
	}
	// A fresh link expires after an hour.
	if err := m.svc.Mail.RequestReset(ctx, "cem", "en"); err != nil {
		t.Fatal(err)
	}
	late := linkIn(t, m.queue()[0])
	m.now = m.now.Add(domain.ResetTokenTTL)
	if err := m.svc.Mail.CheckReset(ctx, late); !domain.IsNotFound(err) {
		t.Fatalf("a link an hour old: %v", err)
	}
}

// TestNotificationsAreMailed: what the in-app list tells a person is
// mailed to them too, kind by kind as they opted in: an organiser who
// chose "new pending sign-up" is mailed when a learner asks to join, and
// not of the approval (another person's), nor of kinds she left out.
func TestNotificationsAreMailed(t *testing.T) {
	m := newMailCase(t)
	ctx := context.Background()
	if _, err := m.svc.Mail.SaveSettings(ctx, "ada", MailForm{Address: "ada@example.org", Kinds: []domain.MailKind{domain.MailPendingSignUp}}); err != nil {
		t.Fatal(err)
	}
	if err := m.svc.Mail.Confirm(ctx, linkIn(t, m.queue()[0])); err != nil {
		t.Fatal(err)
	}
	m.signUp(true)
	q := m.queue()
	if len(q) != 1 || q[0].To != "ada@example.org" || !strings.Contains(q[0].Subject, "asks to join") ||
		!strings.Contains(q[0].Text, "https://node.test/courses/course/manage") {
		t.Fatalf("the organiser's mail: %+v", q)
	}
	// The same node's notice in the list.
	page, err := m.svc.Notifications.List(ctx, "ada", "")
	if err != nil || len(page.Items) == 0 || page.Items[0].Kind != domain.NotifyPending {
		t.Fatalf("ada's notifications: %+v %v", page, err)
	}
}

// TestMailsInTheReadersLanguage: a mail is written in its person's
// language: the one they chose, or else that of the page they saved their
// mail settings (or asked for a reset) from.
func TestMailsInTheReadersLanguage(t *testing.T) {
	m := newMailCase(t)
	words, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	m.svc.Mail.words = words
	ctx := context.Background()
	if _, err := m.svc.Mail.SaveSettings(ctx, "cem", MailForm{Address: "cem@example.org", Kinds: []domain.MailKind{domain.MailSignUpAnswer},
		Language: "eo"}); err != nil {
		t.Fatal(err)
	}
	q := m.queue()
	if len(q) != 1 || q[0].Subject != "Konfirmu vian retpoŝtadreson ĉe Lernejo" || !strings.HasPrefix(q[0].Text, "Saluton, CEM!") {
		t.Fatalf("the confirmation from an Esperanto page: %q %q", q[0].Subject, q[0].Text)
	}
	if err := m.svc.Mail.Confirm(ctx, linkIn(t, q[0])); err != nil {
		t.Fatal(err)
	}
	m.signUp(false)
	q = m.queue()
	if len(q) != 1 || !strings.HasPrefix(q[0].Subject, "Via aliĝpeto al Go for") ||
		!strings.Contains(q[0].Text, "Vi ricevas ĉi tiun mesaĝon, ĉar vi petis ĝin de Lernejo.") {
		t.Fatalf("the decline, in the language of the settings page: %s", mailsText(q))
	}
	// A language chosen in the person's settings comes first.
	if err := m.svc.Accounts.SetReading(ctx, "cem", "en", ""); err != nil {
		t.Fatal(err)
	}
	m.signUp(false)
	q = m.queue()
	if len(q) != 1 || !strings.HasPrefix(q[0].Subject, "Your sign-up to Go for") || !strings.Contains(q[0].Text, "You get this mail because") {
		t.Fatalf("the decline, in the chosen language: %s", mailsText(q))
	}
	if err := m.svc.Mail.RequestReset(ctx, "cem", "eo"); err != nil {
		t.Fatal(err)
	}
	if q = m.queue(); len(q) != 1 || q[0].Subject != "Reset your password on Lernejo" {
		t.Fatalf("the reset of a person who chose English: %s", mailsText(q))
	}
	if err := m.svc.Accounts.SetReading(ctx, "cem", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := m.svc.Mail.RequestReset(ctx, "cem", "eo"); err != nil {
		t.Fatal(err)
	}
	if q = m.queue(); len(q) != 1 || q[0].Subject != "Novigu vian pasvorton ĉe Lernejo" ||
		!strings.Contains(q[0].Text, "La ligilo funkcias unufoje.") {
		t.Fatalf("the reset asked from an Esperanto page: %s", mailsText(q))
	}
}

func mailsText(q []*domain.OutMail) string {
	var b strings.Builder
	for _, m := range q {
		fmt.Fprintf(&b, "\n%s\n%s", m.Subject, m.Text)
	}
	return b.String()
}
