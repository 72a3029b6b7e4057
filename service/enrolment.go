package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Enrolment is the use cases of follows that cross servers and of joining
// courses: a local person following a remote actor (by handle or URL) or
// enrolling in a course here, and organisers answering the requests their
// moderated courses hold. Remote requests arrive through the inbox
// (Admit); a course's admission rule is domain.Course.Admit for all of
// them.
type Enrolment struct {
	*env
	// posts sends the direct note that tells a declined learner why.
	posts *Posts
}

// Follow makes the local person follow target: "@name@host", "name@host"
// or an actor URL. WebFinger, then a signed fetch of the actor, then a
// Follow queued in the same transaction as the pending follow. The Accept
// or Reject that comes back settles it.
func (f *Enrolment) Follow(ctx context.Context, person, target string) (*domain.Following, error) {
	return f.Enrol(ctx, person, target, "")
}

// Enrol is Follow with answers to a course's sign-up questions: courses on
// Lernejo nodes get a Join carrying them; anything else gets a Follow.
func (f *Enrolment) Enrol(ctx context.Context, person, target, answers string) (*domain.Following, error) {
	target = strings.TrimSpace(target)
	id := target
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
		var err error
		if id, err = f.Resolver.LookupHandle(ctx, target); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "Could not find %s: %v", target, err)
		}
	}
	if _, _, local := f.URLs.LocalActor(id); local {
		return nil, domain.Errorf(domain.EINVALID, "%s is on this node.", target)
	}
	remote, err := f.Resolver.Actor(ctx, id)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "Could not load %s: %v", target, err)
	}
	personID := f.URLs.Actor(domain.ActorPerson, person)
	var out *domain.Following
	err = f.Store.Update(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(person); err != nil {
			return err
		}
		if existing, found, err := domain.Found(tx.Following(person, remote.ID)); err != nil {
			return fmt.Errorf("service: follow: %w", err)
		} else if found {
			out = existing
			return nil
		}
		activityID := f.newActivityID()
		out = &domain.Following{Local: person, Target: remote.ID, ActivityID: activityID, State: domain.FollowPending, Created: f.Now().UTC()}
		if err := tx.PutFollowing(out); err != nil {
			return err
		}
		act := federation.Follow(activityID, personID, remote.ID)
		if remote.Lernejo && remote.Type == "Group" {
			act = federation.Join(activityID, personID, remote.ID, federation.TextToHTML(answers))
		}
		return f.Queue.Queue(tx, person, activityID, act, []string{remote.Inbox})
	})
	if err != nil {
		return nil, err
	}
	f.Queue.Wake()
	return out, nil
}

// Unfollow withdraws a local person's follow with Undo{Follow}.
func (f *Enrolment) Unfollow(ctx context.Context, person, targetID string) error {
	err := f.Store.Update(ctx, func(tx domain.Tx) error {
		fw, err := tx.Following(person, targetID)
		if err != nil {
			return err
		}
		remote, err := tx.RemoteActor(targetID)
		if err != nil {
			return err
		}
		if err := tx.DeleteFollowing(person, targetID); err != nil {
			return err
		}
		personID := f.URLs.Actor(domain.ActorPerson, person)
		id := f.newActivityID()
		undo := federation.UndoFollow(id, personID, federation.FollowRef{ID: fw.ActivityID, Actor: personID, Object: targetID})
		if remote.Lernejo && remote.Type == "Group" {
			undo = federation.Leave(id, personID, targetID)
		}
		return f.Queue.Queue(tx, person, id, undo, []string{remote.Inbox})
	})
	if err == nil {
		f.Queue.Wake()
	}
	return err
}

// Approve accepts a pending follow request of a local actor (for a
// moderated course: an organiser enrols the learner).
func (f *Enrolment) Approve(ctx context.Context, local, actorID string) error {
	return f.answer(ctx, local, actorID, true, "")
}

// Decline refuses a pending follow request with a Reject; a reason, if
// given, reaches the learner first in a direct note.
func (f *Enrolment) Decline(ctx context.Context, local, actorID, reason string) error {
	return f.answer(ctx, local, actorID, false, reason)
}

func (f *Enrolment) answer(ctx context.Context, local, actorID string, accept bool, reason string) error {
	err := f.Store.Update(ctx, func(tx domain.Tx) error {
		fl, err := tx.Follower(local, actorID)
		if err != nil {
			return err
		}
		if fl.State != domain.FollowPending {
			return domain.Errorf(domain.ECONFLICT, "This request was already answered.")
		}
		typ, err := tx.HandleType(local)
		if err != nil {
			return err
		}
		localID := f.URLs.Actor(typ, local)
		if fl.Inbox == "" { // a local person: nothing to send but their notice (and mail)
			if err := f.notifyAnswer(tx, local, actorID, accept); err != nil {
				return err
			}
			if accept {
				fl.State = domain.FollowAccepted
				return tx.PutFollower(fl)
			}
			return tx.DeleteFollower(local, actorID)
		}
		remote, err := tx.RemoteActor(actorID)
		if err != nil {
			return err
		}
		ref := federation.FollowRef{ID: fl.ActivityID, Actor: actorID, Object: localID}
		if fl.Lernejo {
			ref.Type = "Join"
		}
		if !accept && strings.TrimSpace(reason) != "" && f.posts != nil {
			if _, err := f.posts.Direct(tx, local, reason, []federation.Mention{{ID: remote.ID, Name: remote.Handle()}}); err != nil {
				return err
			}
		}
		id := f.newActivityID()
		var act []byte
		if accept {
			fl.State = domain.FollowAccepted
			if err := tx.PutFollower(fl); err != nil {
				return err
			}
			act = federation.AcceptFollow(id, localID, ref)
		} else {
			if err := tx.DeleteFollower(local, actorID); err != nil {
				return err
			}
			act = federation.RejectFollow(id, localID, ref)
		}
		return f.Queue.Queue(tx, local, id, act, []string{remote.Inbox})
	})
	if err == nil {
		f.Queue.Wake()
	}
	return err
}

// EnrolLocal enrols a local person in a local course: at once when sign-up
// is open, pending an organiser when it is moderated (with their answers),
// refused when it is closed, full, or not open. admit decides, as it does
// for learners of other servers.
func (f *Enrolment) EnrolLocal(ctx context.Context, person, course, answers string) (*domain.Follower, error) {
	var out *domain.Follower
	err := f.Store.Update(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(person); err != nil {
			return err
		}
		id := f.URLs.Actor(domain.ActorPerson, person)
		out = &domain.Follower{Local: course, Actor: id, ActivityID: id + "#enrol-" + course,
			Answers: strings.TrimSpace(answers), Created: f.Now().UTC()}
		_, err := f.admit(tx, course, out)
		return err
	})
	return out, err
}

// admitTx is what admit reads and writes: the course, and its followers
// (the learner's request, and how many are accepted).
type admitTx interface {
	domain.CourseStore
	domain.FollowStore
	notifyTx
}

// admit is the one admission of a learner into a local course, whichever
// way they ask: a person of this node (EnrolLocal), a Mastodon Follow or a
// Lernejo Join (Receive). It loads the course; a learner already accepted
// stays accepted (asking again confirms their place: their server may have
// lost our Accept); anyone else, new or still waiting, is admitted by
// domain.Course.Admit: accepted, pending an organiser (Approve or Decline
// answers them), or refused with its EFORBIDDEN error, and then nothing is
// written. req is written with the state decided; what the learner gave
// before (the date they first asked, their answers when they give none
// now, the note that asked them) is kept. A draft course is not there for
// other servers, so their requests are refused as not found, unanswered.
func (f *Enrolment) admit(tx admitTx, course string, req *domain.Follower) (*domain.Course, error) {
	c, err := tx.Course(course)
	if err != nil {
		return nil, err
	}
	if req.Inbox != "" && !c.Federates() {
		return c, domain.Errorf(domain.ENOTFOUND, "There is no course %s.", course)
	}
	existing, _, err := domain.Found(tx.Follower(course, req.Actor))
	if err != nil {
		return c, fmt.Errorf("service: enrol: %w", err)
	}
	if existing != nil {
		req.Created, req.QuestionNote = existing.Created, existing.QuestionNote
		if req.Answers == "" {
			req.Answers = existing.Answers
		}
	}
	if existing != nil && existing.State == domain.FollowAccepted {
		req.State = domain.FollowAccepted
	} else if req.State, err = c.Admit(req.Actor, func() (int, error) { return tx.CountFollowers(course, domain.FollowAccepted) }); err != nil {
		return c, err
	}
	if req.State == domain.FollowPending && existing == nil {
		if err := f.notifyPending(tx, c, req); err != nil {
			return c, err
		}
	}
	return c, tx.PutFollower(req)
}

// Receive answers, inside the inbox's transaction, a Follow of a local
// actor by a remote one, or a Join of a course by a learner of another
// Lernejo node (follow.Type "Join", the sign-up answers in answers, as the
// HTML it came in). A course lets admit decide and answers Accept when it
// admits the learner, Reject when it refuses them; a request pending an
// organiser gets no answer yet, but a Mastodon learner, who cannot send
// answers with a Follow, gets the course's questions in a direct note
// (ReceiveAnswers keeps the reply). People and schools accept at once. The
// Accept or Reject embeds the Follow as the follower sent it: peers match
// the answer to their request by its id and object.
func (f *Enrolment) Receive(tx domain.Tx, follow federation.FollowRef, answers string) error {
	local, typ, ok, err := localActor(tx, f.URLs, follow.Object)
	if err != nil {
		return err
	}
	if !ok || typ == domain.ActorApplication {
		return domain.Errorf(domain.EINVALID, "%s is not an actor of this node that can be followed.", follow.Object)
	}
	join := follow.Type == "Join"
	if join && typ != domain.ActorCourse {
		return domain.Errorf(domain.EINVALID, "Only courses are joined; %s is not one.", local)
	}
	follower, err := tx.RemoteActor(follow.Actor)
	if err != nil {
		return err
	}
	req := &domain.Follower{Local: local, Actor: follow.Actor, ActivityID: follow.ID, State: domain.FollowAccepted,
		Inbox: follower.DeliveryInbox(), Lernejo: join, Created: f.Now().UTC()}
	if join {
		req.Answers = f.Docs.Sanitizer.PlainText(answers)
	}
	answer := func(build func(id, actor string, follow federation.FollowRef) []byte) error {
		id := f.newActivityID()
		return f.Queue.Queue(tx, local, id, build(id, f.URLs.Actor(typ, local), follow), []string{follower.Inbox})
	}
	if typ != domain.ActorCourse {
		if err := tx.PutFollower(req); err != nil {
			return err
		}
		return answer(federation.AcceptFollow)
	}
	c, err := f.admit(tx, local, req)
	if domain.ErrorCode(err) == domain.EFORBIDDEN {
		return answer(federation.RejectFollow)
	}
	if err != nil {
		return err
	}
	if req.State == domain.FollowAccepted {
		return answer(federation.AcceptFollow)
	}
	if join || len(c.Questions) == 0 {
		return nil
	}
	// Mastodon cannot send answers with a Follow: ask in a direct note.
	if req.QuestionNote, err = f.askQuestions(tx, c, follower); err != nil {
		return err
	}
	return tx.PutFollower(req)
}

// askQuestions sends a learner waiting for a moderated course the course's
// sign-up questions in a direct note (the learner Mention-tagged and
// addressed, so Mastodon notifies them), and returns the note's id: their
// reply to it becomes their answers.
func (f *Enrolment) askQuestions(tx directTx, c *domain.Course, learner *domain.RemoteActor) (string, error) {
	text := "Thanks for your interest in " + c.Title + "! An organiser will look at your request. Please reply to this message to answer:"
	for i, q := range c.Questions {
		text += fmt.Sprintf("\n%d. %s", i+1, q)
	}
	return f.posts.Direct(tx, c.Handle, text, []federation.Mention{{ID: learner.ID, Name: learner.Handle()}})
}

// ReceiveAnswers keeps, inside the inbox's transaction, a learner's reply
// to the direct note that asked a moderated course's sign-up questions as
// their answers, in plain text; it reports whether the note (replying to
// inReplyTo, its content the HTML content) was such a reply.
func (f *Enrolment) ReceiveAnswers(tx domain.FollowStore, actor, inReplyTo, content string) (bool, error) {
	follows, err := tx.FollowedBy(actor)
	if err != nil {
		return false, err
	}
	for _, fl := range follows {
		if fl.QuestionNote != "" && fl.QuestionNote == inReplyTo {
			fl.Answers = f.Docs.Sanitizer.PlainText(content)
			return true, tx.PutFollower(fl)
		}
	}
	return false, nil
}

// Withdraw ends, inside the inbox's transaction, the follow a remote actor
// undid (Undo{Follow}): the one made by the Follow followID or, when local
// is set (the Undo embeds the Follow), the actor's follow of that local
// actor, whatever id the Follow had. For a course, the enrolment ends.
func (f *Enrolment) Withdraw(tx domain.Tx, actor, followID, local string) error {
	follows, err := tx.FollowedBy(actor)
	if err != nil || len(follows) == 0 {
		return err
	}
	handle, ok := "", false
	if local != "" {
		if handle, _, ok, err = localActor(tx, f.URLs, local); err != nil {
			return err
		}
	}
	for _, fl := range follows {
		if fl.ActivityID == followID || ok && fl.Local == handle {
			if err := tx.DeleteFollower(fl.Local, fl.Actor); err != nil {
				return err
			}
		}
	}
	return nil
}

// Leave ends, inside the inbox's transaction, a remote learner's enrolment
// in the local course with id course (Leave{course} from a Lernejo node);
// their posts stay.
func (f *Enrolment) Leave(tx domain.Tx, course, actor string) error {
	handle, typ, ok, err := localActor(tx, f.URLs, course)
	if err != nil || !ok || typ != domain.ActorCourse {
		return err
	}
	if _, enrolled, err := domain.Found(tx.Follower(handle, actor)); err != nil || !enrolled {
		if err != nil {
			return fmt.Errorf("service: leave: %w", err)
		}
		return nil
	}
	return tx.DeleteFollower(handle, actor)
}

// Accepted records, inside the inbox's transaction, that the remote actor
// by accepted a local person's follow: the one made by the Follow
// followID, or else the follow of by by the local person follower (the
// Follow the Accept embeds, when it was given under another id).
func (f *Enrolment) Accepted(tx domain.Tx, followID, follower, by string) error {
	fl, err := f.ourFollow(tx, followID, follower, by)
	if err != nil {
		return err
	}
	if err := f.notifyRemoteAnswer(tx, fl, true); err != nil {
		return err
	}
	fl.State = domain.FollowAccepted
	return tx.PutFollowing(fl)
}

// Rejected ends, inside the inbox's transaction, a local person's follow
// that the remote actor by refused, or ended after accepting it; the
// follow is found as Accepted finds it.
func (f *Enrolment) Rejected(tx domain.Tx, followID, follower, by string) error {
	fl, err := f.ourFollow(tx, followID, follower, by)
	if err != nil {
		return err
	}
	if err := f.notifyRemoteAnswer(tx, fl, false); err != nil {
		return err
	}
	return tx.DeleteFollowing(fl.Local, fl.Target)
}

// ourFollowTx is what ourFollow reads: the local person's follows, and
// the local actor the answer names.
type ourFollowTx interface {
	domain.FollowStore
	domain.LocalActorStore
}

// ourFollow finds the follow of a local person that by answers. Only the
// followed actor may answer it.
func (f *Enrolment) ourFollow(tx ourFollowTx, followID, follower, by string) (*domain.Following, error) {
	fl, err := tx.FollowingByActivity(followID)
	if domain.IsNotFound(err) && follower != "" {
		person, typ, ok, lerr := localActor(tx, f.URLs, follower)
		if lerr != nil {
			return nil, lerr
		}
		if ok && typ == domain.ActorPerson {
			fl, err = tx.Following(person, by)
		}
	}
	if err != nil {
		return nil, err
	}
	if fl.Target != by {
		return nil, domain.Errorf(domain.EFORBIDDEN, "%s answered a follow of %s.", by, fl.Target)
	}
	return fl, nil
}

// ActorDeleted ends, inside the inbox's transaction, every follow by and
// of a remote actor that deleted itself.
func (f *Enrolment) ActorDeleted(tx domain.FollowStore, actor string) error {
	follows, err := tx.FollowedBy(actor)
	if err != nil {
		return err
	}
	for _, fl := range follows {
		if err := tx.DeleteFollower(fl.Local, fl.Actor); err != nil {
			return err
		}
	}
	followings, err := tx.FollowingsOf(actor)
	if err != nil {
		return err
	}
	for _, fl := range followings {
		if err := tx.DeleteFollowing(fl.Local, fl.Target); err != nil {
			return err
		}
	}
	return nil
}

// Followed reports whether a local person follows the remote actor (and
// was accepted): the discussions of such actors are mirrored here, and
// only what they announce is fetched.
func (f *Enrolment) Followed(tx domain.FollowStore, actor string) (bool, error) {
	return followedByLocals(tx, actor)
}

// followedByLocals is Followed, for the services that mirror discussions.
func followedByLocals(tx domain.FollowStore, actor string) (bool, error) {
	fs, err := tx.FollowingsOf(actor)
	if err != nil {
		return false, err
	}
	for _, fl := range fs {
		if fl.State == domain.FollowAccepted {
			return true, nil
		}
	}
	return false, nil
}

// localActor resolves an actor id to a local actor's handle and type; ok
// is false when the id names no actor of this node.
func localActor(tx domain.LocalActorStore, urls federation.URLs, id string) (string, domain.ActorType, bool, error) {
	handle, typ, ok := urls.LocalActor(id)
	if !ok {
		return "", "", false, nil
	}
	if typ == domain.ActorApplication {
		return handle, typ, true, nil
	}
	t, found, err := domain.Found(tx.HandleType(handle))
	if err != nil {
		return "", "", false, fmt.Errorf("service: local actor %s: %w", handle, err)
	}
	if !found || (typ != "" && t != typ) {
		return "", "", false, nil
	}
	return handle, t, true, nil
}

// LeaveLocal ends a local person's enrolment in a local course; their posts stay.
func (f *Enrolment) LeaveLocal(ctx context.Context, person, course string) error {
	return f.Store.Update(ctx, func(tx domain.Tx) error {
		id := f.URLs.Actor(domain.ActorPerson, person)
		if _, err := tx.Follower(course, id); err != nil {
			return err
		}
		return tx.DeleteFollower(course, id)
	})
}
