package inbox

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// follow handles Follow{local actor}: Enrolment.Receive answers it as the
// followed actor's rules say (a course by its sign-up mode). A Follow that
// was already undone (Undo arrived first) is ignored (D10).
func (in *Inbox) follow(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return in.enrol(tx, act, "")
}

// join handles Join{course} from Lernejo nodes: enrolment as with Follow,
// with the sign-up answers in content, answered with Accept or Reject{Join}.
// Join of a meeting of this node (Mobilizon) is an answer to it (event.go).
func (in *Inbox) join(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if ok, err := in.joinMeeting(tx, act); ok {
		return err
	}
	return in.enrol(tx, act, "Join")
}

// leave handles Leave{course}: the enrolment ends; the learner's posts stay.
// Leave of a meeting of this node is an answer to it (event.go).
func (in *Inbox) leave(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if ok, err := in.answerMeeting(tx, act, domain.RSVPNo); ok {
		return err
	}
	if act.Object == nil {
		return refusef("leave without object")
	}
	return in.cfg.Enrolment.Leave(tx, act.Object.ID, act.Actor)
}

// enrol hands a Follow or Join (typ "Join") to Enrolment.Receive, with the
// Follow as the follower sent it: the answer embeds it.
func (in *Inbox) enrol(tx domain.Tx, act *federation.Activity, typ string) error {
	if act.Object == nil {
		return refusef("follow without object")
	}
	if _, undone, err := domain.Found(tx.Tombstone(act.ID)); err != nil {
		return fmt.Errorf("inbox: follow: %w", err)
	} else if undone {
		return refusef("follow %s was already undone", act.ID)
	}
	answers := ""
	if typ == "Join" {
		answers = act.Content
	}
	return in.cfg.Enrolment.Receive(tx, federation.FollowRef{Type: typ, ID: act.ID, Actor: act.Actor, Object: act.Object.ID}, answers)
}
