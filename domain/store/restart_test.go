package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestPastCompletionsRoundTrip: an attempt set aside comes back whole, a
// learner's in the order they were set aside, apart from another
// learner's and another course's.
func TestPastCompletionsRoundTrip(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	bea, cai := "https://lernejo.example/people/bea", "https://lernejo.example/people/cai"
	first := &domain.PastCompletion{ID: "01A", Completion: "https://lernejo.example/completions/1", Course: "py", Task: "t1",
		Title: "Hello", Learner: bea, Evidence: "https://example.org/work", Note: "my note", Done: at, Restarted: at.Add(time.Hour)}
	second := &domain.PastCompletion{ID: "01B", Completion: "https://lernejo.example/completions/2", Course: "py", Task: "t2",
		Title: "Loops", Learner: bea, Done: at, Restarted: at.Add(2 * time.Hour)}
	other := &domain.PastCompletion{ID: "01C", Course: "py", Task: "t1", Learner: cai, Done: at, Restarted: at}
	elsewhere := &domain.PastCompletion{ID: "01D", Course: "https://other.example/courses/py", Task: "https://other.example/courses/py/tasks/1",
		Learner: bea, Done: at, Restarted: at}
	err := s.Update(ctx, func(tx domain.Tx) error {
		for _, p := range []*domain.PastCompletion{second, other, first, elsewhere} {
			if err := tx.PutPastCompletion(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx domain.Tx) error {
		got, err := tx.PastCompletions("py", bea)
		if err != nil {
			return err
		}
		if want := []*domain.PastCompletion{first, second}; !reflect.DeepEqual(got, want) {
			t.Errorf("bea's attempts in py = %+v, want %+v", got, want)
		}
		far, err := tx.PastCompletions(elsewhere.Course, bea)
		if err != nil {
			return err
		}
		if len(far) != 1 || !reflect.DeepEqual(far[0], elsewhere) {
			t.Errorf("bea's attempts in the remote course = %+v", far)
		}
		none, err := tx.PastCompletions("py", "https://lernejo.example/people/dan")
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("dan has attempts: %+v", none)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
