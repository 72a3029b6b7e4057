package federation

import (
	vocab "github.com/go-ap/activitypub"

	"encoding/json"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// ASActivity is an activity the node sends. Enrolment (Follow, Join, and the
// Accept, Reject, Undo and Leave that answer or end them), completions
// (Add, Remove) and reports (Flag) are addressed in to alone (a Flag to no
// one: it goes to a server's inbox); the activities that carry a note to
// its audience (Create, Update, Delete, Announce) have both to and cc,
// [] when empty. A Follow embedded in an Accept, Reject or Undo has no
// @context and no addressing.
type ASActivity struct {
	Context   any                          `json:"@context,omitempty"`
	ID        string                       `json:"id"`
	Type      vocab.ActivityVocabularyType `json:"type"`
	Actor     string                       `json:"actor"`
	Object    any                          `json:"object"` // an id, ids, or an embedded object
	Target    string                       `json:"target,omitempty"`
	Content   string                       `json:"content,omitempty"` // HTML
	To        []string                     `json:"to,omitzero"`
	CC        []string                     `json:"cc,omitzero"`
	Published string                       `json:"published,omitempty"`
}

// FollowRef is a Follow (or a Join: Lernejo nodes enrol with Join) as it
// is embedded in an Accept, Reject or Undo.
type FollowRef struct {
	Type              string // "Follow" (the default) or "Join"
	ID, Actor, Object string
}

func (f FollowRef) object() ASActivity {
	typ := vocab.ActivityVocabularyType(f.Type)
	if typ == "" {
		typ = vocab.FollowType
	}
	return ASActivity{ID: f.ID, Type: typ, Actor: f.Actor, Object: f.Object}
}

// marshal encodes a document of this package: only strings, numbers,
// booleans and the slices, maps and structs of them go in, so it cannot
// fail.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("federation: marshal: %v", err))
	}
	return b
}

// activity marshals an activity with the AS @context.
func activity(a ASActivity) []byte {
	a.Context = NSActivityStreams
	return marshal(a)
}

// Follow is a Follow of object by actor, addressed to object.
func Follow(id, actor, object string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.FollowType, Actor: actor, Object: object, To: []string{object}})
}

// AcceptFollow answers a Follow. It embeds the Follow, as Mastodon expects
// (it matches the Accept to its follow request by the embedded id), and is
// addressed to the follower.
func AcceptFollow(id, actor string, f FollowRef) []byte {
	return activity(ASActivity{ID: id, Type: vocab.AcceptType, Actor: actor, Object: f.object(), To: []string{f.Actor}})
}

// RejectFollow refuses a Follow (a closed or full course, or an organiser's "no").
func RejectFollow(id, actor string, f FollowRef) []byte {
	return activity(ASActivity{ID: id, Type: vocab.RejectType, Actor: actor, Object: f.object(), To: []string{f.Actor}})
}

// UndoFollow withdraws our Follow.
func UndoFollow(id, actor string, f FollowRef) []byte {
	return activity(ASActivity{ID: id, Type: vocab.UndoType, Actor: actor, Object: f.object(), To: []string{f.Object}})
}

// Join asks to enrol in a course on a Lernejo node; content carries the
// answers to its sign-up questions.
func Join(id, actor, course, answers string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.JoinType, Actor: actor, Object: course, Content: answers, To: []string{course}})
}

// Leave ends an enrolment made with Join.
func Leave(id, actor, course string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.LeaveType, Actor: actor, Object: course, To: []string{course}})
}

// CompletionObject is a completion record as it travels in Add: a
// Lernejo "Completion" of a task by a learner, with the evidence link. It
// is the record the learner signs, and stays a map: the inbox's tests
// forge records by changing its fields after signing. Its @context
// defines the FEP-8b32 proof it is signed with (data-integrity).
func CompletionObject(c *domain.Completion) map[string]any {
	o := map[string]any{"@context": []any{NSActivityStreams, NSDataIntegrity, map[string]string{"Completion": "https://lernejo.org/ns#Completion"}},
		"id": c.ID, "type": "Completion", "actor": c.Learner, "object": c.Task,
		"published": c.At.UTC().Format(time.RFC3339)}
	if c.Evidence != "" {
		o["url"] = c.Evidence
	}
	if c.Note != "" {
		o["content"] = c.Note
	}
	return o
}

// AddCompletion adds a completion (the signed record) to a task's
// completions collection.
func AddCompletion(id, learner string, completion json.RawMessage, target, course string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.AddType, Actor: learner, Object: completion, Target: target, To: []string{course}})
}

// RemoveCompletion takes a completion back (the learner will redo the task).
func RemoveCompletion(id, learner, completionID, target, course string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.RemoveType, Actor: learner, Object: completionID, Target: target, To: []string{course}})
}

// Flag reports objects (an actor and its post) to their server; content is
// the reason. Like Mastodon's forwarded reports, it comes from the node's
// Application actor, not from the person who reported.
func Flag(id, actor string, objects []string, content string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.FlagType, Actor: actor, Object: objects, Content: content})
}
