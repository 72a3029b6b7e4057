package domain

import "time"

// SelfPaced reports whether the course has no dates: each learner goes
// through it at their own pace, and may go through it again.
func (c *Course) SelfPaced() bool { return c.Starts.IsZero() && c.Ends.IsZero() }

// SelfPaced reports whether a course on another server has no dates, as
// its actor document says.
func (a *RemoteActor) SelfPaced() bool { return a.Starts.IsZero() && a.Ends.IsZero() }

// CheckRestart says whether a learner may restart the whole course, and
// changes nothing: only a self-paced course may be. A course with dates
// runs once, as a cohort; its next run is the way to do it again. (One
// task may be done again in any course: Tasks.Redo.)
func (c *Course) CheckRestart() error { return checkRestart(c.SelfPaced()) }

// CheckRestart is Course.CheckRestart for a course on another server.
func (a *RemoteActor) CheckRestart() error { return checkRestart(a.SelfPaced()) }

func checkRestart(selfPaced bool) error {
	if !selfPaced {
		return Errorf(EFORBIDDEN, "This course runs once, on its dates, so it cannot be restarted: join its next run to do it again.")
	}
	return nil
}

// PastCompletion is a completion a learner set aside when they restarted
// its task or the whole course: their earlier attempt, kept in their
// history. It counts for no progress (only current completions do), and
// badges earned with it stay. Its fields are those of the completion it
// was, with when it was set aside.
type PastCompletion struct {
	ID         string // ULID, in the order the attempts were set aside
	Completion string // id of the completion it was
	Course     string // course handle, or the actor id of a course on another server
	Task       string // task id
	Title      string // the task's title when it was restarted
	Learner    string // actor id of the learner
	Evidence   string // link to the work, if any
	Note       string // the learner's note, if any
	Done       time.Time
	Restarted  time.Time
}

// SetAside is the past completion c becomes when its learner restarts it
// at when: id names it, title is its task's.
func (c *Completion) SetAside(id, title string, when time.Time) *PastCompletion {
	return &PastCompletion{ID: id, Completion: c.ID, Course: c.Course, Task: c.Task, Title: title, Learner: c.Learner,
		Evidence: c.Evidence, Note: c.Note, Done: c.At, Restarted: when}
}
