package service

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Moderation is the use cases of moderation: organisers blocking people
// from a course and reporting posts to their servers, and the operator's
// defederation and reports.
type Moderation struct{ *env }

// Purged counts what a domain block removed.
type Purged struct {
	Followers, Followings, Deliveries, Actors, Posts int
	// Tasks are cached tasks of its courses; Badges are badges its courses
	// and schools gave local people.
	Tasks, Badges int
}

// BlockDomain blocks a domain and its subdomains (HOSTILE M1) and, in the
// same transaction, purges what the node holds of them (M3): follows both
// ways (memberships included), queued deliveries, cached actors, the posts
// they wrote, the tasks of their courses and the badges they gave. The inbox refuses them from then on (S13). Blocking a
// domain again updates its reason and purges again.
func (m *Moderation) BlockDomain(ctx context.Context, d, reason string) (*domain.DomainBlock, Purged, error) {
	var purged Purged
	host, err := m.canonical(d)
	if err != nil {
		return nil, purged, err
	}
	reason = domain.Truncate(strings.TrimSpace(reason), domain.MaxSummaryLen)
	var block *domain.DomainBlock
	err = m.Store.Update(ctx, func(tx domain.Tx) error {
		purged = Purged{} // the transaction may be retried
		block = &domain.DomainBlock{Domain: host, Reason: reason, Created: m.Now().UTC()}
		if old, err := tx.DomainBlock(host); err == nil {
			block.Created = old.Created
		} else if !domain.IsNotFound(err) {
			return err
		}
		return tx.PutDomainBlock(block)
	})
	if err != nil {
		return nil, Purged{}, err
	}
	// The block is in force (the inbox refuses the domain from now on);
	// the purge runs in bounded transactions, so a domain with a lot of
	// cached content cannot exceed Badger's transaction size (HOSTILE B5).
	for {
		var chunk Purged
		done := false
		err := m.Store.Update(ctx, func(tx domain.Tx) error {
			chunk = Purged{}
			var err error
			done, err = purge(tx, host, &chunk, purgeChunk)
			return err
		})
		if err != nil {
			return block, purged, err
		}
		purged.add(chunk)
		if done {
			return block, purged, nil
		}
	}
}

// purgeChunk is how many records one purge transaction removes at most.
const purgeChunk = 500

func (p *Purged) add(o Purged) {
	p.Followers += o.Followers
	p.Followings += o.Followings
	p.Deliveries += o.Deliveries
	p.Actors += o.Actors
	p.Posts += o.Posts
	p.Tasks += o.Tasks
	p.Badges += o.Badges
}

// UnblockDomain lifts a block. What the block purged stays purged: people
// follow again if they want to.
func (m *Moderation) UnblockDomain(ctx context.Context, d string) error {
	host, err := m.canonical(d)
	if err != nil {
		return err
	}
	return m.Store.Update(ctx, func(tx domain.Tx) error {
		if _, err := tx.DomainBlock(host); err != nil {
			return err
		}
		return tx.DeleteDomainBlock(host)
	})
}

// Blocked reports whether a host (or a domain above it) is blocked.
func (m *Moderation) Blocked(host string) (bool, error) {
	h, err := federation.CanonicalHost(host, "https")
	if err != nil {
		return false, domain.Errorf(domain.EINVALID, "%q is not a valid domain.", host)
	}
	return m.Store.DomainBlocked(h), nil
}

// DomainBlocks lists the blocks, sorted by domain.
func (m *Moderation) DomainBlocks(ctx context.Context) ([]*domain.DomainBlock, error) {
	var out []*domain.DomainBlock
	err := m.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		out, err = tx.DomainBlocks()
		return err
	})
	return out, err
}

// Reports lists the reports received, newest first.
func (m *Moderation) Reports(ctx context.Context) ([]*domain.Report, error) {
	var out []*domain.Report
	err := m.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		out, err = tx.Reports()
		return err
	})
	return out, err
}

// ResolveReport marks a report as dealt with (or open again).
func (m *Moderation) ResolveReport(ctx context.Context, id string, resolved bool) error {
	return m.Store.Update(ctx, func(tx domain.Tx) error {
		r, err := tx.Report(id)
		if err != nil {
			return err
		}
		r.Resolved = resolved
		return tx.PutReport(r)
	})
}

// canonical turns what an operator typed ("Example.COM.", "*.example.com",
// "https://example.com/@x") into the canonical host a block is keyed by:
// IDNA ASCII, lower case, no port (HOSTILE O12, M1).
func (m *Moderation) canonical(d string) (string, error) {
	in := strings.TrimSpace(d)
	if strings.Contains(in, "://") {
		if u, err := url.Parse(in); err == nil {
			in = u.Host
		}
	}
	in = strings.TrimPrefix(strings.TrimPrefix(in, "*"), ".")
	if in == "" {
		return "", domain.Errorf(domain.EINVALID, "Enter a domain to block.")
	}
	h, err := federation.CanonicalHost(in, "https")
	if err != nil {
		return "", domain.Errorf(domain.EINVALID, "%q is not a valid domain.", d)
	}
	h = hostWithoutPort(h)
	if self := m.URLs.Host(); self != "" && federation.HostCovered(self, h) {
		return "", domain.Errorf(domain.EINVALID, "%s is this node's own domain.", h)
	}
	return h, nil
}

func hostWithoutPort(h string) string {
	if strings.HasPrefix(h, "[") {
		return h[:strings.IndexByte(h, ']')+1]
	}
	if i := strings.IndexByte(h, ':'); i >= 0 {
		return h[:i]
	}
	return h
}

// purgeTx is what purge removes from: whatever the store keeps of other
// servers (follows both ways, deliveries, cached actors, their posts,
// remote tasks and received badges).
type purgeTx interface {
	domain.FollowStore
	domain.DeliveryStore
	domain.ActorCache
	domain.PostStore
	domain.TaskStore
	domain.ReceivedBadgeStore
}

// purge removes from the store what belongs to hosts covered by d, at most
// budget records; done is false when it stopped at the budget. Local posts
// are never touched: they are this node's own.
func purge(tx purgeTx, d string, n *Purged, budget int) (done bool, err error) {
	covered := func(id string) bool {
		u, err := url.Parse(id)
		if err != nil || u.Host == "" {
			return false
		}
		return federation.HostCovered(u.Host, d)
	}
	spend := func() bool { budget--; return budget <= 0 }
	followers, err := tx.AllFollowers()
	if err != nil {
		return false, err
	}
	for _, f := range followers {
		if covered(f.Actor) || covered(f.Inbox) {
			if err := tx.DeleteFollower(f.Local, f.Actor); err != nil {
				return false, err
			}
			if n.Followers++; spend() {
				return false, nil
			}
		}
	}
	followings, err := tx.AllFollowings()
	if err != nil {
		return false, err
	}
	for _, f := range followings {
		if covered(f.Target) {
			if err := tx.DeleteFollowing(f.Local, f.Target); err != nil {
				return false, err
			}
			if n.Followings++; spend() {
				return false, nil
			}
		}
	}
	deliveries, err := tx.Deliveries()
	if err != nil {
		return false, err
	}
	for _, dl := range deliveries {
		if covered(dl.Inbox) {
			if err := tx.DeleteDelivery(dl); err != nil {
				return false, err
			}
			if n.Deliveries++; spend() {
				return false, nil
			}
		}
	}
	actors, err := tx.RemoteActors()
	if err != nil {
		return false, err
	}
	for _, a := range actors {
		if covered(a.ID) {
			if err := tx.DeleteRemoteActor(a.ID); err != nil {
				return false, err
			}
			if n.Actors++; spend() {
				return false, nil
			}
		}
	}
	posts, err := tx.AllPosts()
	if err != nil {
		return false, err
	}
	for _, p := range posts {
		if !p.Local && (covered(p.Author) || covered(p.URI)) {
			if err := tx.DeletePost(p); err != nil {
				return false, err
			}
			if n.Posts++; spend() {
				return false, nil
			}
		}
	}
	tasks, err := tx.AllRemoteTasks()
	if err != nil {
		return false, err
	}
	for _, t := range tasks {
		if covered(t.Course) || covered(t.ID) {
			if err := tx.DeleteRemoteTask(t.Course, t.ID); err != nil {
				return false, err
			}
			if n.Tasks++; spend() {
				return false, nil
			}
		}
	}
	badges, err := tx.AllReceivedBadges()
	if err != nil {
		return false, err
	}
	for _, b := range badges {
		if covered(b.Issuer) || covered(b.Assertion) {
			if err := tx.DeleteReceivedBadge(b); err != nil {
				return false, err
			}
			if n.Badges++; spend() {
				return false, nil
			}
		}
	}
	return true, nil
}

// BlockFromCourse lets an organiser block an actor from a course: their
// enrolment ends (with a Reject, so their server knows) and they cannot
// enrol or post there again.
func (m *Moderation) BlockFromCourse(ctx context.Context, organiser, course, actor string) error {
	err := m.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(course)
		if err != nil {
			return err
		}
		if !c.IsOrganiser(organiser) {
			return domain.Errorf(domain.EFORBIDDEN, "Only organisers can block people from this %s.", domain.KindName(c.Kind))
		}
		if c.IsBlocked(actor) {
			return nil
		}
		if len(c.Blocked) >= domain.MaxBlocked {
			return domain.Errorf(domain.EINVALID, "The block list of this %s is full.", domain.KindName(c.Kind))
		}
		c.Blocked = append(c.Blocked, actor)
		if err := tx.PutCourse(c); err != nil {
			return err
		}
		fl, err := tx.Follower(course, actor)
		if domain.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteFollower(course, actor); err != nil {
			return err
		}
		if fl.Inbox == "" {
			return nil // a local person: nothing to send
		}
		remote, found, err := domain.Found(tx.RemoteActor(actor))
		if err != nil {
			return fmt.Errorf("service: block from course: %w", err)
		}
		if !found {
			return nil // forgotten (its Delete came): no one to tell
		}
		localID := m.URLs.Actor(domain.ActorCourse, course)
		ref := federation.FollowRef{ID: fl.ActivityID, Actor: actor, Object: localID}
		if fl.Lernejo {
			ref.Type = "Join"
		}
		id := m.newActivityID()
		return m.Queue.Queue(tx, course, id, federation.RejectFollow(id, localID, ref), []string{remote.Inbox})
	})
	if err == nil {
		m.Queue.Wake()
	}
	return err
}

// Report reports a post of a local course's discussion: a report kept
// here, which the course's organisers and the node's operator see. Anyone
// with an account may report anyone's post but their own; reporting a post
// again is the same report (a new comment replaces the old one). When an
// organiser reports a post of another server, a Flag about it (and its
// author) goes to the author's server too, from the node's Application
// actor, as Mastodon forwards reports.
func (m *Moderation) Report(ctx context.Context, reporter, postURI, comment string) error {
	comment = strings.TrimSpace(comment)
	err := m.Store.Update(ctx, func(tx domain.Tx) error {
		if _, err := tx.Person(reporter); err != nil {
			return err
		}
		p, err := tx.Post(postURI)
		if err != nil {
			return err
		}
		if isRemoteCourse(p.Course) {
			return domain.Errorf(domain.EINVALID, "This post is in a course on another server: report it there.")
		}
		c, err := tx.Course(p.Course)
		if err != nil {
			return err
		}
		by := m.URLs.Actor(domain.ActorPerson, reporter)
		if p.Author == by {
			return domain.Errorf(domain.EINVALID, "You cannot report your own post.")
		}
		r, found, err := domain.Found(tx.ReportBy(by, p.URI))
		if err != nil {
			return fmt.Errorf("service: report: %w", err)
		}
		if found {
			if comment == "" {
				return nil
			}
			r.Content, r.Resolved = comment, false
			r.ClipContent()
			return tx.PutReport(r)
		}
		r = &domain.Report{ID: m.NewID(), Reporter: by, Objects: []string{p.URI, p.Author}, Content: comment,
			Received: m.Now().UTC(), Course: c.Handle}
		r.ClipContent()
		if err := tx.PutReport(r); err != nil {
			return err
		}
		if err := m.notifyOrganisers(tx, c, domain.Notification{Kind: domain.NotifyReport, Actor: by, URL: "/courses/" + c.Handle + "/manage/discussion#reports"}); err != nil {
			return err
		}
		if _, _, ours := m.URLs.LocalActor(p.Author); p.Local || ours || !c.IsOrganiser(reporter) {
			return nil
		}
		author, err := tx.RemoteActor(p.Author)
		if err != nil {
			return err
		}
		id := m.newActivityID()
		flag := federation.Flag(id, m.URLs.Actor(domain.ActorApplication, domain.InstanceActorName),
			[]string{author.ID, p.URI}, comment)
		return m.Queue.Queue(tx, domain.InstanceActorName, id, flag, []string{author.DeliveryInbox()})
	})
	if err == nil {
		m.Queue.Wake()
	}
	return err
}

// reportsShown is how many reports about its posts a course's manage page
// shows, newest first.
const reportsShown = 20

// CourseReport is a report about a post of a course, as its manage page
// shows it: who reported (named as authors are) and the post's text.
type CourseReport struct {
	Report   *domain.Report
	Reporter string
	Post     *domain.Post // nil once the post is gone
}

// courseReportsTx is what courseReports reads: the reports, the posts and
// the reporters' names.
type courseReportsTx interface {
	authorTx
	domain.ModerationStore
	domain.PostStore
}

// courseReports is the newest reports about posts of course, for its
// organisers.
func (e *env) courseReports(tx courseReportsTx, course string) ([]CourseReport, error) {
	page, err := tx.CourseReportsPage(course, "", reportsShown)
	if err != nil {
		return nil, err
	}
	out := make([]CourseReport, 0, len(page.Items))
	for _, r := range page.Items {
		cr := CourseReport{Report: r}
		if cr.Reporter, _, err = e.authorOf(tx, r.Reporter); err != nil {
			return nil, err
		}
		for _, id := range r.Objects { // a report made here names the post first; a Flag may name its author first
			if cr.Post, _, err = domain.Found(tx.Post(id)); err != nil {
				return nil, fmt.Errorf("service: course reports: %w", err)
			}
			if cr.Post != nil {
				break
			}
		}
		out = append(out, cr)
	}
	return out, nil
}

// BlockedBy applies, inside the inbox's transaction, a block of a local
// actor (local: its id) by a remote actor: they no longer follow it, so
// nothing more is delivered to them on its behalf, and a local person's
// follow of them ends too. Undo{Block} changes nothing: following again
// is their choice.
func (m *Moderation) BlockedBy(tx domain.Tx, local, actor string) error {
	handle, typ, ok, err := localActor(tx, m.URLs, local)
	if err != nil || !ok || typ == domain.ActorApplication {
		return err
	}
	if _, follows, err := domain.Found(tx.Follower(handle, actor)); err != nil {
		return fmt.Errorf("service: blocked by: %w", err)
	} else if follows {
		if err := tx.DeleteFollower(handle, actor); err != nil {
			return err
		}
	}
	if typ == domain.ActorPerson {
		return tx.DeleteFollowing(handle, actor)
	}
	return nil
}

// ReceiveReport keeps, inside the inbox's transaction, a report that
// another server sent this node's operator (r: its reporter, the actors or
// posts reported, and the comment in plain text). The comment is truncated
// rather than refused (HOSTILE M5); an empty report is not kept, as there
// is nothing to show. A report about a post of a local course's discussion
// is that course's too, as a report made here is: its organisers see it on
// the manage page and are told.
func (m *Moderation) ReceiveReport(tx domain.Tx, r *domain.Report) error {
	r.ID, r.Received = m.NewID(), m.Now().UTC()
	r.ClipContent()
	if len(r.Objects) == 0 && r.Content == "" {
		return nil
	}
	c, err := m.reportedCourse(tx, r.Objects)
	if err != nil {
		return err
	}
	if c == nil {
		return tx.PutReport(r)
	}
	r.Course = c.Handle
	if err := tx.PutReport(r); err != nil {
		return err
	}
	return m.notifyOrganisers(tx, c, domain.Notification{Kind: domain.NotifyReport, Actor: r.Reporter, URL: "/courses/" + c.Handle + "/manage/discussion#reports"})
}

// reportedCourseTx is what reportedCourse reads.
type reportedCourseTx interface {
	domain.PostStore
	domain.CourseStore
}

// reportedCourse is the local course whose discussion holds the first of
// the reported objects that is a post stored here, or nil.
func (m *Moderation) reportedCourse(tx reportedCourseTx, objects []string) (*domain.Course, error) {
	for _, id := range objects {
		p, found, err := domain.Found(tx.Post(id))
		if err != nil {
			return nil, fmt.Errorf("service: receive report: %w", err)
		}
		if !found || isRemoteCourse(p.Course) {
			continue
		}
		c, found, err := domain.Found(tx.Course(p.Course))
		if err != nil || found {
			return c, err
		}
	}
	return nil, nil
}
