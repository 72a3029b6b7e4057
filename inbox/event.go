package inbox

import (
	"context"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Meetings (FEDERATION.md, "Meetings (Events)"): a course on another
// server announces its meetings as Events to its followers, and the people
// who take part in this node's courses answer theirs with Accept,
// TentativeAccept or Reject of the Event (Lernejo), Join or Leave of it
// (Mobilizon), Undo of that Join, or a reply "yes", "maybe" or "no"
// (Mastodon). A Join is answered as Mobilizon's servers answer it, with
// Accept{Join} or Reject{Join}. Accept, Reject, Join, Leave and Undo
// answer follows and enrolments too: what their object names decides.

// receiveEvent handles Create{Event} and Update{Event}: a meeting of a
// course on another server, sent by the course itself (the Event its own,
// on its origin), kept by Meetings.ReceiveEvent when local people follow
// the course.
func (in *Inbox) receiveEvent(tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o.AttributedTo != act.Actor || !federation.SameOrigin(o.ID, act.Actor) {
		return refusef("event %s is not %s's own", o.ID, act.Actor)
	}
	rm, err := federation.DecodeEvent(o, in.cfg.Sanitizer)
	if err != nil {
		return refusef("event %s: %w", o.ID, err)
	}
	return in.cfg.Meetings.ReceiveEvent(tx, rm)
}

// isEvent reports whether an activity's object is an embedded Event.
func isEvent(o *federation.Object) bool { return o != nil && !o.IsLink && o.Type == "Event" }

// answeredMeeting is the meeting of this node that an answer's object
// names, by its id or as the embedded Event; false when it names anything
// else (a Follow, a Join of a course, a course).
func (in *Inbox) answeredMeeting(act *federation.Activity) (string, bool) {
	o := act.Object
	if o == nil || o.ID == "" || (!o.IsLink && o.Type != "Event") || !in.cfg.Meetings.IsMeeting(o.ID) {
		return "", false
	}
	return o.ID, true
}

// answerMeeting keeps the signer's answer a to a meeting of this node that
// the activity's object names, and reports whether it named one. A
// refusal of the service (not a participant, no such meeting, the meeting
// called off or over) is a domain error: the activity is logged, dropped
// and changes nothing, like any other refused activity.
func (in *Inbox) answerMeeting(tx domain.Tx, act *federation.Activity, a domain.RSVPAnswer) (bool, error) {
	event, ok := in.answeredMeeting(act)
	if !ok {
		return false, nil
	}
	return true, in.cfg.Meetings.ReceiveAnswer(tx, act.Actor, event, a, act.ID)
}

// joinMeeting handles Join of a meeting of this node (Mobilizon's way to
// say going), which Meetings.ReceiveJoin keeps and answers with
// Accept{Join} or Reject{Join}, the Join embedded as it came. ok is false
// for a Join of anything else (a course: enrolment).
func (in *Inbox) joinMeeting(tx domain.Tx, act *federation.Activity) (bool, error) {
	event, ok := in.answeredMeeting(act)
	if !ok {
		return false, nil
	}
	return true, in.cfg.Meetings.ReceiveJoin(tx, federation.FollowRef{Type: "Join", ID: act.ID, Actor: act.Actor, Object: event})
}

// tentativeAccept handles TentativeAccept of a meeting of this node: the
// signer may come. TentativeAccepts of anything else are ignored.
func (in *Inbox) tentativeAccept(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	_, err := in.answerMeeting(tx, act, domain.RSVPMaybe)
	return err
}

// undoJoinMeeting handles Undo{Join} of a meeting of this node (the signer's
// own Join): they no longer come. ok is false for any other Undo.
func (in *Inbox) undoJoinMeeting(tx domain.Tx, act *federation.Activity) (bool, error) {
	o := act.Object
	if o == nil || o.IsLink || o.Type != "Join" || !in.cfg.Meetings.IsMeeting(o.Object) {
		return false, nil
	}
	if o.Actor != act.Actor {
		return true, refusef("undo of a join by %s sent by %s", o.Actor, act.Actor)
	}
	return true, in.cfg.Meetings.ReceiveAnswer(tx, act.Actor, o.Object, domain.RSVPNo, act.ID)
}

// replyAnswer keeps a note that replies to a meeting of this node with
// nothing but an answer ("yes", "Maybe!", "no": domain.ParseRSVP), once
// its mentions and markup are taken out, as the author's answer, the
// note's id standing for the activity: what Mastodon users do. ok is false
// for any other note, which goes on to the discussion.
func (in *Inbox) replyAnswer(tx domain.Tx, act *federation.Activity) (bool, error) {
	o := act.Object
	if o.InReplyTo == "" || !in.cfg.Meetings.IsMeeting(o.InReplyTo) {
		return false, nil
	}
	a, ok := domain.ParseRSVP(withoutMentions(in.cfg.Sanitizer.PlainText(o.Content)))
	if !ok {
		return false, nil
	}
	return true, in.cfg.Meetings.ReceiveAnswer(tx, act.Actor, o.InReplyTo, a, o.ID)
}

// withoutMentions is plain text without its @mentions (a Mastodon reply
// begins with the @course it answers).
func withoutMentions(text string) string {
	words := strings.Fields(text)
	kept := words[:0]
	for _, w := range words {
		if !strings.HasPrefix(w, "@") {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}
