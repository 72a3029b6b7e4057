package service

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestAddNormalises: a task and a badge are stored in their normal form
// (domain's Validate only checks): titles trimmed, and a badge given no
// criteria is awarded for all tasks, so completing them earns it.
func TestAddNormalises(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	task := &domain.Task{Course: "course", Title: "  Say hello  ", Body: "  <p>Hi</p>  "}
	if err := u.svc.Tasks.Add(ctx, "ada", task); err != nil {
		t.Fatal(err)
	}
	b := &domain.Badge{Issuer: "course", Name: " Hello badge "}
	if err := u.svc.Badges.Add(ctx, "ada", b); err != nil {
		t.Fatal(err)
	}
	u.st.View(ctx, func(tx domain.Tx) error {
		got, err := tx.Task("course", task.ID)
		if err != nil || got.Title != "Say hello" || got.Body != "<p>Hi</p>" {
			t.Errorf("task stored as %+v, %v", got, err)
		}
		gb, err := tx.Badge(b.ID)
		if err != nil || gb.Name != "Hello badge" || gb.Criteria != domain.CriteriaAllTasks {
			t.Errorf("badge stored as %+v, %v", gb, err)
		}
		return nil
	})
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", task.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	u.st.View(ctx, func(tx domain.Tx) error {
		if _, err := tx.AwardOf(b.ID, u.person("bob")); err != nil {
			t.Errorf("bob did the only task but holds no badge: %v", err)
		}
		return nil
	})
}
