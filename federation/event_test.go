package federation

import (
	"testing"

	"github.com/lernejo/lernejo/domain"
)

func TestMeetingOf(t *testing.T) {
	urls, err := NewURLs("https://node.test")
	if err != nil {
		t.Fatal(err)
	}
	id := MeetingURL(urls, "go", "01M")
	if course, m, ok := MeetingOf(urls, id); !ok || course != "go" || m != "01M" {
		t.Fatalf("MeetingOf(%s) = %q, %q, %v", id, course, m, ok)
	}
	for _, bad := range []string{
		"https://other.test/courses/go/meetings/01M", // another node
		"https://node.test/courses/go/meetings/",     // no meeting
		"https://node.test/courses//meetings/01M",    // no course
		"https://node.test/courses/go/meetings/01M/activity",
		"https://node.test/courses/go/meetings/01M?x=1",
		"https://node.test/courses/a/b/meetings/01M",
		"https://node.test/courses/go/tasks/01M",
		"https://node.test.evil/courses/go/meetings/01M",
	} {
		if c, m, ok := MeetingOf(urls, bad); ok {
			t.Errorf("MeetingOf(%s) = %q, %q", bad, c, m)
		}
	}
}

func TestRRuleRoundTrip(t *testing.T) {
	for _, m := range []*domain.Meeting{
		{Repeat: domain.RepeatOnce, Count: 1},
		{Repeat: domain.RepeatWeekly, Count: 8},
		{Repeat: domain.RepeatBiweekly, Count: 3},
	} {
		r, n, ok := ParseRRule(RRule(m))
		if !ok || r != m.Repeat || n != m.Count {
			t.Errorf("%q read back as %q×%d (%v)", RRule(m), r, n, ok)
		}
	}
	for _, bad := range []string{"FREQ=DAILY;COUNT=3", "FREQ=WEEKLY;COUNT=1", "FREQ=WEEKLY;COUNT=100000",
		"FREQ=WEEKLY;COUNT=3;BYDAY=MO", "FREQ=WEEKLY;COUNT=03", "FREQ=WEEKLY;INTERVAL=2;COUNT=-2", "FREQ=WEEKLY"} {
		if r, n, ok := ParseRRule(bad); ok {
			t.Errorf("ParseRRule(%q) = %q×%d", bad, r, n)
		}
	}
}
