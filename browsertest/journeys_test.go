package browsertest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

const pw = "correct horse battery"

// TestJourneyChallengeToBadge: someone signs up, starts a "Challenge",
// writes a task and a badge for doing every task; a second person signs up,
// joins, marks the task done, receives the badge and finds it on their
// profile. Everything goes through the forms of the pages.
func TestJourneyChallengeToBadge(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)

	olga := b.as("olga", n.Base)
	olga.signUp("olga", "Olga Organiser", pw)
	olga.openOK("/new/course")
	olga.fill("Handle", "sql-sprint")
	olga.fill("Title", "SQL Sprint")
	olga.fill("What is it about?", "Two weeks of small SQL puzzles, one a day.")
	olga.choose("Kind", "Challenge")
	olga.choose("Status", "open")
	olga.choose("Sign-up", "open")
	olga.pressOK("Create")
	if p := olga.path(); p != "/courses/sql-sprint/manage" {
		t.Fatalf("after Create olga is on %s, want the organisers' page\n%s", p, olga.where())
	}
	olga.sees("Organise “SQL Sprint”")

	olga.follow("Tasks")
	olga.fill("New task title", "Select everything")
	olga.fill("Text", "Write a query that returns every row of the table `books`.")
	olga.pressOK("Add task")
	olga.sees("Select everything")

	olga.follow("Badges")
	olga.fill("New badge name", "SQL Starter")
	olga.fill("Description", "Finished the SQL sprint.")
	olga.choose("Earned by", "all_tasks")
	olga.pressOK("Create badge")
	olga.sees("SQL Starter (all_tasks)")

	var course *domain.Course
	var tasks []*domain.Task
	var badges []*domain.Badge
	n.view(t, func(tx domain.Tx) error {
		var err error
		if course, err = tx.Course("sql-sprint"); err != nil {
			return err
		}
		if tasks, err = tx.Tasks("sql-sprint"); err != nil {
			return err
		}
		badges, err = tx.Badges("sql-sprint")
		return err
	})
	if course.Kind != "Challenge" || course.Status != domain.StatusOpen || !slices.Equal(course.Organisers, []string{"olga"}) {
		t.Fatalf("stored course: kind %q status %q organisers %v", course.Kind, course.Status, course.Organisers)
	}
	if len(tasks) != 1 || tasks[0].Title != "Select everything" {
		t.Fatalf("stored tasks: %+v", tasks)
	}
	if len(badges) != 1 || badges[0].Name != "SQL Starter" || badges[0].Criteria != domain.CriteriaAllTasks {
		t.Fatalf("stored badges: %+v", badges)
	}

	olga.openOK("/courses/sql-sprint")
	olga.sees("Challenge", "SQL Sprint", "Two weeks of small SQL puzzles", "Select everything", "SQL Starter")

	pat := b.as("pat", n.Base)
	pat.signUp("pat", "Pat Learner", pw)
	pat.openOK("/")
	pat.follow("SQL Sprint")
	pat.pressOK("Join this Challenge")
	pat.sees("You take part in this Challenge")
	if f := n.follower(t, "sql-sprint", n.person("pat")); f == nil || f.State != domain.FollowAccepted {
		t.Fatalf("pat's enrolment in the store: %+v", f)
	}

	pat.follow("Select everything")
	pat.sees("Write a query that returns every row")
	pat.fill("Link to your work (optional)", "https://example.com/pat/select.sql")
	pat.fill("A note (optional)", "SELECT * was easy.")
	pat.pressOK("Mark as done")
	pat.sees("You did this task")

	var awards []*domain.Award
	n.view(t, func(tx domain.Tx) error {
		if _, err := tx.Completion("sql-sprint", tasks[0].ID, n.person("pat")); err != nil {
			t.Errorf("no completion stored for pat: %v", err)
		}
		var err error
		awards, err = tx.AwardsOf(n.person("pat"))
		return err
	})
	if len(awards) != 1 || awards[0].Badge != badges[0].ID || awards[0].Revoked {
		t.Fatalf("pat's awards in the store: %+v", awards)
	}

	pat.follow("@pat") // the header links to one's own profile
	if p := pat.path(); p != "/people/pat" {
		t.Fatalf("the header's @pat link led to %s", p)
	}
	pat.sees("Pat Learner", "Badges", "SQL Starter")
}

// TestJourneyModeratedSignUp: an organiser switches a course to moderated
// sign-up with a question; a learner answers it and waits; the organiser
// sees the request with the answer in the queue and approves it; the
// learner then takes part.
func TestJourneyModeratedSignUp(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)

	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)
	ada.openOK("/courses/gentle-python/manage/settings")
	ada.choose("Sign-up", "moderated")
	ada.fill("Sign-up questions (one per line, for moderated sign-up)", "What would you like to build with Python?")
	ada.pressOK("Save")
	ada.follow("Overview")
	ada.sees("No one is waiting.")
	var course *domain.Course
	n.view(t, func(tx domain.Tx) error {
		var err error
		course, err = tx.Course("gentle-python")
		return err
	})
	if course.SignUp != domain.SignUpModerated || !slices.Equal(course.Questions, []string{"What would you like to build with Python?"}) {
		t.Fatalf("stored course: sign-up %q questions %q", course.SignUp, course.Questions)
	}

	pat := b.as("pat", n.Base)
	pat.signUp("pat", "Pat Learner", pw)
	pat.openOK("/courses/gentle-python")
	pat.sees("Please answer: What would you like to build with Python?")
	pat.fill("Please answer:", "A program that waters my plants.")
	pat.pressOK("Join this Study Group")
	pat.sees("Your request is pending")
	if f := n.follower(t, "gentle-python", n.person("pat")); f == nil || f.State != domain.FollowPending {
		t.Fatalf("pat's request in the store: %+v", f)
	}

	ada.openOK("/courses/gentle-python/manage")
	ada.sees("Sign-up requests", "@pat", "A program that waters my plants.")
	ada.pressOK("Approve")
	ada.sees("No one is waiting.")
	if f := n.follower(t, "gentle-python", n.person("pat")); f == nil || f.State != domain.FollowAccepted {
		t.Fatalf("pat's enrolment in the store after approval: %+v", f)
	}

	pat.openOK("/courses/gentle-python")
	pat.sees("You take part in this Study Group")
}

// TestJourneyOperatorRenamesKinds: the operator (the demo account ada is
// the node's admin) replaces the node's words for its activities; the
// course form and the about page use the new words at once.
func TestJourneyOperatorRenamesKinds(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)

	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)
	ada.openOK("/admin/settings")
	ada.fill("What people can start here", "Workshop\nReading Circle\nHackathon")
	ada.fill("Preselected kind", "Reading Circle")
	ada.pressOK("Save")
	ada.sees("The settings are saved.")

	st := n.settings(t)
	want := []string{"Workshop", "Reading Circle", "Hackathon"}
	if !slices.Equal(st.Kinds, want) || st.DefaultKind != "Reading Circle" {
		t.Fatalf("stored settings: kinds %q default %q, want %q and %q", st.Kinds, st.DefaultKind, want, "Reading Circle")
	}

	ada.openOK("/about")
	ada.sees("Here you can take part in: Workshop, Reading Circle, Hackathon.")

	ada.openOK("/new/course")
	options, err := runJS[[]string](ada, `[...document.querySelector("#kind").options].map(o => o.value)`)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(options, want) {
		t.Errorf("the course form offers the kinds %q, want %q", options, want)
	}
	selected, err := runJS[string](ada, `document.querySelector("#kind").value`)
	if err != nil {
		t.Fatal(err)
	}
	if selected != "Reading Circle" {
		t.Errorf("the course form preselects the kind %q, want the operator's default %q", selected, "Reading Circle")
	}

	// A course made with a new word shows it.
	ada.fill("Handle", "pandas-hack")
	ada.fill("Title", "Pandas hack day")
	ada.choose("Kind", "Hackathon")
	ada.choose("Status", "open")
	ada.pressOK("Create")
	ada.openOK("/courses/pandas-hack")
	ada.sees("Hackathon", "You organise this Hackathon") // an organiser is not offered Join
}

// TestJourneyRemoteLookupAndJoin: a person on node A looks up a course on
// node B by its handle, lands on A's page for it, joins, and (once B has
// accepted over ActivityPub) sees that they take part; B records them as a
// follower of the course.
func TestJourneyRemoteLookupAndJoin(t *testing.T) {
	t.Parallel()
	a := startNode(t, node.Config{AllowPrivateNetworks: true})
	bn := startNode(t, node.Config{AllowPrivateNetworks: true, Demo: true})
	b := newBrowser(t)

	bea := b.as("bea", a.Base)
	bea.signUp("bea", "Bea", pw)
	bea.openOK("/lookup")
	bea.fill("Handle or address", "@gentle-python@"+bn.Host)
	bea.pressOK("Look up")
	courseID := bn.URLs.Actor(domain.ActorCourse, "gentle-python")
	if p := bea.path(); !strings.HasPrefix(p, "/remote?id=") || !strings.Contains(bea.location(), "gentle-python") {
		t.Fatalf("after the lookup bea is on %s, want /remote?id=%s\n%s", p, courseID, bea.where())
	}
	bea.sees("A Gentle Introduction to Python", "@gentle-python@"+bn.Host)
	bea.pressOK("Join")

	remotePage := bea.path()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(bea.text(), "You take part, through this node.") {
		if time.Now().After(deadline) {
			t.Fatalf("bea never saw that she takes part\n%s", bea.where())
		}
		time.Sleep(200 * time.Millisecond)
		bea.openOK(remotePage)
	}
	if f := bn.follower(t, "gentle-python", a.person("bea")); f == nil || f.State != domain.FollowAccepted {
		t.Fatalf("B's store has no accepted follower %s: %+v", a.person("bea"), f)
	}
}
