package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/mail/mailtest"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// TestReminderNotification: the reminder of a session shows on the
// notifications page of who said they come, with the meeting, the course
// and the session's time, linked to the meeting, in English and in
// Esperanto; the mail settings offer it.
func TestReminderNotification(t *testing.T) {
	n := startNode(t, node.Config{SMTP: mailtest.Start(t).SMTP(), AllowPrivateNetworks: true})
	ctx := context.Background()
	start := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	// The reminder is due only once ada said she comes: the node's own
	// reminder round may run at any moment, and would otherwise send it to
	// no one.
	in := service.MeetingInput{Title: "Pair programming", Start: start.Format("2006-01-02T15:04"), Timezone: "UTC", Minutes: 60,
		ReminderLead: 30 * time.Minute}
	m, err := n.Services.Meetings.Create(ctx, node.DemoOrganiser, node.DemoCourse, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Meetings.Answer(ctx, node.DemoOrganiser, federation.MeetingURL(n.URLs, node.DemoCourse, m.ID), domain.RSVPGoing); err != nil {
		t.Fatal(err)
	}
	in.ReminderLead = 2 * time.Hour
	if _, err := n.Services.Meetings.Edit(ctx, node.DemoOrganiser, node.DemoCourse, m.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Meetings.SendReminders(ctx); err != nil {
		t.Fatal(err)
	}
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	body := ada.mustGet(t, "/notifications")
	link := `<a href="/courses/` + node.DemoCourse + `/meetings/` + m.ID + `">`
	if !strings.Contains(body, link+"Reminder: “Pair programming” of ") || !strings.Contains(body, "starts at "+start.Format("2 Jan 2006 15:04 MST")) {
		t.Errorf("the notifications page has no reminder:\n%s", body)
	}
	resp, eo := ada.getIn("/notifications", "eo")
	wantStatus(t, "notifications in Esperanto", resp, eo, http.StatusOK)
	if !strings.Contains(eo, "Memorigo: „Pair programming“ de ") {
		t.Errorf("the Esperanto notifications page has no reminder:\n%s", eo)
	}
	if settings := ada.mustGet(t, "/settings/email"); !strings.Contains(settings, `value="reminder"`) ||
		!strings.Contains(settings, "A session of a meeting I come to starts soon") {
		t.Errorf("the mail settings do not offer reminders")
	}
}
