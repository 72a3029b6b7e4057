package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// postTypes are the object types kept in a course's discussion.
var postTypes = map[string]bool{"Note": true, "Article": true, "Page": true, "Question": true}

// create handles Create{Note}. A reply to the direct note that asked a
// moderated course's sign-up questions is kept as the answers
// (Enrolment.ReceiveAnswers). A public note awarding a badge to local
// people is kept as their badge (Badges.ReceiveAward). Any other public
// note goes to Discussion.Receive, which takes it into the discussion it
// belongs to, if any; a "#done" reply there is also a learner's claim that
// they did the task the post it answers announced (Learning.CompleteByReply).
// A Create{Event} is a meeting of a course elsewhere, and a reply to a
// meeting here that says only "yes", "maybe" or "no" an answer (event.go).
func (in *Inbox) create(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if isEvent(o) {
		return in.receiveEvent(tx, act) // a meeting of a course elsewhere (event.go)
	}
	if o == nil || o.IsLink || !postTypes[o.Type] || o.ID == "" {
		return nil // a bare IRI would need a fetch from its origin; not ours to chase
	}
	if _, deleted, err := domain.Found(tx.Tombstone(o.ID)); err != nil {
		return fmt.Errorf("inbox: create: %w", err)
	} else if deleted {
		return refusef("note %s was deleted before it was created", o.ID) // O18
	}
	if existing, known, err := domain.Found(tx.Post(o.ID)); err != nil {
		return fmt.Errorf("inbox: create: %w", err)
	} else if known {
		if existing.Author != act.Actor {
			return refusef("create of known note %s by another actor", o.ID) // O11
		}
		return nil // a duplicate
	}
	if answered, err := in.replyAnswer(tx, act); err != nil || answered {
		return err // a Mastodon reply "yes" to a meeting here (event.go)
	}
	if o.InReplyTo != "" {
		if answered, err := in.cfg.Enrolment.ReceiveAnswers(tx, act.Actor, o.InReplyTo, o.Content); err != nil || answered {
			return err
		}
	}
	if !isPublic(o) {
		if o.InReplyTo != "" && o.AttributedTo == act.Actor {
			// A course elsewhere telling one of our learners about their
			// work: a comment, a review.
			at := o.Published
			if at.IsZero() {
				at = in.cfg.Now().UTC()
			}
			_, err := in.cfg.Learning.ReceiveFeedback(tx, act.Actor, o.ID, o.InReplyTo, in.cfg.Sanitizer.RemoteHTML(o.Content), at)
			return err
		}
		return nil // direct and followers-only notes stay out of the public discussion
	}
	if got, err := in.receiveBadge(tx, act); err != nil || got {
		return err
	}
	p := in.remotePost(act, o, act.Actor)
	if o.AttributedTo == act.Actor {
		// A course elsewhere showing a learner's work for review (review.go).
		w, err := federation.ReadSubmission(o.Raw, act.Actor)
		if err != nil {
			return refusef("note %s: %w", o.ID, err)
		}
		p.Work = w
	}
	if err := in.cfg.Discussion.Receive(tx, p, slices.Concat(o.To, o.CC)); err != nil {
		return err
	}
	if err := in.cfg.Reviews.ReviewByReply(tx, p); err != nil {
		return err // a Mastodon participant's "#approve" under work shown for review
	}
	if !p.IsReply() || !slices.Contains(p.Tags, "done") {
		return nil
	}
	// A Mastodon learner's "#done" reply to a task's post completes it.
	done := &domain.Completion{ID: o.ID, Learner: act.Actor, Evidence: evidenceLink(o),
		Note: in.cfg.Sanitizer.PlainText(o.Content), At: p.Published, Raw: act.Raw}
	return in.cfg.Learning.CompleteByReply(tx, p.InReplyTo, done)
}

// remotePost is a remote note as a post, by author, for a discussion here:
// its text cleaned, its hashtags and mentions. Its place (id, discussion,
// thread) is given by the discussion that takes it.
func (in *Inbox) remotePost(act *federation.Activity, o *federation.Object, author string) *domain.Post {
	p := &domain.Post{
		URI:       o.ID,
		Author:    author,
		InReplyTo: o.InReplyTo,
		Content:   in.cfg.Sanitizer.RemoteHTML(o.Content),
		Published: o.Published,
		Updated:   o.Updated,
		Raw:       act.Raw,
	}
	if o.URL != "" && federation.SameOrigin(o.URL, o.ID) {
		p.URL = o.URL // identity comes from the id; a url elsewhere is dropped (O8)
	}
	if p.Published.IsZero() {
		p.Published = in.cfg.Now().UTC()
	}
	for _, t := range o.Tags {
		switch t.Type {
		case "Hashtag":
			if name := strings.ToLower(strings.TrimPrefix(t.Name, "#")); name != "" {
				p.Tags = append(p.Tags, name)
			}
		case "Mention":
			if t.Href != "" && !slices.Contains(p.Mentions, t.Href) {
				p.Mentions = append(p.Mentions, t.Href)
			}
		}
	}
	return p
}

func isPublic(o *federation.Object) bool {
	return slices.Contains(o.To, federation.Public) || slices.Contains(o.CC, federation.Public)
}

var hrefRE = regexp.MustCompile(`href="(https?://[^"]+)"`)

// evidenceLink is the first link of a note that is not a mention or a
// hashtag: the work a learner points to.
func evidenceLink(o *federation.Object) string {
	skip := map[string]bool{}
	for _, t := range o.Tags {
		skip[t.Href] = true
	}
	for _, m := range hrefRE.FindAllStringSubmatch(o.Content, -1) {
		u := html.UnescapeString(m[1])
		if !skip[u] && !strings.Contains(u, "/tags/") && !strings.Contains(u, "?t=") {
			return u
		}
	}
	return ""
}

// receiveBadge reads a badge awarded by a course on another server: a
// public note from the issuer that mentions the people it awards and links
// its hosted Open Badges assertion (on the issuer's origin), with the
// issuer's proof. Badges.ReceiveAward keeps it for the local people it
// mentions; got is false when the note is no award of anyone here.
func (in *Inbox) receiveBadge(tx domain.Tx, act *federation.Activity) (got bool, err error) {
	o := act.Object
	var extra struct {
		OpenBadge  string `json:"openBadge"`
		Attachment []struct {
			Type, URL, Name string
		} `json:"attachment"`
	}
	if o.Raw == nil || json.Unmarshal(o.Raw, &extra) != nil || extra.OpenBadge == "" {
		return false, nil
	}
	if !federation.SameOrigin(extra.OpenBadge, act.Actor) || o.AttributedTo != act.Actor {
		return false, refusef("badge assertion %s not on the issuer's origin", extra.OpenBadge)
	}
	issuer, err := tx.RemoteActor(act.Actor)
	if err != nil {
		return false, err
	}
	if err := integrity.VerifyRecord(o.Raw, issuer); err != nil {
		return false, refusef("award note %s: %w", o.ID, err)
	}
	rb := &domain.ReceivedBadge{Assertion: extra.OpenBadge, NoteURI: o.ID, Issuer: act.Actor, IssuedOn: o.Published}
	for _, a := range extra.Attachment {
		if a.Type == "Image" && federation.SameOrigin(a.URL, act.Actor) {
			rb.ImageURL, rb.Name = a.URL, strings.TrimPrefix(a.Name, "Badge: ")
		}
	}
	var mentioned []string
	for _, t := range o.Tags {
		if t.Type == "Mention" {
			mentioned = append(mentioned, t.Href)
		}
	}
	return in.cfg.Badges.ReceiveAward(tx, rb, mentioned)
}
