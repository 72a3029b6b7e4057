package domain

import (
	"context"
	"time"
)

// Service applies the node's rules to changes: it validates, fills in ids,
// times and keys, and writes through a Store in one transaction.
type Service struct {
	Store   Store
	Now     func() time.Time
	NewID   func() string           // time-sortable ids (ULIDs)
	NewKeys func() (KeyPair, error) // GenerateKeyPair in production
	// RichText sanitises organisers' rich text (task bodies) on save;
	// nil keeps text as given (only tests that need no HTML leave it nil).
	RichText func(string) string
}

func (s *Service) richText(html string) string {
	if s.RichText == nil {
		return html
	}
	return s.RichText(html)
}

// EnsureInstanceActor creates the node's Application actor and its key the
// first time the node starts; later calls change nothing.
func (s *Service) EnsureInstanceActor(ctx context.Context) error {
	var exists bool
	if err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		_, exists, err = Found(tx.InstanceActor())
		return err
	}); err != nil || exists {
		return err
	}
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx Tx) error {
		// Created meanwhile by another start: keep its key, which peers
		// have cached. A failed read must not replace it either.
		if _, exists, err := Found(tx.InstanceActor()); err != nil || exists {
			return err
		}
		return tx.CreateInstanceActor(&InstanceActor{Created: s.Now().UTC()}, keys)
	})
}

// UpdateSettings validates and saves the operator's settings.
func (s *Service) UpdateSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := st.Validate(); err != nil {
		return st, err
	}
	return st, s.Store.Update(ctx, func(tx Tx) error { return tx.PutSettings(st) })
}

// RegisterPerson creates a local account. PasswordHash must already be set.
func (s *Service) RegisterPerson(ctx context.Context, p *Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	p.Created, p.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	p.PublicKeyPEM, p.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx Tx) error { return tx.CreatePerson(p, keys) })
}

// CreateSchool creates a school; its organisers must be local people.
func (s *Service) CreateSchool(ctx context.Context, sc *School) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	sc.Created, sc.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	sc.PublicKeyPEM, sc.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx Tx) error {
		if err := checkPeople(tx, sc.Organisers); err != nil {
			return err
		}
		return tx.CreateSchool(sc, keys)
	})
}

// CreateCourse creates a course with the node's kinds for creator, who must
// be one of its organisers; they must all be local people, and its school,
// if any, must exist and be one creator organises.
func (s *Service) CreateCourse(ctx context.Context, creator string, c *Course) error {
	if !c.IsOrganiser(creator) {
		return Errorf(EINVALID, "Whoever starts a course organises it.")
	}
	now := s.Now().UTC()
	c.Created, c.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	c.PublicKeyPEM, c.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx Tx) error {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		if err := c.Validate(st); err != nil {
			return err
		}
		if err := checkPeople(tx, c.Organisers); err != nil {
			return err
		}
		if c.School != "" {
			if err := placeInSchool(tx, c.School, creator); err != nil {
				return err
			}
		}
		return tx.CreateCourse(c, keys)
	})
}

// AddTask appends a task to a course; its body is sanitised on save.
func (s *Service) AddTask(ctx context.Context, t *Task) error {
	t.Body = s.richText(t.Body)
	if err := t.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	t.ID, t.Created, t.Updated = s.NewID(), now, now
	return s.Store.Update(ctx, func(tx Tx) error {
		c, err := tx.Course(t.Course)
		if err != nil {
			return err
		}
		tasks, err := tx.Tasks(t.Course)
		if err != nil {
			return err
		}
		t.Position = len(tasks) + 1
		if err := tx.PutTask(t); err != nil {
			return err
		}
		// Writing the course too makes two concurrent AddTasks conflict (a
		// new task key alone is a phantom the store cannot see), so one of
		// them retries and positions stay distinct.
		c.Updated = now
		return tx.PutCourse(c)
	})
}

// AddBadge creates a badge class issued by a course or school.
func (s *Service) AddBadge(ctx context.Context, b *Badge) error {
	if err := b.Validate(); err != nil {
		return err
	}
	b.ID, b.Created = s.NewID(), s.Now().UTC()
	return s.Store.Update(ctx, func(tx Tx) error {
		typ, err := tx.HandleType(b.Issuer)
		if err != nil {
			return err
		}
		if typ != ActorCourse && typ != ActorSchool {
			return Errorf(EINVALID, "Only courses and schools issue badges.")
		}
		return tx.PutBadge(b)
	})
}

// placeInSchool checks that by may put a course into the school (see
// School.MayPlace).
func placeInSchool(tx Tx, school, by string) error {
	sc, ok, err := Found(tx.School(school))
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(EINVALID, "There is no school %q.", school)
	}
	return sc.MayPlace(by)
}

func checkPeople(tx Tx, handles []string) error {
	for _, h := range handles {
		if _, err := tx.Person(h); err != nil {
			if IsNotFound(err) {
				return Errorf(EINVALID, "There is no person %q on this node.", h)
			}
			return err
		}
	}
	return nil
}

// UpdateCourse saves an organiser's changes to a course inside tx, checking
// the editor, the status transition and the fields. It returns the course
// as it was.
func (s *Service) UpdateCourse(tx Tx, editor string, c *Course) (*Course, error) {
	old, err := tx.Course(c.Handle)
	if err != nil {
		return nil, err
	}
	if !old.IsOrganiser(editor) {
		return nil, Errorf(EFORBIDDEN, "Only the organisers can change this course.")
	}
	if !old.CanMoveTo(c.Status) {
		return nil, Errorf(EINVALID, "A course cannot go from %s to %s.", old.Status, c.Status)
	}
	st, err := tx.Settings()
	if err != nil {
		return nil, err
	}
	if err := c.Validate(st); err != nil {
		return nil, err
	}
	if err := checkPeople(tx, c.Organisers); err != nil {
		return nil, err
	}
	if c.School != "" && c.School != old.School {
		if err := placeInSchool(tx, c.School, editor); err != nil {
			return nil, err
		}
	}
	c.PublicKeyPEM, c.AssertionKey, c.Created, c.Updated = old.PublicKeyPEM, old.AssertionKey, old.Created, s.Now().UTC()
	return old, tx.PutCourse(c)
}

// organisedBy loads a course that editor organises.
func organisedBy(tx Tx, course, editor string) (*Course, error) {
	c, err := tx.Course(course)
	if err != nil {
		return nil, err
	}
	if !c.IsOrganiser(editor) {
		return nil, Errorf(EFORBIDDEN, "Only the organisers can change this %s.", c.Kind)
	}
	return c, nil
}

// EditTask saves new text for a task inside tx, keeping the version it
// replaces as a revision.
func (s *Service) EditTask(tx Tx, editor string, t *Task) error {
	if _, err := organisedBy(tx, t.Course, editor); err != nil {
		return err
	}
	old, err := tx.Task(t.Course, t.ID)
	if err != nil {
		return err
	}
	t.Body = s.richText(t.Body)
	if err := t.Validate(); err != nil {
		return err
	}
	revs, err := tx.TaskRevisions(t.Course, t.ID)
	if err != nil {
		return err
	}
	if err := tx.PutTaskRevision(&TaskRevision{Course: old.Course, Task: old.ID, Rev: len(revs) + 1,
		Title: old.Title, Body: old.Body, Due: old.Due, Editor: editor, Saved: old.Updated}); err != nil {
		return err
	}
	t.Position, t.Created, t.Updated = old.Position, old.Created, s.Now().UTC()
	return tx.PutTask(t)
}

// RestoreTask brings back revision rev of a task inside tx (itself saved as
// an edit, so nothing is lost).
func (s *Service) RestoreTask(tx Tx, editor, course, id string, rev int) (*Task, error) {
	revs, err := tx.TaskRevisions(course, id)
	if err != nil {
		return nil, err
	}
	if rev < 1 || rev > len(revs) {
		return nil, Errorf(ENOTFOUND, "There is no version %d of this task.", rev)
	}
	r := revs[rev-1]
	t := &Task{ID: id, Course: course, Title: r.Title, Body: r.Body, Due: r.Due}
	return t, s.EditTask(tx, editor, t)
}

// ReorderTasks puts a course's tasks in the given order of ids (every task
// exactly once) inside tx, and returns the tasks whose place changed.
func (s *Service) ReorderTasks(tx Tx, editor, course string, ids []string) ([]*Task, error) {
	if _, err := organisedBy(tx, course, editor); err != nil {
		return nil, err
	}
	tasks, err := tx.Tasks(course)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Task{}
	for _, t := range tasks {
		byID[t.ID] = t
	}
	if len(ids) != len(tasks) {
		return nil, Errorf(EINVALID, "Give every task of the course exactly once.")
	}
	var moved []*Task
	for i, id := range ids {
		t, ok := byID[id]
		if !ok {
			return nil, Errorf(EINVALID, "Give every task of the course exactly once.")
		}
		delete(byID, id)
		if t.Position == i+1 {
			continue
		}
		t.Position = i + 1
		if err := tx.PutTask(t); err != nil {
			return nil, err
		}
		moved = append(moved, t)
	}
	return moved, nil
}
