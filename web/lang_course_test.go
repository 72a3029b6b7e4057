package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestCoursePagesInEsperanto: a course's page, for a visitor, a learner
// (asking to join with the sign-up questions, pending, joined with the
// Leave confirm, posting, refused an empty post) and its organiser; its
// discussion with its actions and their confirms, a post's page, a
// thread's page and the preview page are written in Esperanto for a
// browser that asks for it, with the notices after joining, posting,
// editing, reporting, deleting and leaving.
func TestCoursePagesInEsperanto(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	course := "/courses/" + node.DemoCourse
	asked, closed := "/courses/deutsch", "/courses/latin"
	for _, c := range []*domain.Course{
		{Handle: "deutsch", Title: "Deutsch für alle", Kind: "Course", Status: domain.StatusOpen, SignUp: domain.SignUpModerated,
			Questions: []string{"Why German?"}, Organisers: []string{node.DemoOrganiser}},
		{Handle: "latin", Title: "Latin", Kind: "Course", Status: domain.StatusOpen, SignUp: domain.SignUpClosed, Organisers: []string{node.DemoOrganiser}},
	} {
		if err := n.Services.Courses.Create(ctx, node.DemoOrganiser, c); err != nil {
			t.Fatal(err)
		}
	}
	peer := &domain.Badge{Issuer: node.DemoCourse, Name: "Helper", Criteria: domain.CriteriaPeer, Votes: 3}
	if err := n.Services.Badges.Add(ctx, node.DemoOrganiser, peer); err != nil {
		t.Fatal(err)
	}
	// A pinned post of the course, before anyone joins.
	fill(t, n, 1, func(tx domain.Tx, _ int) error {
		return tx.PutPost(&domain.Post{ID: "01JPINNED", Course: node.DemoCourse, URI: n.URLs.Path("/posts/01JPINNED"),
			Author: n.URLs.Actor(domain.ActorCourse, node.DemoCourse), Local: true, Thread: "01JPINNED", Pinned: true,
			Content: "<p>Welcome, everyone.</p>", Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	})
	eo := func(b *browser, path string, status int) string {
		t.Helper()
		resp, body := b.getIn(path, "eo")
		wantStatus(t, "GET "+path, resp, body, status)
		return body
	}
	post := func(b *browser, path, from string, form url.Values) (*http.Response, string) {
		t.Helper()
		form.Set("_csrf", b.csrf(from))
		return b.post(path, form, "Accept-Language", "eo")
	}

	// A visitor: the course's facts, the way to join from elsewhere, its
	// tasks, badges (the peer badge's vote from another node) and posts.
	visitor := newBrowser(t, n.base)
	saysIn(t, "the course to a visitor", eo(visitor, course, http.StatusOK),
		[]string{"Studrondo · malfermita · en", "Organizata de <a", `parto de <a href="/schools/webcraft">@webcraft</a>`, "Atom-fluo de la afiŝoj",
			"Partopreno", "Sekvu <strong>@gentle-python@", "aŭ ajna fediversa konto por aliĝi, aŭ <a href=\"/login?next=/courses/gentle-python\">ensalutu</a> por aliĝi ĉi tie.",
			"Taskoj", "Insignoj", "„Helper“ estas aljuĝata de kunlernantoj: per 3 voĉoj de malsamaj lernantoj.",
			"Voĉdoni el alia Lernejo-nodo", "iru al ĉi tiu Studrondo kaj donu la adreson de la insigno, <code>", "Diskuto", "alpinglita",
			"Partoprenantoj", "Estu la unua, kiu aliĝas.", `<h1 lang="en">A Gentle Introduction to Python</h1>`, `<div class="summary" lang="en">`,
			`<ol class="tasks" lang="en">`},
		[]string{"Study Group", " · open", "Organised by", "part of", "Atom feed", "Taking part", "from Mastodon or any fediverse account",
			"to join here", ">Tasks<", ">Badges<", "is awarded by fellow learners", "votes from different learners", "Voting from another",
			"give the badge’s address", ">Discussion<", "pinned", ">Participants<", "Be the first to join", "Markdown:"})
	saysIn(t, "a course asking questions to a visitor", eo(visitor, asked, http.StatusOK),
		[]string{"Kurso · malfermita", "Aldoni al kalendaro"},
		[]string{"Add to calendar"})

	// A learner: asking to join with the questions answered, then pending.
	lea := newBrowser(t, n.base)
	resp, body := lea.post("/signup", signupForm(lea.csrf("/signup"), "lea"))
	wantRedirect(t, "sign up", resp, "/")
	saysIn(t, "the join form with questions", eo(lea, asked, http.StatusOK),
		[]string{"<label for=\"answers\">Bonvolu respondi: Why German?</label>", "Aliĝi al ĉi tiu Kurso"},
		[]string{"Please answer", "Join this"})
	resp, _ = post(lea, asked+"/join", asked, url.Values{"answers": {"For the poems."}})
	wantRedirect(t, "ask to join", resp, asked)
	saysIn(t, "a pending learner", eo(lea, asked, http.StatusOK),
		[]string{"Via peto estas sendita: organizanto respondos al ĝi.", "Via peto atendas: organizanto pritaksos ĝin."},
		[]string{"Your request is sent", "Your request is pending", "an organiser will"})
	saysIn(t, "a course closed to sign-ups", eo(lea, closed, http.StatusOK), []string{"Aliĝo estas fermita."}, []string{"Sign-up is closed."})

	// Joined: the notice, the Leave confirm and the post form.
	resp, _ = post(lea, course+"/join", course, url.Values{})
	wantRedirect(t, "join", resp, course)
	saysIn(t, "a joined learner", eo(lea, course, http.StatusOK),
		[]string{"Vi aliĝis: bonvenon!", "Vi partoprenas en ĉi tiu Studrondo.", "0 el 3 taskoj faritaj", `<progress id="task-progress"`, "<summary>Forlasi</summary>",
			"Ĉu forlasi A Gentle Introduction to Python? Via progreso restas, sed vi ne plu ricevos ĝiajn afiŝojn kaj ne plu povos afiŝi.",
			"Forlasi A Gentle Introduction to Python", "Voĉdoni por kunlernanto (el ĉi tiu paĝo de la partoprenantoj)", "Voĉdoni por „Helper“",
			"Skribu afiŝon", "Maksimume 5 000 signoj.", "Markdown: **grasa**, _kursiva_, [ligilo](adreso), listoj (- ero)", ">Afiŝi</button>",
			">Antaŭrigardo</button>", "<summary>Respondi</summary>", "Via respondo", "<summary>Raporti</summary>", "Kial (la organizantoj"},
		[]string{"You are in", "You take part", "tasks done", ">Leave<", "Your progress stays", "Vote for", "Write a post", "At most 5,000",
			"**bold**", ">Post<", ">Preview<", ">Reply<", "Your reply", ">Report<", "Why (the organisers", "Post as the"})

	// A refused (empty) post: the course page again, the field's error in
	// Esperanto; then a preview, and the post published.
	resp, body = post(lea, course+"/posts", course, url.Values{"text": {"   "}})
	wantStatus(t, "an empty post", resp, body, http.StatusUnprocessableEntity)
	saysIn(t, "the refused post", body, []string{"La afiŝo estas necesa.", `aria-invalid="true"`, "Skribu afiŝon"},
		[]string{"The post is required.", "Write a post"})
	resp, body = post(lea, course+"/posts", course, url.Values{"text": {"Hello **all**"}, "preview": {"1"}})
	wantStatus(t, "a preview", resp, body, http.StatusOK)
	saysIn(t, "the preview", body,
		[]string{"<title>Antaŭrigardo", "<h1>Antaŭrigardo</h1>", "Kiel ĝi aspektos (ankoraŭ ne konservita)", "<strong>all</strong>",
			`<label for="preview-text">Via afiŝo</label>`, ">Afiŝi</button>", ">Antaŭrigardo</button>", "Markdown: **grasa**"},
		[]string{">Preview<", "How it will look", "Your post", ">Post<", "**bold**"})
	resp, body = post(lea, course+"/posts", course, url.Values{"text": {""}, "preview": {"1"}})
	wantStatus(t, "an empty preview", resp, body, http.StatusOK)
	saysIn(t, "the empty preview", body, []string{"Ankoraŭ estas nenio por montri."}, []string{"Nothing to show yet."})
	resp, _ = post(lea, course+"/posts", course, url.Values{"text": {"Hello all"}})
	wantRedirect(t, "post", resp, course+"#discussion")
	body = eo(lea, course, http.StatusOK)
	saysIn(t, "the learner's own post", body,
		[]string{"Via afiŝo estas publikigita.", "<summary>Redakti</summary>", `">Via afiŝo</label>`, ">Konservi</button>", "<summary>Forigi</summary>",
			"Ĉu forigi vian afiŝon? Ĝi malaperos por ĉiuj, ankaŭ ĉe aliaj serviloj.", "Forigi ĉi tiun afiŝon"},
		[]string{"Your post is published.", ">Edit<", ">Save<", ">Delete<", "Delete your post?", "Delete this post"})
	var leaPost string
	if at := strings.Index(body, "<p>Hello all</p>"); at > 0 {
		if m := regexp.MustCompile(`id="post-([0-9A-Z]+)"`).FindAllStringSubmatch(body[:at], -1); len(m) > 0 {
			leaPost = m[len(m)-1][1]
		}
	}
	if leaPost == "" {
		t.Fatalf("lea's post is not on the course page:\n%s", body)
	}
	leaURI := n.URLs.Path("/posts/" + leaPost)

	// The organiser: managing, posting as the course, removing and
	// reporting the learner's post; a reply to it.
	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login(node.DemoOrganiser, n.adaPW, "/"), "/")
	saysIn(t, "the course to its organiser", eo(ada, course, http.StatusOK),
		[]string{"Vi estas organizanto de ĉi tiu Studrondo.", ">Administri</a>", "Afiŝi kiel la studrondo", "<summary>Forpreni</summary>",
			"Ĉu forpreni ĉi tiun afiŝon el la diskuto? Neniu plu vidos ĝin ĉi tie.", "Forpreni ĉi tiun afiŝon"},
		[]string{"You organise", ">Manage<", "Post as the", ">Remove<", "Remove this post"})
	resp, _ = post(ada, course+"/posts/report", course, url.Values{"post": {leaURI}, "comment": {"spam?"}})
	wantRedirect(t, "report", resp, course+"#discussion")
	saysIn(t, "the course after a report", eo(ada, course, http.StatusOK), []string{"Dankon: via raporto estas sendita."}, []string{"Thank you: your report"})
	resp, _ = post(ada, course+"/posts", course, url.Values{"text": {"Welcome, Lea"}, "in_reply_to": {leaURI}})
	wantRedirect(t, "reply", resp, course+"#discussion")
	resp, body = post(ada, course+"/posts", course, url.Values{"text": {"Welcome"}, "in_reply_to": {leaURI}, "preview": {"1"}})
	wantStatus(t, "a reply's preview", resp, body, http.StatusOK)
	saysIn(t, "a reply's preview", body, []string{`<label for="preview-text">Via respondo</label>`, ">Respondi</button>"}, []string{"Your reply", ">Reply<"})

	// The learner edits the post; its page and its thread's page.
	resp, _ = post(lea, course+"/posts/edit", course, url.Values{"post": {leaURI}, "text": {"Hello, all"}})
	wantRedirect(t, "edit", resp, course+"#discussion")
	saysIn(t, "the course after an edit", eo(lea, course, http.StatusOK), []string{"Via afiŝo estas konservita.", "redaktita"},
		[]string{"Your post is saved.", "edited", "in reply to"})
	saysIn(t, "the post's page", eo(lea, "/posts/"+leaPost, http.StatusOK),
		[]string{"Afiŝo en A Gentle Introduction to Python", "redaktita", "0 ŝatoj · 0 diskonigoj", "<h2 id=\"replies-h\">Respondoj</h2>", "<summary>Forigi</summary>"},
		[]string{"A post in", "edited", "likes", "boosts", ">Replies<", ">Delete<"})
	saysIn(t, "the thread's page", eo(lea, "/threads/"+leaPost, http.StatusOK),
		[]string{"<title>Fadeno en A Gentle Introduction to Python", "2 afiŝoj, la plej malnovaj unue"},
		[]string{"A thread in", "posts, oldest first", "in reply to"})
	saysIn(t, "a one-post thread's page", eo(lea, "/threads/01JPINNED", http.StatusOK), []string{">1 afiŝo</h2>"}, []string{"1 post"})

	// Deleted, the post's page says so; leaving, the course page says so.
	resp, _ = post(lea, course+"/posts/delete", course, url.Values{"post": {leaURI}})
	wantRedirect(t, "delete", resp, course+"#discussion")
	saysIn(t, "the course after a delete", eo(lea, course, http.StatusOK), []string{"Via afiŝo estas forigita."}, []string{"Your post is deleted."})
	saysIn(t, "the deleted post", eo(lea, "/posts/"+leaPost, http.StatusGone),
		[]string{"<title>Forigita", "Ĉi tiu afiŝo estis forigita."}, []string{"Deleted", "This post was deleted."})
	resp, _ = post(lea, course+"/leave", course, url.Values{})
	wantRedirect(t, "leave", resp, course)
	saysIn(t, "the course after leaving", eo(lea, course, http.StatusOK),
		[]string{"Vi forlasis ĝin. Vi povas aliĝi denove, dum la aliĝo estas malfermita.", "Aliĝi al ĉi tiu Studrondo"},
		[]string{"You left it", "Join this"})
}
