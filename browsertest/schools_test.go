package browsertest

import (
	"strings"
	"testing"

	"github.com/lernejo/lernejo/node"
)

// TestJourneySchoolCreatedAndJoined: the operator creates a school from
// the settings page, naming olga its organiser. Cleo, who organises
// another course, asks to join it from her course's organisers' page;
// olga finds the request on the school's page, accepts it, and the course
// is listed there; she edits the school's summary too.
func TestJourneySchoolCreatedAndJoined(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)

	olga := b.as("olga", n.Base)
	olga.signUp("olga", "Olga Organiser", pw)
	cleo := b.as("cleo", n.Base)
	cleo.signUp("cleo", "Cleo", pw)
	cleo.openOK("/new/course")
	cleo.fill("Handle", "css-club")
	cleo.fill("Title", "CSS Club")
	cleo.fill("What is it about?", "Layouts, one a week.")
	cleo.choose("Status", "open")
	cleo.choose("Sign-up", "open")
	cleo.pressOK("Create")

	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)
	ada.openOK("/admin/settings")
	ada.follow("Schools: create, edit and retire schools")
	ada.fill("Handle", "design")
	ada.fill("Name", "School of Design")
	ada.fill("Summary", "Design for the web.")
	ada.fill("Organisers (handles of people here, separated by commas)", "olga")
	ada.pressOK("Create school")
	ada.sees("The school School of Design is created.", "School of Design", "@design")

	cleo.openOK("/courses/css-club/manage/settings")
	cleo.fill("Ask to join a school", "design")
	cleo.pressOK("Ask to join")
	cleo.sees("Asked School of Design to take it in; its organisers will answer.")
	cleo.openOK("/schools/design")
	if text := cleo.text(); strings.Contains(text, "Asking to join") {
		t.Fatalf("the queue is shown to someone who does not organise the school:\n%s", text)
	}

	olga.openOK("/schools/design")
	olga.sees("Asking to join (1)", "CSS Club")
	olga.pressOK("Accept")
	olga.sees("No one is waiting.")
	olga.fill("Summary", "Design for the web, by hand.")
	olga.pressOK("Save the profile")
	olga.sees("Design for the web, by hand.")

	cleo.openOK("/schools/design")
	cleo.sees("CSS Club", "Design for the web, by hand.")
	cleo.openOK("/courses/css-club")
	cleo.sees("part of @design")
}
