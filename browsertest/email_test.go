package browsertest

import (
	"io"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/mail/mailtest"
	"github.com/lernejo/lernejo/node"
)

// mailLink is the first link of the node's own in a mail's body.
func mailLink(t *testing.T, m mailtest.Message, base string) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(m.Parsed(t).Body))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/\S+`).FindString(string(b))
	if link == "" {
		t.Fatalf("no link to %s in the mail:\n%s", base, b)
	}
	return link
}

// TestJourneyPasswordResetByEmail: pat gives an email address on the
// settings page and confirms it from the mail; later, logged out, pat
// forgets the password, asks for a link from the log-in page, reads the
// mail on the node's SMTP server, sets a new password and logs in with
// it. The old session ended, and the link does not work a second time. A
// request for an account that does not exist gets the same answer and
// sends nothing.
func TestJourneyPasswordResetByEmail(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	n := startNode(t, node.Config{SMTP: srv.SMTP()})
	b := newBrowser(t)

	pat := b.as("pat", n.Base)
	pat.signUp("pat", "Pat", "first password")
	pat.openOK("/settings/password")
	pat.follow("Email and notifications")
	pat.fill("Email address (optional)", "pat@example.org")
	pat.tick("My sign-up to a course is approved or declined", true)
	pat.pressOK("Save")
	pat.sees("We sent a link to pat@example.org", "Not confirmed yet")
	pat.screenshot("email-settings")

	confirm := srv.Wait(t, 1, 10*time.Second)[0]
	if confirm.To != "pat@example.org" || !confirm.TLS {
		t.Fatalf("the confirmation went to %q (TLS %v)", confirm.To, confirm.TLS)
	}
	pat.openOK(mailLink(t, confirm, n.Base))
	pat.pressOK("Confirm my address")
	pat.sees("Email address confirmed")
	pat.openOK("/settings/email")
	pat.sees("Confirmed.")

	visitor := b.as("pat, on another device", n.Base)
	visitor.openOK("/login")
	visitor.follow("Forgot your password?")
	visitor.fill("Handle or email address", "nobody@example.org")
	visitor.pressOK("Send me a link")
	visitor.sees("If an account here matches")
	noAccount := visitor.text()
	visitor.openOK("/password/forgot")
	visitor.screenshot("password-forgot")
	visitor.fill("Handle or email address", "pat@example.org")
	visitor.pressOK("Send me a link")
	if visitor.text() != noAccount {
		t.Fatalf("the answer tells whether the account exists:\n%q\n%q", noAccount, visitor.text())
	}
	msgs := srv.Wait(t, 2, 10*time.Second)
	reset := msgs[1]
	if reset.To != "pat@example.org" || !strings.Contains(reset.Parsed(t).Header.Get("Subject"), "Reset your password") {
		t.Fatalf("the second mail: to %q, subject %q", reset.To, reset.Parsed(t).Header.Get("Subject"))
	}
	link := mailLink(t, reset, n.Base)
	visitor.openOK(link)
	visitor.screenshot("password-reset")
	visitor.fill("New password", "second password")
	visitor.fill("New password again", "second password")
	visitor.pressOK("Set my new password")
	visitor.sees("Your password is changed")
	visitor.logIn("pat", "second password")

	// Every session of pat's ended with the reset: the first browser is
	// logged out.
	if st := pat.open("/settings/email"); st != 200 || !strings.HasPrefix(pat.path(), "/login") {
		t.Fatalf("pat's old session still works: %d at %s", st, pat.path())
	}
	// The link works once.
	if st := visitor.open(link); st != 404 {
		t.Fatalf("the used link answered %d", st)
	}
	visitor.sees("This link does not work")
	// Nothing else was mailed: not for the address without an account.
	time.Sleep(200 * time.Millisecond)
	if got := len(srv.Messages()); got != 2 {
		t.Fatalf("the SMTP server got %d mails, want 2", got)
	}
	n.view(t, func(tx domain.Tx) error {
		due, err := tx.DueMails(time.Now().Add(time.Hour), 10)
		if len(due) != 0 {
			t.Errorf("%d mails still queued", len(due))
		}
		return err
	})
}

// TestNoResetWithoutSMTP: a node without an SMTP server offers no reset:
// the log-in page has no link and the reset pages are not found.
func TestNoResetWithoutSMTP(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{})
	b := newBrowser(t)
	v := b.as("visitor", n.Base)
	v.openOK("/login")
	if strings.Contains(v.text(), "Forgot your password?") {
		t.Fatal("the log-in page offers a reset on a node that sends no mail")
	}
	if st := v.open("/password/forgot"); st != 404 {
		t.Fatalf("/password/forgot answered %d", st)
	}
}
