package node

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/service"
)

// TestRemoteVotePicker: bea on A takes part in B's course; A reads the
// course's badges collection and offers its peer-voted badge (not the
// demo's badge for every task), with its number of votes, and the fellow
// learners A knows: cem, who takes part from A too, and dan, whose post in
// the course reached A. bea votes for dan picking both from the offer, and
// B counts the vote.
func TestRemoteVotePicker(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	hash, err := password.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Services.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"bea", "cem"} {
		if _, err := a.Services.Enrolment.Follow(ctx, h, course); err != nil {
			t.Fatal(err)
		}
		eventually(t, h+" enrolled", func() bool { f := following(a, h, course); return f != nil && f.State == domain.FollowAccepted })
	}
	if err := b.Services.Accounts.Register(ctx, &domain.Person{Handle: "dan", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Services.Enrolment.EnrolLocal(ctx, "dan", DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	badge := &domain.Badge{Issuer: DemoCourse, Name: "Helpful Peer", Criteria: domain.CriteriaPeer, Votes: 2}
	if err := b.Services.Badges.Add(ctx, DemoOrganiser, badge); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Services.Posts.Publish(ctx, service.PostInput{Author: "dan", Course: DemoCourse, Text: "Hello from dan."}); err != nil {
		t.Fatal(err)
	}
	dan, cem := b.URLs.Actor(domain.ActorPerson, "dan"), a.URLs.Actor(domain.ActorPerson, "cem")

	var v *service.RemoteVoting
	eventually(t, "A knows dan from his post", func() bool {
		var err error
		v, err = a.Services.Badges.RemoteVoting(ctx, "bea", course)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Participants {
			if p.ID == dan {
				return true
			}
		}
		return false
	})
	if len(v.Badges) != 1 || v.Badges[0].ID != b.URLs.Path("/badges/"+badge.ID) || v.Badges[0].Name != "Helpful Peer" || v.Badges[0].VotesNeeded != 2 {
		t.Fatalf("A offers the badges %+v", v.Badges)
	}
	known := map[string]bool{}
	for _, p := range v.Participants {
		known[p.ID] = true
	}
	if !known[cem] || known[a.URLs.Actor(domain.ActorPerson, "bea")] || known[course] {
		t.Errorf("A offers the participants %+v", v.Participants)
	}
	if none, err := a.Services.Badges.RemoteVoting(ctx, "cem", b.URLs.Actor(domain.ActorCourse, "careful-go")); err != nil || len(none.Badges) != 0 {
		t.Errorf("a course cem does not take part in offers %+v (%v)", none, err)
	}

	if err := a.Services.Badges.VoteElsewhere(ctx, "bea", course, v.Badges[0].ID, dan); err != nil {
		t.Fatal(err)
	}
	voted := func(voter string) func() bool {
		return func() bool {
			ok := false
			b.Store.View(ctx, func(tx domain.Tx) error {
				ok, _ = tx.Voted(badge.ID, dan, a.URLs.Actor(domain.ActorPerson, voter))
				return nil
			})
			return ok
		}
	}
	eventually(t, "B counts bea's vote", voted("bea"))

	// cem votes as a person does: the course's page on A offers the badge
	// and dan in its selects, and the form sends what was picked.
	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: a.URLs.Base(), c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	w.refreshToken("/login")
	if st := w.post("/login", url.Values{"handle": {"cem"}, "password": {"correct horse battery"}}); st != 303 {
		t.Fatalf("log in as cem: %d", st)
	}
	page := "/remote?id=" + url.QueryEscape(course)
	w.refreshToken(page)
	resp, err := w.c.Get(a.URLs.Base() + page)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`<select id="vote-badge" name="badge" required><option value="` + v.Badges[0].ID + `">Helpful Peer (2 votes)</option>`,
		`<option value="` + dan + `">`} {
		if !strings.Contains(string(html), want) {
			t.Fatalf("cem's page of the course does not offer %s:\n%s", want, html)
		}
	}
	if st := w.post("/remote/vote", url.Values{"target": {course}, "badge": {v.Badges[0].ID}, "learner": {dan}}); st != 303 {
		t.Fatalf("cem's vote: %d", st)
	}
	eventually(t, "B counts cem's vote", voted("cem"))
}
