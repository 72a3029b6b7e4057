package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// postTypes are the object types kept in a course's discussion.
var postTypes = map[string]bool{"Note": true, "Article": true, "Page": true, "Question": true}

// create handles Create{Note}. A note that answers a post of a course's
// discussion, mentions a course or is addressed to one joins that
// discussion when its author is enrolled (or the course's discussion is
// open). It is kept with the raw activity, threaded by inReplyTo, and the
// course Announces it to its followers (FEP-1b12): top-level posts always,
// replies when the course redistributes replies. A reply to the direct note
// that asked a moderated course's sign-up questions is kept as the answers.
func (in *Inbox) create(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
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
	if o.InReplyTo != "" {
		if answered, err := in.signUpAnswers(tx, act); err != nil || answered {
			return err
		}
	}
	if !isPublic(o) {
		return nil // direct and followers-only notes stay out of the public discussion
	}
	if got, err := in.receiveBadge(tx, act); err != nil || got {
		return err
	}
	c, parent, err := in.courseOf(tx, act)
	if err != nil {
		return err
	}
	if c == nil {
		remote, parent, err := in.remoteCourseOf(tx, act)
		if err != nil || remote == "" {
			return err
		}
		return tx.PutPost(in.newPost(act, o, remote, parent))
	}
	if c.IsBlocked(act.Actor) {
		return refusef("%s is blocked from %s", act.Actor, c.Handle)
	}
	member, _, err := domain.Found(tx.Follower(c.Handle, act.Actor))
	if err != nil {
		return fmt.Errorf("inbox: create: %w", err)
	}
	enrolled := member != nil && member.State == domain.FollowAccepted
	if !enrolled && !c.OpenDiscussion {
		return refusef("%s is not enrolled in %s", act.Actor, c.Handle)
	}
	p := in.newPost(act, o, c.Handle, parent)
	if parent != nil && parent.Task != "" && hasTag(p.Tags, "done") {
		// A Mastodon learner's "#done" reply to a task's post completes it.
		done := &domain.Completion{ID: o.ID, Course: c.Handle, Task: parent.Task, Learner: act.Actor,
			Evidence: evidenceLink(o), Note: in.cfg.Sanitizer.PlainText(o.Content), At: p.Published, Raw: act.Raw}
		if err := in.cfg.Learning.RecordCompletion(tx, done); err != nil {
			return err
		}
	}
	if !p.IsReply() || c.RedistributeReplies {
		if err := in.redistribute(tx, c, p); err != nil {
			return err
		}
	}
	return tx.PutPost(p)
}

// newPost makes the post of a remote note in a course's discussion.
func (in *Inbox) newPost(act *federation.Activity, o *federation.Object, course string, parent *domain.Post) *domain.Post {
	author := act.Actor
	if act.Type == "Announce" {
		author = o.AttributedTo
	}
	p := &domain.Post{
		ID:        in.cfg.NewID(),
		Course:    course,
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
	p.Thread = p.ID
	if parent != nil {
		p.Thread = parent.Thread
	}
	for _, t := range o.Tags {
		switch t.Type {
		case "Hashtag":
			if name := strings.ToLower(strings.TrimPrefix(t.Name, "#")); name != "" {
				p.Tags = append(p.Tags, name)
			}
		case "Mention":
			if t.Href != "" && !containsID(p.Mentions, t.Href) {
				p.Mentions = append(p.Mentions, t.Href)
			}
		}
	}
	return p
}

// remoteCourseOf finds the remote course whose discussion a note belongs
// to here: one that local people follow and that wrote it, or the remote
// course of the post it answers. Those discussions are mirrored for the
// local learners; their moderation is the course's own server's business.
func (in *Inbox) remoteCourseOf(tx domain.Tx, act *federation.Activity) (string, *domain.Post, error) {
	if o := act.Object; o.InReplyTo != "" {
		parent, _, err := domain.Found(tx.Post(o.InReplyTo))
		if err != nil {
			return "", nil, fmt.Errorf("inbox: create: parent: %w", err)
		}
		if parent != nil && isRemoteID(parent.Course) {
			return parent.Course, parent, nil
		}
	}
	followed, err := followedByLocals(tx, act.Actor)
	if err != nil || !followed {
		return "", nil, err
	}
	return act.Actor, nil, nil
}

// followedByLocals reports whether a local person follows a remote actor
// (and was accepted).
func followedByLocals(tx domain.Tx, actor string) (bool, error) {
	fs, err := tx.FollowingsOf(actor)
	if err != nil {
		return false, err
	}
	for _, f := range fs {
		if f.State == domain.FollowAccepted {
			return true, nil
		}
	}
	return false, nil
}

// isRemoteID tells a remote course id (a URL) from a local course handle.
func isRemoteID(course string) bool { return strings.Contains(course, "://") }

// courseOf finds the course whose discussion a note belongs to: the course
// of the post it answers, a course it mentions, or one it is addressed to.
func (in *Inbox) courseOf(tx domain.Tx, act *federation.Activity) (*domain.Course, *domain.Post, error) {
	o := act.Object
	if o.InReplyTo != "" {
		parent, _, err := domain.Found(tx.Post(o.InReplyTo))
		if err != nil {
			return nil, nil, fmt.Errorf("inbox: create: parent: %w", err)
		}
		if parent != nil && !isRemoteID(parent.Course) {
			c, err := tx.Course(parent.Course)
			return c, parent, err
		}
	}
	candidates := []string{}
	for _, t := range o.Tags {
		if t.Type == "Mention" {
			candidates = append(candidates, t.Href)
		}
	}
	candidates = append(append(candidates, o.To...), o.CC...)
	for _, id := range candidates {
		h, typ, ok, err := in.localTarget(tx, id)
		if err != nil {
			return nil, nil, err
		}
		if ok && typ == domain.ActorCourse {
			c, err := tx.Course(h)
			if err != nil {
				return nil, nil, err
			}
			if c.Federates() {
				return c, nil, nil
			}
		}
	}
	return nil, nil, nil
}

// signUpAnswers keeps a learner's reply to our sign-up questions.
func (in *Inbox) signUpAnswers(tx domain.Tx, act *federation.Activity) (bool, error) {
	follows, err := tx.FollowedBy(act.Actor)
	if err != nil {
		return false, err
	}
	for _, f := range follows {
		if f.QuestionNote != "" && f.QuestionNote == act.Object.InReplyTo {
			f.Answers = in.cfg.Sanitizer.PlainText(act.Object.Content)
			return true, tx.PutFollower(f)
		}
	}
	return false, nil
}

// redistribute makes the course Announce a learner's note to its followers.
// Mastodon-family servers boost objects, not activities, so the object is
// the note's id (they fetch it from its origin).
func (in *Inbox) redistribute(tx domain.Tx, c *domain.Course, p *domain.Post) error {
	inboxes, err := tx.FollowerInboxes(c.Handle)
	if err != nil {
		return err
	}
	courseID := in.cfg.URLs.Actor(domain.ActorCourse, c.Handle)
	id := in.newActivityID()
	p.Activity = id
	ann := federation.Announce(id, courseID, p.URI, federation.PublicAddress(courseID+"/followers", nil), in.cfg.Now())
	return in.cfg.Outbox.Queue(tx, c.Handle, id, ann, inboxes)
}

func isPublic(o *federation.Object) bool {
	for _, a := range append(append([]string{}, o.To...), o.CC...) {
		if a == federation.Public {
			return true
		}
	}
	return false
}

func containsID(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func hasTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
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

// receiveBadge keeps a badge awarded to a local person by a course on
// another server: a public note from the issuer that mentions them and
// links its hosted Open Badges assertion (on the issuer's origin).
func (in *Inbox) receiveBadge(tx domain.Tx, act *federation.Activity) (bool, error) {
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
	got := false
	for _, t := range o.Tags {
		if t.Type != "Mention" {
			continue
		}
		h, typ, ok, err := in.localTarget(tx, t.Href)
		if err != nil {
			return false, err
		}
		if !ok || typ != domain.ActorPerson {
			continue
		}
		rb := &domain.ReceivedBadge{Learner: h, Assertion: extra.OpenBadge, NoteURI: o.ID, Issuer: act.Actor, IssuedOn: o.Published}
		for _, a := range extra.Attachment {
			if a.Type == "Image" && federation.SameOrigin(a.URL, act.Actor) {
				rb.ImageURL, rb.Name = a.URL, strings.TrimPrefix(a.Name, "Badge: ")
			}
		}
		if err := tx.PutReceivedBadge(rb); err != nil {
			return false, err
		}
		got = true
	}
	return got, nil
}
