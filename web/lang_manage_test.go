package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// fragmentsOf are the pieces of the English messages of the catalogue
// files named (i18n/eo/NAME.json) that a reader would see as a sentence:
// each message split at its fmt verbs, the pieces of at least 12
// characters with a space in them. None may be left on a page written in
// Esperanto.
func fragmentsOf(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	verb := regexp.MustCompile(`%(\[\d\])?[a-z%]`)
	for _, f := range files {
		b, err := os.ReadFile("../i18n/eo/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			for _, piece := range verb.Split(k, -1) {
				if piece = strings.TrimSpace(piece); len(piece) >= 12 && strings.Contains(piece, " ") {
					out = append(out, piece)
				}
			}
		}
	}
	return out
}

// TestOrganiserPagesInEsperanto: every tab of the organisers' page (with
// a learner's progress and work, a sign-up waiting, an award, a post),
// the course forms (new, and a refused edit naming its field), the task
// form (refused) and the task page (done with evidence and an organiser's
// comment, to do, the last one, and a visitor's) are written in Esperanto
// for a browser that asks for it, with the notices after each change and
// the draft notice; no English sentence of their catalogues is left.
func TestOrganiserPagesInEsperanto(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	s := n.Services
	english := fragmentsOf(t, "manage", "task", "courseform")
	if len(english) < 40 {
		t.Fatalf("only %d English sentences to look for: the catalogue files moved", len(english))
	}

	// Bea takes part and did the first task, with a link and a note;
	// Cem asks to join once the sign-up is moderated.
	for _, h := range []string{"bea", "cem"} {
		if _, err := s.Accounts.Create(ctx, h, strings.ToUpper(h[:1])+h[1:], false, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Enrolment.EnrolLocal(ctx, "bea", node.DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	var tasks []*domain.Task
	var badge string
	n.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		if tasks, err = tx.Tasks(node.DemoCourse); err != nil {
			return err
		}
		bs, err := tx.Badges(node.DemoCourse)
		if len(bs) > 0 {
			badge = bs[0].ID
		}
		return err
	})
	if len(tasks) != 3 || badge == "" {
		t.Fatalf("demo course: %d tasks, badge %q", len(tasks), badge)
	}
	if _, err := s.Tasks.Complete(ctx, "bea", node.DemoCourse, tasks[0].ID, "https://work.test/bea", "My notes."); err != nil {
		t.Fatal(err)
	}
	co := demoCourse(t, n)
	co.SignUp = domain.SignUpModerated
	if err := s.Courses.Update(ctx, node.DemoOrganiser, co); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enrolment.EnrolLocal(ctx, "cem", node.DemoCourse, "I want to learn."); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: node.DemoCourse, Text: "Hello, group!"}); err != nil {
		t.Fatal(err)
	}
	beaActor := n.URLs.Actor(domain.ActorPerson, "bea")
	award, err := s.Badges.Award(ctx, node.DemoOrganiser, badge, beaActor)
	if err != nil {
		t.Fatal(err)
	}

	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login(node.DemoOrganiser, n.adaPW, "/"), "/")
	course := "/courses/" + node.DemoCourse
	manage := course + "/manage"
	eo := func(b *browser, path string) string {
		t.Helper()
		resp, body := b.getIn(path, "eo")
		wantStatus(t, "GET "+path+" in Esperanto", resp, body, http.StatusOK)
		for _, e := range english {
			if strings.Contains(body, e) {
				t.Errorf("%s still says %q in English", path, e)
			}
		}
		return body
	}
	post := func(b *browser, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		form.Set("_csrf", b.csrf("/"))
		return b.postIn(path, form)
	}

	// The overview, with the sign-up queue.
	saysIn(t, "the overview", eo(ada, manage),
		[]string{"<title>Superrigardo · Organizado de A Gentle Introduction to Python", "Organizado de „A Gentle Introduction to Python“",
			`aria-label="Langetoj de la organizado"`, ">Superrigardo</a>", ">Progreso</a>", ">Agordoj</a>",
			"1 membro</a>", "1 atendas aliĝon", "3 taskoj</a>", "1 insigno</a>", "Aliĝpetoj", "I want to learn.", "Aprobi",
			"Ĉu rifuzi la aliĝpeton de @cem?", "Kialo (sendata al la petanto, nedeviga)", "Rifuzi: @cem"},
		[]string{"Organise", ">Overview<", ">Progress<", " member", "waiting to join", " tasks<", " badge<", "Sign-up requests",
			">Approve<", ">Decline<", "sign-up?", "Reason (sent"})
	wantRedirect(t, "approve", func() *http.Response {
		r, _ := post(ada, course+"/queue/approve", url.Values{"actor": {n.URLs.Actor(domain.ActorPerson, "cem")}})
		return r
	}(), manage)
	saysIn(t, "the overview after approving", eo(ada, manage),
		[]string{"La aliĝpeto estas aprobita.", "2 membroj</a>", "0 atendas aliĝon", "Neniu atendas."},
		[]string{"The sign-up is approved.", "No one is waiting."})

	// The progress table, the submitted work and a comment on it.
	resp, _ := post(ada, course+"/tasks/"+tasks[0].ID+"/comments", url.Values{"learner": {beaActor}, "comment": {"Well done."}})
	wantRedirect(t, "comment", resp, manage+"/progress")
	saysIn(t, "the progress", eo(ada, manage+"/progress"),
		[]string{"<title>Progreso · Organizado de", "Progreso <span class=\"count\">(2 membroj)", `aria-label="Tabelo de la progreso"`,
			">Lernanto</th>", ">Faritaj</th>", ">Agoj</span>", "1 el 3", "0 el 3", "> farita</span>", "> ankoraŭ ne</span>",
			"<summary>Bloki</summary>", "Ĉu bloki @bea? Tiu persono forlasos la kurson", "Bloki @bea</button>",
			"Senditaj laboroj", "<strong>@bea</strong>, tasko 1 („Say hello to Python“):", "https://work.test/bea", "My notes.",
			"Well done.", "Komento pri ĉi tiu laboro (sendata al @bea)", ">Komenti</button>"},
		[]string{">Learner<", ">Done<", ">Actions<", " of 3", "> done<", "> not yet<", ">Block<", "Block @bea", "Submitted work",
			"task 1", "Comment on this work", ">Comment<"})

	// Blocking Cem: the notice, and the refusal of blocking them again.
	cem := n.URLs.Actor(domain.ActorPerson, "cem")
	resp, _ = post(ada, course+"/block", url.Values{"actor": {cem}})
	wantRedirect(t, "block", resp, manage+"/progress")
	saysIn(t, "the progress after a block", eo(ada, manage+"/progress"),
		[]string{"Tiu persono estas blokita el ĉi tiu kurso.", "(1 membro)"}, []string{"They are blocked"})

	// The tasks, a new one, a refused one (the task form, its field named
	// in Esperanto) and the edit form with an earlier version.
	saysIn(t, "the tasks", eo(ada, manage+"/tasks"),
		[]string{"<title>Taskoj · Organizado de", `aria-label="Movi Say hello to Python supren"`, `aria-label="Movi Loops and decisions malsupren"`,
			"Titolo de la nova tasko", "Maksimume 200 signoj.", ">Teksto</label>", "Maksimume 100 000 signoj.", "Aldoni taskon"},
		[]string{"Move ", "New task title", "At most", ">Text<", "Add task"})
	resp, _ = post(ada, course+"/tasks", url.Values{"title": {"Functions"}, "body": {"Write one."}})
	wantRedirect(t, "add a task", resp, manage+"/tasks")
	saysIn(t, "the tasks after adding one", eo(ada, manage+"/tasks"),
		[]string{"La tasko „Functions“ estas aldonita."}, []string{"is added"})
	resp, body := post(ada, course+"/tasks", url.Values{"title": {""}, "body": {"No title."}})
	wantStatus(t, "a task without a title", resp, body, http.StatusUnprocessableEntity)
	saysIn(t, "the refused task", body,
		[]string{"<title>Nova tasko", "<h1>Nova tasko</h1>", "La tasko ne estis aldonita: korektu la markitajn erojn kaj reprovu.",
			"La titolo de la tasko estas necesa.", `aria-invalid="true"`, ">Titolo</label>", "Aldoni taskon</button>"},
		[]string{"New task", "The task was not added", "task title", "is required", ">Title<", "Add task"})
	edit := course + "/tasks/" + tasks[1].ID + "/edit"
	saysIn(t, "the task form", eo(ada, edit),
		[]string{"<title>Redakti: Names, numbers and text", "<h1>Redakti la taskon</h1>", "Antaŭaj versioj",
			"Ankoraŭ neniu: ĉiu konservo gardas la version, kiun ĝi anstataŭas.", ">Konservi</button>"},
		[]string{"Edit task", "Earlier versions", "None yet", ">Save<"})
	resp, _ = post(ada, edit, url.Values{"title": {"Names and numbers"}, "body": {"Try variables."}})
	wantRedirect(t, "edit a task", resp, manage+"/tasks")
	saysIn(t, "the tasks after an edit", eo(ada, manage+"/tasks"),
		[]string{"La tasko estas konservita; la versio, kiun ĝi anstataŭas, restas."}, []string{"The task is saved"})
	saysIn(t, "the task form with a version", eo(ada, edit),
		[]string{"Names, numbers and text — ", "Restarigi ĉi tiun version"}, []string{"Restore this version"})
	resp, body = post(ada, edit, url.Values{"title": {""}, "body": {"Try variables."}})
	wantStatus(t, "an edit without a title", resp, body, http.StatusUnprocessableEntity)
	saysIn(t, "the refused edit", body,
		[]string{"La tasko ne estis konservita: korektu la markitajn erojn kaj reprovu.", "La titolo de la tasko estas necesa."},
		[]string{"The task was not saved", "is required"})

	// The badges: an award with its revoke confirm, a revoked one.
	saysIn(t, "the badges", eo(ada, manage+"/badges"),
		[]string{"<title>Insignoj · Organizado de", "Python Basics <span class=\"count\">(ĉiuj taskoj)</span>",
			"Aljuĝi al (membro en ĉi tiu paĝo de la membroj)", ">Aljuĝi</button>", "<h4>Aljuĝita al</h4>", "<summary>Nuligi…</summary>",
			"Ĉu nuligi la insignon de @bea? Ĝia aserto tiam diros, ke ĝi estas nuligita, por ĉiam.", "Kialo de la nuligo",
			"Nuligi la insignon de @bea</button>", "<h3>Nova insigno</h3>", "Plenumo de ĉiu tasko", "Krei insignon"},
		[]string{"(all_tasks)", "Award to", ">Award<", "Awarded to", "Revoke", "New badge", "Completing every task", "Create badge"})
	resp, _ = post(ada, manage+"/badges/awards/"+award.ID+"/revoke", url.Values{"reason": {"A mistake."}})
	wantRedirect(t, "revoke", resp, manage+"/badges")
	saysIn(t, "the badges after revoking", eo(ada, manage+"/badges"),
		[]string{"La aljuĝo estas nuligita.", "<strong>nuligita</strong>: A mistake."}, []string{"The award is revoked.", ">revoked<"})
	resp, _ = post(ada, course+"/badges/"+badge+"/award", url.Values{"learner": {beaActor}})
	wantRedirect(t, "award", resp, manage+"/badges")
	saysIn(t, "the badges after awarding", eo(ada, manage+"/badges"), []string{"La insigno estas aljuĝita."}, []string{"is awarded"})

	// The discussion and its reports.
	saysIn(t, "the discussion", eo(ada, manage+"/discussion"),
		[]string{"<title>Diskuto · Organizado de", "Hello, group!", ">Alpingli</button>", "<summary>Forpreni</summary>",
			"Ĉu forpreni ĉi tiun afiŝon el la diskuto? Neniu plu vidos ĝin ĉi tie.", "Forpreni ĉi tiun afiŝon</button>",
			"<summary>Raporti</summary>", ">Kial</label>", "Raportoj pri ĝiaj afiŝoj", "Neniuj raportoj."},
		[]string{">Pin<", ">Remove<", "Remove this post", ">Report<", ">Why<", "Reports about", "No reports."})

	postURI := regexp.MustCompile(`name="post" value="([^"]+)"`).FindStringSubmatch(eo(ada, manage+"/discussion"))
	if postURI == nil {
		t.Fatal("the discussion tab has no post to remove")
	}
	resp, _ = post(ada, course+"/posts/remove", url.Values{"post": {postURI[1]}})
	wantRedirect(t, "remove a post", resp, manage+"/discussion")
	saysIn(t, "the discussion after a removal", eo(ada, manage+"/discussion"),
		[]string{"La afiŝo estas forprenita el la diskuto."}, []string{"The post is removed"})

	// The settings, a refused edit with its field error, a saved one.
	saysIn(t, "the settings", eo(ada, manage+"/settings"),
		[]string{"<title>Agordoj · Organizado de", ">Titolo</label>", "Pri kio ĝi temas?", ">Speco</label>",
			`<option value="Study Group" selected>Studrondo</option>`, `<option value="draft">malneto</option>`,
			`<option value="open" selected>malfermita</option>`, "Kontrolata: organizanto aprobas",
			"Kunhavigi ankaŭ la respondojn",
			"Aliaj organizantoj (identigiloj ĉe ĉi tiu nodo, po unu en linio)", ">Konservi</button>",
			"<h2 id=\"join-school-h\">Lernejo</h2>", `Apartenas al <a href="/schools/webcraft">@webcraft</a>.`,
			"<h2 id=\"picture-h\">Bildo</h2>", "Elekti bildon", "Aliaj serviloj montras ĝin kiel profilbildon de la studrondo."},
		[]string{">Title<", "What is it about", ">Kind<", ">Study Group<", ">draft<", ">open<", "Moderated:",
			"Other organisers", ">Save<", ">School<", "Part of", ">Picture<", "Choose a picture", "avatar"})
	settings := url.Values{"title": {""}, "summary": {co.Summary}, "kind": {"Study Group"}, "status": {"open"}, "signup": {"open"},
		"language": {"en"}, "capacity": {"0"}}
	resp, body = post(ada, course+"/edit", settings)
	wantStatus(t, "settings without a title", resp, body, http.StatusUnprocessableEntity)
	saysIn(t, "the refused settings", body,
		[]string{"<title>Agordoj de ", "<h1>Agordoj</h1>", "Ĉi tiuj agordoj ne estis konservitaj: korektu la markitajn erojn kaj konservu denove.",
			`/manage">Organizado de`, `aria-invalid="true"`, "estas necesa."},
		[]string{"Settings", "These settings were not saved", "Organise", "is required"})
	settings.Set("title", co.Title)
	resp, _ = post(ada, course+"/edit", settings)
	wantRedirect(t, "save the settings", resp, manage+"/settings")
	saysIn(t, "the settings saved", eo(ada, manage+"/settings"), []string{"La agordoj estas konservitaj."}, []string{"The settings are saved."})

	// A new course, as a draft: the form, the flash with its button, the
	// draft notice once the flash is gone, and publishing it.
	saysIn(t, "the new course form", eo(ada, "/new/course"),
		[]string{"<title>Komenci ion novan", "<h1>Komenci ion novan</h1>", "Identigilo (oni sekvas @identigilo@",
			"Maksimume 30 signoj. Ĝi ne estos ŝanĝebla poste.", ">Krei</button>"},
		[]string{"Start something new", "people follow", "It cannot be changed", ">Create<"})
	resp, body = post(ada, "/new/course", url.Values{"handle": {"sql-sprint"}, "title": {"SQL Sprint"}, "kind": {"Course"},
		"status": {"draft"}, "signup": {"open"}, "capacity": {"-1"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a course of -1 places was created")
	}
	saysIn(t, "the refused new course", body, []string{"<h1>Komenci ion novan</h1>", `aria-invalid="true"`, "La kapacito ne povas esti negativa."},
		[]string{"Start something new", "cannot be negative"})
	resp, _ = post(ada, "/new/course", url.Values{"handle": {"sql-sprint"}, "title": {"SQL Sprint"}, "kind": {"Course"},
		"status": {"draft"}, "signup": {"open"}})
	wantRedirect(t, "a new draft", resp, "/courses/sql-sprint/manage")
	body = eo(ada, "/courses/sql-sprint/manage")
	saysIn(t, "the new draft", body,
		[]string{"Via kurso SQL Sprint estas kreita kiel malneto: nur ĝiaj organizantoj vidas ĝin. Aldonu taskojn, kaj publikigu ĝin, kiam ĝi estos preta.",
			">Publikigi SQL Sprint</button>", "0 membroj", "0 taskoj", "0 insignoj"},
		[]string{"is created as a draft", "Publish", " members", " tasks", " badges"})
	saysIn(t, "the draft", eo(ada, "/courses/sql-sprint/manage"),
		[]string{"Ĉi tiu kurso estas malneto: nur ĝiaj organizantoj vidas ĝin.", ">Publikigi SQL Sprint</button>"},
		[]string{"is a draft", "Publish"})
	resp, _ = post(ada, "/courses/sql-sprint/publish", url.Values{})
	wantRedirect(t, "publish", resp, "/courses/sql-sprint/manage")
	saysIn(t, "the published course", eo(ada, "/courses/sql-sprint/manage"),
		[]string{"SQL Sprint estas publikigita: oni povas trovi ĝin kaj aliĝi."}, []string{"is published", "malneto"})

	// The task pages: Bea's done one with her work and Ada's comment, the
	// next to do, the last; a visitor's.
	bea := newBrowser(t, n.base)
	wantRedirect(t, "bea logs in", bea.login("bea", "correct horse battery", "/"), "/")
	task := func(i int) string { return course + "/tasks/" + tasks[i].ID }
	saysIn(t, "the done task", eo(bea, task(0)),
		[]string{"tasko 1 el 4", "<h2 id=\"progress-h\">Via progreso</h2>", "1 el 4 taskoj faritaj", "✓ Vi faris ĉi tiun taskon — ",
			`rel="nofollow noopener noreferrer">via laboro</a>.`, "Refari ĝin",
			"La komentoj de la organizantoj pri via laboro", "Well done.", `aria-label="Taskoj"`, "Sekva tasko: Names and numbers →"},
		[]string{"task 1", "Your progress", "tasks done", "You did this task", "your work", "Undo", "comments on your work",
			`aria-label="Tasks"`, "Next task"})
	saysIn(t, "the task to do", eo(bea, task(1)),
		[]string{"tasko 2 el 4", "Ligilo al via laboro (nedeviga)", "Noto (nedeviga)", "Marki kiel faritan", "Antaŭaj versioj",
			"Names, numbers and text — konservita je "},
		[]string{"Link to your work", "A note", "Mark as done", "Earlier versions", " saved "})
	resp, _ = post(bea, task(1)+"/done", url.Values{"evidence": {"https://work.test/bea/2"}})
	wantRedirect(t, "mark done", resp, task(1))
	saysIn(t, "the last task", eo(bea, course+"/tasks/"+lastTask(t, n)),
		[]string{"tasko 4 el 4", "2 el 4 taskoj faritaj", "Reen al la Studrondo →"}, []string{"Back to the", "Next task"})
	visitor := newBrowser(t, n.base)
	saysIn(t, "a visitor's task", eo(visitor, task(0)),
		[]string{"1 lernanto faris ĉi tiun taskon.", `<a href="/login?next=` + task(0) + `">Ensaluti</a> por marki ĝin farita`},
		[]string{"learner has done", "to mark it done", ">Log in</a> to"})
	saysIn(t, "a visitor's second task", eo(visitor, task(1)), []string{"1 lernanto faris"}, []string{"learners have done"})
}

// lastTask is the id of the demo course's last task.
func lastTask(t *testing.T, n *testNode) string {
	t.Helper()
	var id string
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		if len(ts) > 0 {
			id = ts[len(ts)-1].ID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}
