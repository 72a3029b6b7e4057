package federation

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// FollowRef is a Follow (or a Join: Lernejo nodes enrol with Join) as it
// is embedded in an Accept, Reject or Undo.
type FollowRef struct {
	Type              string // "Follow" (the default) or "Join"
	ID, Actor, Object string
}

func (f FollowRef) object() map[string]any {
	typ := f.Type
	if typ == "" {
		typ = "Follow"
	}
	return map[string]any{"id": f.ID, "type": typ, "actor": f.Actor, "object": f.Object}
}

// activity marshals an activity with the AS @context.
func activity(m map[string]any) []byte {
	m["@context"] = NSActivityStreams
	b, err := json.Marshal(m)
	if err != nil {
		// Only strings and maps of strings go in: this cannot fail.
		panic(fmt.Sprintf("federation: marshal activity: %v", err))
	}
	return b
}

// Follow is a Follow of object by actor, addressed to object.
func Follow(id, actor, object string) []byte {
	return activity(map[string]any{"id": id, "type": "Follow", "actor": actor, "object": object, "to": []string{object}})
}

// AcceptFollow answers a Follow. It embeds the Follow, as Mastodon expects
// (it matches the Accept to its follow request by the embedded id), and is
// addressed to the follower.
func AcceptFollow(id, actor string, f FollowRef) []byte {
	return activity(map[string]any{"id": id, "type": "Accept", "actor": actor, "object": f.object(), "to": []string{f.Actor}})
}

// RejectFollow refuses a Follow (a closed or full course, or an organiser's "no").
func RejectFollow(id, actor string, f FollowRef) []byte {
	return activity(map[string]any{"id": id, "type": "Reject", "actor": actor, "object": f.object(), "to": []string{f.Actor}})
}

// UndoFollow withdraws our Follow.
func UndoFollow(id, actor string, f FollowRef) []byte {
	return activity(map[string]any{"id": id, "type": "Undo", "actor": actor, "object": f.object(), "to": []string{f.Object}})
}

// Join asks to enrol in a course on a Lernejo node; content carries the
// answers to its sign-up questions.
func Join(id, actor, course, answers string) []byte {
	m := map[string]any{"id": id, "type": "Join", "actor": actor, "object": course, "to": []string{course}}
	if answers != "" {
		m["content"] = answers
	}
	return activity(m)
}

// Leave ends an enrolment made with Join.
func Leave(id, actor, course string) []byte {
	return activity(map[string]any{"id": id, "type": "Leave", "actor": actor, "object": course, "to": []string{course}})
}

// CompletionObject is a completion record as it travels in Add: a
// Lernejo "Completion" of a task by a learner, with the evidence link.
func CompletionObject(c *domain.Completion) map[string]any {
	o := map[string]any{"@context": []any{NSActivityStreams, map[string]string{"Completion": "https://lernejo.org/ns#Completion"}},
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
	return activity(map[string]any{"id": id, "type": "Add", "actor": learner, "object": completion,
		"target": target, "to": []string{course}})
}

// RemoveCompletion takes a completion back (the learner will redo the task).
func RemoveCompletion(id, learner, completionID, target, course string) []byte {
	return activity(map[string]any{"id": id, "type": "Remove", "actor": learner, "object": completionID,
		"target": target, "to": []string{course}})
}

// Flag reports objects (an actor and its post) to their server; content is
// the reason. Like Mastodon's forwarded reports, it comes from the node's
// Application actor, not from the person who reported.
func Flag(id, actor string, objects []string, content string) []byte {
	m := map[string]any{"id": id, "type": "Flag", "actor": actor, "object": objects}
	if content != "" {
		m["content"] = content
	}
	return activity(m)
}
