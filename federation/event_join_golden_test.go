package federation

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lernejo/lernejo/docs/golden"
)

// TestMeetingJoinAnswersMatchGolden: the answers to a Mobilizon person's
// Join of a meeting (FEDERATION.md, "Meetings (Events)") are Accept{Join}
// and Reject{Join} from the course, the Join embedded with the Event's id
// as its object, as Mobilizon's organiser servers send them.
func TestMeetingJoinAnswersMatchGolden(t *testing.T) {
	join := FollowRef{Type: "Join", ID: "https://mobilizon.test/join/event/7", Actor: "https://mobilizon.test/@rae",
		Object: "https://node.test/courses/go/meetings/01M"}
	for name, doc := range map[string][]byte{
		"accept_join_event": AcceptFollow("https://node.test/activities/aj", "https://node.test/courses/go", join),
		"reject_join_event": RejectFollow("https://node.test/activities/rj", "https://node.test/courses/go", join),
	} {
		t.Run(name, func(t *testing.T) {
			if *golden.Update {
				golden.Write(t, name, doc)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, doc, want)
		})
	}
}
