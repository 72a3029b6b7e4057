package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// userButton selects the button labelled text in the row of the users
// page that names @handle: the operator picks whom to suspend.
func userButton(handle, text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const row = [...document.querySelectorAll("#users tbody tr")].find(r => r.cells[0].textContent.trim() === ` + jsString("@"+handle) + `);
	return row ? [...row.querySelectorAll("button")].find(b => b.textContent.trim() === ` + jsString(text) + `) || null : null;
})()`)
}

// revealFor opens the disclosure text in the users page's row of handle:
// the first press of a destructive action (forms_test.go).
func (u *user) revealFor(handle, text string) {
	u.t.Helper()
	sel := chromedp.JSPath(strings.Replace(string(userButton(handle, text)), `querySelectorAll("button")`, `querySelectorAll("summary")`, 1))
	u.step(fmt.Sprintf("open %q for @%s", text, handle), chromedp.Click(sel, chromedp.NodeVisible))
}

// pressFor presses the button text in the users page's row of handle and
// waits for the page it leads to, which must answer 200.
func (u *user) pressFor(handle, text string) {
	u.t.Helper()
	u.step(fmt.Sprintf("press %q for @%s", text, handle), chromedp.WaitVisible(userButton(handle, text)))
	resp, err := chromedp.RunResponse(u.ctx, chromedp.Click(userButton(handle, text), chromedp.NodeVisible))
	if err != nil || resp.Status != http.StatusOK {
		u.t.Fatalf("%s: press %q for @%s: %v\n%s", u.name, text, handle, err, u.where())
	}
	u.checkPage()
}

// TestJourneySuspendAndDeleteAccounts: the operator suspends a learner
// from the users page; the learner, logged out, cannot log in and is told
// why; unsuspended, they log in again. Another learner deletes their own
// account from the settings, confirming with their password: they are
// logged out, their profile answers 410 Gone, and nobody can sign up with
// their handle again.
func TestJourneySuspendAndDeleteAccounts(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	const pw = "a long enough password"

	lou := b.as("lou", n.Base)
	lou.signUp("lou", "Lou Learner", pw)
	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)
	ada.openOK("/admin/settings")
	ada.follow("Users: suspend and unsuspend accounts")
	ada.sees("@lou", "Lou Learner", "active")
	ada.revealFor("lou", "Suspend")
	ada.pressFor("lou", "Suspend @lou")
	ada.sees("@lou is suspended and logged out.")
	if !strings.Contains(ada.text(), "@lou Lou Learner member") || !strings.Contains(ada.text(), "suspended") {
		t.Errorf("the users page does not show lou suspended\n%s", ada.where())
	}

	// Lou's session ended; the log-in form says the account is suspended.
	lou.openOK("/")
	if strings.Contains(lou.text(), "@lou") {
		t.Errorf("the suspended learner is still logged in\n%s", lou.where())
	}
	lou.openOK("/login")
	lou.fill("Handle", "lou")
	lou.fill("Password", pw)
	if st := lou.press("Log in"); st != http.StatusForbidden {
		t.Errorf("a suspended learner's log-in answered %d", st)
	}
	lou.sees("This account is suspended by the node's operators.")

	ada.pressFor("lou", "Unsuspend")
	ada.sees("@lou may log in again.")
	lou.logIn("lou", pw)

	// Mia deletes her account; a wrong password is refused first.
	mia := b.as("mia", n.Base)
	mia.signUp("mia", "Mia Learner", pw)
	mia.openOK("/settings/password")
	mia.follow("Delete your account")
	mia.sees("It cannot be undone.")
	mia.fill("Your password, to confirm", "not my password")
	if st := mia.press("Delete my account"); st != http.StatusUnauthorized {
		t.Errorf("deleting with a wrong password answered %d", st)
	}
	mia.sees("Your password is not right.")
	mia.fill("Your password, to confirm", pw)
	mia.pressOK("Delete my account")
	if strings.Contains(mia.text(), "@mia") {
		t.Errorf("after deleting her account mia is still logged in\n%s", mia.where())
	}
	if st := mia.open("/people/mia"); st != http.StatusGone {
		t.Errorf("the deleted profile answered %d, want 410", st)
	}
	mia.sees("This account was deleted.")

	// Nobody signs up as mia again.
	other := b.as("someone", n.Base)
	other.openOK("/signup")
	other.fill("Handle", "mia")
	other.fill("Password", pw)
	other.fill("Password again", pw)
	if st := other.press("Sign up"); st == http.StatusOK && strings.Contains(other.text(), "@mia") {
		t.Fatalf("signed up as the deleted mia\n%s", other.where())
	}
	other.sees("The handle mia is already taken.")
	n.view(t, func(tx domain.Tx) error {
		if _, err := tx.Person("mia"); !domain.IsNotFound(err) {
			t.Errorf("a person mia exists after the refused sign-up: %v", err)
		}
		return nil
	})
}
