package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestJourneyInEsperantoOnAPhone: the learner's, the organiser's and the
// operator's journeys on a 390 px phone, in Esperanto, through the
// Esperanto labels and buttons (every page passing the overflow and axe
// checks): a learner signs up in a browser that asks for English, chooses
// Esperanto in their settings, joins the demo study group, marks a task
// done and posts; the organiser, whose browser asks for Esperanto, adds a
// task on the Tasks tab; as the operator they block a domain.
func TestJourneyInEsperantoOnAPhone(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)

	pat := b.as("pat", n.Base)
	pat.step("use a phone", phone)
	pat.signUp("pat", "Pat Lernanto", pw) // in English: the browser asks for nothing else
	pat.openOK("/settings/language")
	pat.choose("Language of the pages", "eo")
	pat.pressOK("Save")
	pat.sees("Konservita.", "Lingvo de la paĝoj")
	if got, err := runJS[string](pat, `document.documentElement.lang`); err != nil || got != "eo" {
		t.Fatalf("after choosing Esperanto the page says lang=%q (%v)", got, err)
	}
	var person *domain.Person
	n.view(t, func(tx domain.Tx) error {
		var err error
		person, err = tx.Person("pat")
		return err
	})
	if person.Language != "eo" {
		t.Fatalf("pat's stored language is %q", person.Language)
	}

	pat.openOK("/courses/" + node.DemoCourse)
	pat.sees("Organizata de", "Taskoj", "Diskuto")
	pat.pressOK("Aliĝi al ĉi tiu Studrondo")
	pat.sees("Vi partoprenas en ĉi tiu Studrondo.")
	if f := n.follower(t, node.DemoCourse, n.person("pat")); f == nil || f.State != domain.FollowAccepted {
		t.Fatalf("pat's enrolment in the store: %+v", f)
	}
	pat.follow("Say hello to Python")
	pat.fill("Ligilo al via laboro (nedeviga)", "https://example.com/pat/hello.py")
	pat.fill("Noto (nedeviga)", "Saluton, mondo!")
	pat.pressOK("Marki kiel faritan")
	pat.sees("Markita kiel farita. Bone farite!", "Vi faris ĉi tiun taskon")

	pat.openOK("/courses/" + node.DemoCourse)
	pat.sees("1 el 3") // the progress bar
	pat.fill("Skribu afiŝon", "Mi faris la unuan taskon!")
	pat.pressOK("Afiŝi")
	pat.sees("Via afiŝo estas publikigita.", "Mi faris la unuan taskon!")

	ada := b.as("ada", n.Base)
	ada.step("use a phone", phone)
	ada.language("eo")
	ada.openOK("/login")
	ada.fill("Identigilo", node.DemoOrganiser)
	ada.fill("Pasvorto", n.AdaPassword)
	ada.pressOK("Ensaluti")
	ada.openOK("/courses/" + node.DemoCourse)
	ada.follow("Administri")
	ada.follow("Taskoj")
	ada.fill("Titolo de la nova tasko", "Funkcioj")
	ada.fill("Teksto", "Skribu funkcion, kiu salutas.")
	ada.pressOK("Aldoni taskon")
	ada.sees("Funkcioj")
	var tasks []*domain.Task
	n.view(t, func(tx domain.Tx) error {
		var err error
		tasks, err = tx.Tasks(node.DemoCourse)
		return err
	})
	if len(tasks) != 4 || tasks[3].Title != "Funkcioj" {
		t.Fatalf("the course's tasks after adding one: %d", len(tasks))
	}

	ada.openOK("/admin/settings")
	ada.fill("Domajno", "spam.example")
	ada.pressOK("Bloki")
	ada.sees("La domajno estas blokita.", "spam.example")
	if !n.Store.DomainBlocked("spam.example") {
		t.Fatal("spam.example is not blocked in the store")
	}
}
