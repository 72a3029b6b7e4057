package service

import (
	"context"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestSettingsAreKept: pages read the settings from memory (a read
// transaction waits for the writes in flight), yet each page sees what the
// operator saved last, and what a caller does with its copy changes nothing.
func TestSettingsAreKept(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	st, err := u.svc.Settings.Current(ctx)
	if err != nil || st.Name != domain.DefaultSettings().Name {
		t.Fatalf("first read: %+v %v", st, err)
	}
	// From now on the store cannot be read: Current answers from memory.
	u.fs.Fail("Settings")
	st.Kinds[0] = "Changed by a caller"
	again, err := u.svc.Settings.Current(ctx)
	if err != nil || again.Kinds[0] != "Course" {
		t.Fatalf("kept settings: %+v %v", again, err)
	}
	u.fs.Heal()

	saved := again
	saved.Name = "Learning Circle"
	saved.Kinds = []string{"Circle", "Workshop"}
	saved.DefaultKind = "Circle"
	if _, err := u.svc.Settings.Update(ctx, saved); err != nil {
		t.Fatal(err)
	}
	saved.Kinds[0] = "Changed after saving"
	u.fs.Fail("Settings")
	now, err := u.svc.Settings.Current(ctx)
	if err != nil || now.Name != "Learning Circle" || now.Kinds[0] != "Circle" {
		t.Fatalf("after Update: %+v %v", now, err)
	}
	u.fs.Heal()

	// Refused settings are neither stored nor kept.
	bad := now
	bad.DefaultKind = "Lecture"
	if _, err := u.svc.Settings.Update(ctx, bad); err == nil {
		t.Fatal("a default kind that is none of the kinds was saved")
	}
	if now, _ := u.svc.Settings.Current(ctx); now.DefaultKind != "Circle" {
		t.Errorf("after a refused Update: %+v", now)
	}
	// What is kept is what is stored.
	var stored domain.Settings
	u.view(func(tx domain.Tx) error { stored, err = tx.Settings(); return err })
	if stored.Name != "Learning Circle" || stored.DefaultKind != "Circle" {
		t.Errorf("stored: %+v", stored)
	}
}
