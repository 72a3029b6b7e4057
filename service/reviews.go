package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// Reviews is the use case of peer review (Lernanta's badge submissions
// with peer votes and ratings): on a task that asks for it, the work a
// learner submitted with their completion is shown to their fellow
// participants, who approve it or not, rate it against the task's rubric
// and comment; the learner reads the reviews on the task's page, and a
// badge may need a number of approvals and a mean rating.
type Reviews struct {
	*env
	badges *Badges
	posts  *Posts
}

// ReviewInput is a review as the form gives it.
type ReviewInput struct {
	Approve bool
	Ratings []int // one per criterion of the task's rubric
	Comment string
}

// reviewTx is what a review reads and writes: the course (its organisers),
// the task, the completion, the reviewer's part in the course, the
// reviews, and what the awards it may earn need.
// Review keeps reviewer's (a local handle's) review of learner's (an
// actor id's) work for a task of a local course. The rules are review's.
func (s *Reviews) Review(ctx context.Context, reviewer, course, task, learner string, in ReviewInput) (*domain.Review, error) {
	text, err := domain.ReviewText(in.Comment)
	if err != nil {
		return nil, err
	}
	r := &domain.Review{ID: s.NewID(), Course: course, Task: task, Learner: learner,
		Reviewer: s.URLs.Actor(domain.ActorPerson, reviewer), Approve: in.Approve, Ratings: in.Ratings, At: s.Now().UTC()}
	if text != "" {
		r.Comment, _ = s.Docs.PostHTML(text, nil)
	}
	err = s.update(ctx, func(tx domain.Tx) error { return s.review(tx, r) })
	if err != nil {
		return nil, err
	}
	s.Queue.Wake()
	return r, nil
}

// ReceiveReview keeps, inside the inbox's transaction, the review of a
// participant on another Lernejo node (reviewer, their actor id) of the
// work rec names (a completion of the task of a local course). The inbox
// checked the record's proof against the reviewer's keys; the rules are
// review's, and a completion that is not this task's is refused.
func (s *Reviews) ReceiveReview(tx domain.Tx, course, task, reviewer string, rec *federation.ReviewRecord) error {
	done, found, err := domain.Found(tx.CompletionByID(rec.Object))
	if err != nil {
		return fmt.Errorf("service: review: %w", err)
	}
	if !found || done.Course != course || done.Task != task {
		return domain.Errorf(domain.ENOTFOUND, "This work was not submitted for this task.")
	}
	r := &domain.Review{ID: s.NewID(), Course: course, Task: task, Learner: done.Learner, Completion: done.ID,
		Reviewer: reviewer, Approve: rec.Approve, Ratings: rec.Ratings, At: s.Now().UTC()}
	if text := s.Docs.Sanitizer.PlainText(rec.Content); text != "" {
		if text, err = domain.ReviewText(text); err != nil {
			return err
		}
		r.Comment, _ = s.Docs.PostHTML(text, nil)
	}
	return s.review(tx, r)
}

// ReviewByReply reviews, inside the inbox's transaction or that of a
// local post (Posts.Publish), the work shown by the post reply answers,
// when reply is tagged #approve or #revise (how a Mastodon participant
// reviews, and one here may): #approve approves it unless #revise is
// there too, each "N/5" in its text rates a criterion, in order, and the
// rest of the text, without its mentions and hashtags, is the comment. The
// rules are review's. A reply to anything else, or without either tag,
// reviews nothing.
func (s *Reviews) ReviewByReply(tx domain.Tx, reply *domain.Post) error {
	approve, revise := slices.Contains(reply.Tags, domain.TagApprove), slices.Contains(reply.Tags, domain.TagRevise)
	if !reply.IsReply() || (!approve && !revise) {
		return nil
	}
	shown, found, err := domain.Found(tx.Post(reply.InReplyTo))
	if err != nil {
		return fmt.Errorf("service: review by reply: %w", err)
	}
	if !found || shown.Work == nil || isRemoteCourse(shown.Course) {
		return nil
	}
	text, err := domain.ReviewText(s.Docs.Sanitizer.PlainText(reply.Content))
	if err != nil {
		return err
	}
	comment := strings.Join(slices.DeleteFunc(strings.Fields(text), func(w string) bool {
		return strings.HasPrefix(w, "@") || strings.HasPrefix(w, "#") // the mentions Mastodon adds, the tag
	}), " ")
	r := &domain.Review{ID: s.NewID(), Course: shown.Course, Task: shown.Work.Task, Learner: shown.Work.Learner,
		Completion: shown.Work.Completion, Reviewer: reply.Author, Approve: approve && !revise,
		Ratings: domain.ParseRatings(text), At: s.Now().UTC()}
	if comment != "" {
		r.Comment, _ = s.Docs.PostHTML(comment, nil)
	}
	if err := s.review(tx, r); domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	return domain.Errorf(domain.EINVALID, "This work is no longer submitted: its learner is doing the task again.")
}

// reviewTx is what a review reads and writes: the course (its organisers),
// the task, the completion, the reviewer's part in the course, the
// reviews, the note to a learner elsewhere, and what the awards it may
// earn need.
type reviewTx interface {
	checkAwardsTx
	domain.CourseStore
}

// review keeps r, a review of learner's work for a task of a local course,
// inside tx. Refused: a task that asks for no review, a reviewer who does
// not take part in the course, one's own work, work that was not submitted
// (no completion, or not the one r names when it names one), and a second
// review of the same work by the same reviewer. The learner is told (a
// notification here, a direct note from the course elsewhere), and is
// awarded the badges the reviews now earn them.
func (s *Reviews) review(tx reviewTx, r *domain.Review) error {
	c, err := tx.Course(r.Course)
	if err != nil {
		return err
	}
	t, err := tx.Task(r.Course, r.Task)
	if err != nil {
		return err
	}
	if err := domain.CheckReview(t, r); err != nil {
		return err
	}
	ok, err := s.takesPart(tx, c, r.Reviewer)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.EFORBIDDEN, "Only the people who take part in this %s can review its work.", domain.KindName(c.Kind))
	}
	done, found, err := domain.Found(tx.Completion(r.Course, r.Task, r.Learner))
	if err != nil {
		return fmt.Errorf("service: review: %w", err)
	}
	if !found || (r.Completion != "" && r.Completion != done.ID) {
		return domain.Errorf(domain.ENOTFOUND, "This learner has not submitted work for this task.")
	}
	r.Completion = done.ID
	if old, found, err := domain.Found(tx.Review(r.Course, r.Task, r.Learner, r.Reviewer)); err != nil {
		return err
	} else if found && old.Completion == done.ID {
		return domain.Errorf(domain.EINVALID, "You have reviewed this work already.")
	}
	if err := tx.PutReview(r); err != nil {
		return err
	}
	if err := s.tell(tx, c, t, r); err != nil {
		return err
	}
	return s.badges.CheckAwards(tx, r.Course, r.Learner)
}

// tell lets the learner know of review r of their work for task t of
// course c: a notification when they are on this node, a direct note from
// the course, in reply to their completion, when they are elsewhere.
func (s *Reviews) tell(tx reviewTx, c *domain.Course, t *domain.Task, r *domain.Review) error {
	ra, err := remoteActor(tx, r.Learner) // nil: a local learner
	if err != nil || ra == nil {
		if err != nil {
			return err
		}
		return s.notify(tx, r.Learner, domain.Notification{Kind: domain.NotifyReview, Actor: r.Reviewer, Subject: t.Title,
			URL: "/courses/" + r.Course + "/tasks/" + r.Task})
	}
	verdict := "asks for a revision"
	if r.Approve {
		verdict = "approves it"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s reviewed your work for task %d, “%s”, of %s, and %s.", ra.Handle(), actorName(tx, s.env, r.Reviewer),
		t.Position, federation.EscapeMarkdown(t.Title), federation.EscapeMarkdown(c.Title), verdict)
	for i, n := range r.Ratings {
		if i < len(t.Rubric) {
			fmt.Fprintf(&b, "\n%s: %d/%d", federation.EscapeMarkdown(t.Rubric[i]), n, domain.MaxRating)
		}
	}
	if comment := s.Docs.Sanitizer.PlainText(r.Comment); comment != "" && r.Reviewer != ra.ID {
		b.WriteString("\n\n" + comment)
	}
	b.WriteString("\n\nThe task: " + federation.TaskURL(s.URLs, c.Handle, t.ID))
	mention := []federation.Mention{{ID: ra.ID, Name: ra.Handle()}}
	_, err = s.posts.note(tx, c.Handle, b.String(), mention, federation.DirectAddress(mention), []string{ra.Inbox},
		func(n *federation.ASNote) {
			if !federation.SameOrigin(r.Completion, s.URLs.Base()) {
				n.InReplyTo = r.Completion // their record, or their #done reply
			}
		})
	return err
}

// showWorkTx is what showWork writes: the post and its Create, and the
// learner's name.
type showWorkTx interface {
	coursePostTx
	domain.ActorCache
	domain.FollowStore
}

// showWork posts, inside tx, the work done submitted for task t of the
// local course c when t asks for peer review and done is new work (not the
// same record marked again): a course post in its discussion, public and
// mentioning the learner, that links the work and says how to review it,
// and carries it as a submission (federation.ASSubmission) for Lernejo
// nodes to offer their review form.
func (s *Posts) showWork(tx showWorkTx, c *domain.Course, t *domain.Task, done *domain.Completion, before *domain.Completion) error {
	if !t.PeerReview || !c.Federates() || (before != nil && before.ID == done.ID) {
		return nil
	}
	name, mentions := "@"+strings.TrimPrefix(actorName(tx, s.env, done.Learner), "@"), []federation.Mention(nil)
	if h, _, ok := s.URLs.LocalActor(done.Learner); ok {
		name = "@" + h + "@" + s.URLs.Host()
	}
	mentions = append(mentions, federation.Mention{ID: done.Learner, Name: name})
	var b strings.Builder
	fmt.Fprintf(&b, "%s submitted work for task %d, “%s”", name, t.Position, federation.EscapeMarkdown(t.Title))
	if done.Evidence != "" {
		fmt.Fprintf(&b, ": %s", done.Evidence)
	}
	b.WriteString("\n\nReview it by replying with #approve or #revise")
	if len(t.Rubric) > 0 {
		fmt.Fprintf(&b, " and a rating from 1 to %d for each criterion, in order:", domain.MaxRating)
		for i, cr := range t.Rubric {
			fmt.Fprintf(&b, "\n%d. %s", i+1, federation.EscapeMarkdown(cr))
		}
		b.WriteString("\n\nFor example: “#approve " + strings.Repeat("4/5 ", len(t.Rubric)) + "Clear and well done.”")
	} else {
		b.WriteString(", and a comment.")
	}
	p := s.localPost(PostInput{Course: c.Handle, Text: b.String(), Mentions: mentions}, s.Now().UTC())
	p.Author = s.URLs.Actor(domain.ActorCourse, c.Handle)
	p.Mentions = append(p.Mentions, done.Learner)
	p.Work = &domain.Work{Task: t.ID, Learner: done.Learner, Completion: done.ID, Evidence: done.Evidence, Rubric: t.Rubric}
	inboxes, err := tx.FollowerInboxes(c.Handle) // the learner among them
	if err != nil {
		return err
	}
	return s.queueCoursePost(tx, c, p, mentions, inboxes)
}

// currentReviews are, inside tx, the reviews of the work learner submitted
// for a task now: those of an earlier completion, undone since, are left
// out. Nil when there is no completion.
func currentReviews(tx domain.CompletionStore, course, task, learner string) ([]*domain.Review, *domain.Completion, error) {
	done, found, err := domain.Found(tx.Completion(course, task, learner))
	if err != nil || !found {
		return nil, nil, err
	}
	rs, err := tx.Reviews(course, task, learner)
	if err != nil {
		return nil, nil, err
	}
	return slices.DeleteFunc(rs, func(r *domain.Review) bool { return r.Completion != done.ID }), done, nil
}

// checkReviewed awards, inside tx, the badge b for reviewed work when each
// of its tasks is done by learner and the reviews of that work meet its
// bar, and learner does not hold it yet. The award's evidence are the
// completions and the reviews.
func (s *Badges) checkReviewed(tx checkAwardsTx, b *domain.Badge, learner string) error {
	var evidence []string
	for _, task := range b.Tasks {
		rs, done, err := currentReviews(tx, b.Issuer, task, learner)
		if err != nil {
			return err
		}
		if done == nil || !domain.ReviewsMeet(rs, b.Approvals, b.MinRating) {
			return nil
		}
		evidence = append(evidence, done.ID)
		for _, r := range rs {
			evidence = append(evidence, reviewEvidence(s.URLs.Base(), r))
		}
	}
	if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil || held {
		return err
	}
	_, err := s.award(tx, b, learner, evidence, "")
	return err
}

// reviewEvidence is how an award's evidence names a review: the task's
// page, where the learner reads it, with the review's id.
func reviewEvidence(base string, r *domain.Review) string {
	return base + "/courses/" + r.Course + "/tasks/" + r.Task + "#review-" + r.ID
}

// ReviewElsewhere sends reviewer's (a local handle's) review of work a
// course on another Lernejo node shows for review: post is the course's
// note that shows it, kept here in the course's discussion. The review is a
// record signed with the reviewer's assertion key (FEP-8b32), as
// completions and votes are, sent in an Add to the course, whose node
// applies the rules; a copy is kept here, so the form says it was sent.
// Refused here already: work no post here shows, a course the reviewer has
// not joined, their own work, ratings that do not match the rubric, and a
// second review of the same work.
func (s *Reviews) ReviewElsewhere(ctx context.Context, reviewer, post string, in ReviewInput) error {
	text, err := domain.ReviewText(in.Comment)
	if err != nil {
		return err
	}
	urls := s.URLs
	me := urls.Actor(domain.ActorPerson, reviewer)
	now := s.Now().UTC()
	err = s.update(ctx, func(tx domain.Tx) error {
		p, found, err := domain.Found(tx.Post(post))
		if err != nil {
			return fmt.Errorf("service: review: %w", err)
		}
		if !found || p.Work == nil || !isRemoteCourse(p.Course) {
			return domain.Errorf(domain.ENOTFOUND, "There is no work to review here.")
		}
		w := p.Work
		f, _, err := domain.Found(tx.Following(reviewer, p.Course))
		if err != nil {
			return fmt.Errorf("service: review: %w", err)
		}
		if f == nil || f.State != domain.FollowAccepted {
			return domain.Errorf(domain.EFORBIDDEN, "Join first to review its work.")
		}
		r := &domain.Review{ID: s.NewID(), Course: p.Course, Task: w.Task, Learner: w.Learner, Completion: w.Completion,
			Reviewer: me, Approve: in.Approve, Ratings: in.Ratings, At: now}
		if err := domain.CheckReview(&domain.Task{PeerReview: true, Rubric: w.Rubric}, r); err != nil {
			return err
		}
		if old, found, err := domain.Found(tx.Review(p.Course, w.Task, w.Learner, me)); err != nil {
			return err
		} else if found && old.Completion == w.Completion {
			return domain.Errorf(domain.EINVALID, "You have reviewed this work already.")
		}
		if text != "" {
			r.Comment, _ = s.Docs.PostHTML(text, nil)
		}
		ra, err := tx.RemoteActor(p.Course)
		if err != nil {
			return err
		}
		seed, err := tx.AssertionSeed(reviewer)
		if err != nil {
			return err
		}
		rec, err := integrity.SignRecord(federation.ReviewObject(urls.Path("/reviews/"+r.ID), r, w.Task), me, seed, now)
		if err != nil {
			return err
		}
		if err := tx.PutReview(r); err != nil {
			return err
		}
		id := urls.NewActivityID(s.NewID())
		return s.Queue.Queue(tx, reviewer, id, federation.AddReview(id, me, rec, w.Reviews, p.Course), []string{ra.Inbox})
	})
	if err == nil {
		s.Queue.Wake()
	}
	return err
}
