package node

import (
	"context"
	"fmt"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/outbox"
)

func TestZZDump(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	n.Posts.Publish(context.Background(), outbox.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Week 1 & <b>hi</b> #python"})
	n.Store.Update(context.Background(), func(tx domain.Tx) error {
		c, _ := tx.Course(DemoCourse)
		c.MeetingDay, c.MeetingTime, c.MeetingTimezone, c.MeetingPlace = "monday", "09:00", "America/New_York", "Jitsi: https://meet.example/x"
		return tx.PutCourse(c)
	})
	_, b := get(t, n.URLs.Base()+"/courses/"+DemoCourse+"/feed.atom", "")
	fmt.Println(string(b))
	_, b = get(t, n.URLs.Base()+"/courses/"+DemoCourse+"/meetings.ics", "")
	fmt.Println(string(b))
}
