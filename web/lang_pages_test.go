package web_test

import (
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/mail/mailtest"
	"github.com/lernejo/lernejo/node"
)

// TestPagesInEsperanto: each account, home and learning page, loaded by a
// browser asking for Esperanto, says its Esperanto phrases and has none
// of its English sentences left; refused forms answer in Esperanto too.
func TestPagesInEsperanto(t *testing.T) {
	srv := mailtest.Start(t)
	n := startNode(t, node.Config{SMTP: srv.SMTP(), AllowPrivateNetworks: true})
	english := fragmentsOf(t, "account", "home", "learning")
	if len(english) < 50 {
		t.Fatalf("only %d English sentences to look for: the catalogue files moved", len(english))
	}
	check := func(b *browser, path string, status int, says ...string) string {
		t.Helper()
		resp, body := b.getIn(path, "eo")
		wantStatus(t, "GET "+path+" in Esperanto", resp, body, status)
		return checkBody(t, path, body, english, says...)
	}

	visitor := newBrowser(t, n.base)
	check(visitor, "/", http.StatusOK, "Nun malfermitaj", "Lernejoj", "Serĉi", `<strong lang="en">`)
	check(visitor, "/about", http.StatusOK, "Pri Lernejo", "Ĉi tie vi povas partopreni en: Kurso, Studrondo, Defio.", "Registriĝo estas malfermita.")
	check(visitor, "/tags/python", http.StatusOK, `<strong lang="en">`)
	check(visitor, "/tags/nothing-here", http.StatusOK, "Ankoraŭ neniu malfermita kurso havas ĉi tiun etikedon.")
	check(visitor, "/login", http.StatusOK, "Identigilo", "Pasvorto", "Ĉu ankoraŭ sen konto?", "Ĉu vi forgesis vian pasvorton?")
	check(visitor, "/signup", http.StatusOK, "Kreu konton ĉe Lernejo por aliĝi al kursoj", "Minusklaj literoj", "Pasvorto denove", "Ĉu vi jam havas konton?")
	check(visitor, "/password/forgot", http.StatusOK, "Identigilo aŭ retpoŝtadreso", "Sendu al mi ligilon")
	check(visitor, "/people/ada", http.StatusOK, "Insignoj", "Kursoj", "Organizas")

	// A wrong log-in and an empty reset request are refused in Esperanto.
	resp, body := visitor.postIn("/login", url.Values{"_csrf": {visitor.csrf("/login")}, "handle": {"ada"}, "password": {"not her password"}})
	wantStatus(t, "wrong log-in", resp, body, http.StatusUnauthorized)
	checkBody(t, "wrong log-in", body, english, "<title>Ensaluti")
	resp, body = visitor.postIn("/password/forgot", url.Values{"_csrf": {visitor.csrf("/password/forgot")}, "who": {""}})
	wantStatus(t, "empty reset request", resp, body, http.StatusBadRequest)
	checkBody(t, "empty reset request", body, english, "Bonvolu entajpi vian identigilon aŭ vian retpoŝtadreson.")

	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login("ada", n.adaPW, "/"), "/")
	check(ada, "/", http.StatusOK, "Komenci ion novan", "Trovi aliloke: kurso")
	check(ada, "/lookup", http.StatusOK, "<h1>Trovi aliloke: kurso</h1>", "Identigilo aŭ adreso")
	check(ada, "/people/ada", http.StatusOK, "Redakti vian profilon")
	check(ada, "/settings/profile", http.StatusOK, "Via profilo", "Montrata nomo", "Profilbildo", "Kapbildo", `<a href="/people/ada">via paĝo</a>`)
	check(ada, "/settings/password", http.StatusOK, "Ŝanĝi vian pasvorton", "Nuna pasvorto", "Nova pasvorto denove")
	check(ada, "/settings/delete", http.StatusOK, "Forigi mian konton", "Via pasvorto, por konfirmi")
	check(ada, "/learning", http.StatusOK, "Mia lernado", "Kursoj, kiujn mi organizas", "Miaj insignoj")
	check(ada, "/notifications", http.StatusOK, "Sciigoj")
	check(ada, "/settings/email", http.StatusOK, "Retpoŝto kaj sciigoj", "Sendu al mi mesaĝon, kiam", "Iu respondas al mia afiŝo")

	// Saving an address answers in Esperanto; the link mailed opens the
	// confirmation page in Esperanto, and then a reset link the reset page.
	resp, body = ada.postIn("/settings/email", url.Values{"_csrf": {ada.csrf("/settings/email")}, "address": {"ada@example.org"}, "kind": {"reply"}})
	wantStatus(t, "save address", resp, body, http.StatusSeeOther)
	check(ada, "/settings/email", http.StatusOK, "Konservita. Ni sendis ligilon al ada@example.org")
	confirm := mailedPath(t, srv, 1, "/email/confirm/")
	check(ada, confirm, http.StatusOK, "Konfirmu vian retpoŝtadreson", "Konfirmi mian adreson")
	resp, body = ada.postIn(confirm, url.Values{"_csrf": {ada.csrf(confirm)}})
	wantStatus(t, "confirm address", resp, body, http.StatusOK)
	checkBody(t, "confirm address", body, english, "Retpoŝtadreso konfirmita")
	resp, body = visitor.postIn("/password/forgot", url.Values{"_csrf": {visitor.csrf("/password/forgot")}, "who": {"ada"}})
	wantStatus(t, "reset request", resp, body, http.StatusOK)
	checkBody(t, "reset request", body, english, "ligilo por elekti novan pasvorton estas survoje")
	check(visitor, mailedPath(t, srv, 2, "/password/reset/"), http.StatusOK, "Elektu novan pasvorton", "Almenaŭ 8 signoj.")
}

// checkBody fails unless body says each of says and none of english.
func checkBody(t *testing.T, what, body string, english []string, says ...string) string {
	t.Helper()
	if !strings.Contains(body, `<html lang="eo">`) {
		t.Errorf("%s: not written in Esperanto", what)
	}
	for _, w := range says {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, body)
		}
	}
	for _, e := range english {
		if strings.Contains(body, e) {
			t.Errorf("%s still says %q in English", what, e)
		}
	}
	return body
}

// postIn posts a form with an Accept-Language header.
func (b *browser) postIn(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.post(path, form, "Accept-Language", "eo")
}

// mailedPath is the path of the link starting with prefix in the nth mail
// the node sent.
func mailedPath(t *testing.T, srv *mailtest.Server, nth int, prefix string) string {
	t.Helper()
	msg := srv.Wait(t, nth, 10*time.Second)[nth-1]
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Parsed(t).Body))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[A-Za-z0-9_-]+`).FindString(string(b))
	if m == "" {
		t.Fatalf("mail %d has no %s link:\n%s", nth, prefix, b)
	}
	return m
}
