package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/lernejo/lernejo/service"
)

// runReminders sends the meetings' reminders that are due: once at start
// (a node that was down catches up on the sessions still ahead) and then
// every service.ReminderRound, until ctx ends. Each session's reminder
// goes out once whatever the rounds (Meetings.SendReminders).
func (n *Node) runReminders(ctx context.Context) {
	tick := time.NewTicker(service.ReminderRound)
	defer tick.Stop()
	for {
		sent, err := n.Services.Meetings.SendReminders(ctx)
		if err != nil && ctx.Err() == nil {
			n.log.Error("meeting reminders", slog.Any("err", err))
		}
		if sent > 0 {
			n.log.Info("meeting reminders sent", slog.Int("sessions", sent))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
