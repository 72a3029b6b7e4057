// Package inbox receives activities: verify the HTTP signature, check that
// the signer is the actor and that claimed objects live on its origin, drop
// duplicates, journal the raw bytes durably, answer 202, then process the
// journal with one handler per activity type.
package inbox

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/priority"
)

// Outbox is what the inbox needs of delivery: be told that the
// activities it applied queued deliveries, and that a host is alive again.
// What the activities send, the services queue.
type Outbox interface {
	Wake()
	HostAnswered(ctx context.Context, host string) error
}

// The inbox applies an activity by calling the use cases below, each
// inside the transaction that also removes the activity from the journal.
// It translates the activity into their terms (ids, domain records, text
// cleaned of remote HTML); the rules are theirs, the same for the people of
// this node. A refusal is a domain error; any other error is the store's.

// Enrolment is what the inbox needs of enrolment: follows and joins of
// local actors, answered as the course's rules say, their end, and the
// answers to our people's follows (service.Enrolment).
type Enrolment interface {
	// Receive answers a Follow or Join (follow.Type "Join", its content
	// answers) of a local actor.
	Receive(tx domain.Tx, follow federation.FollowRef, answers string) error
	// ReceiveAnswers keeps a reply to a course's sign-up questions as the
	// learner's answers, and reports whether the note was one.
	ReceiveAnswers(tx domain.FollowStore, actor, inReplyTo, content string) (bool, error)
	// Withdraw ends the follow an Undo{Follow} names.
	Withdraw(tx domain.Tx, actor, followID, local string) error
	// Leave ends a learner's enrolment in a course (Leave{course}).
	Leave(tx domain.Tx, course, actor string) error
	// Accepted and Rejected settle a local person's follow that the
	// remote actor by answered.
	Accepted(tx domain.Tx, followID, follower, by string) error
	Rejected(tx domain.Tx, followID, follower, by string) error
	// ActorDeleted ends every follow by and of an actor that deleted itself.
	ActorDeleted(tx domain.FollowStore, actor string) error
	// Followed reports whether local people follow a remote actor.
	Followed(tx domain.FollowStore, actor string) (bool, error)
}

// Discussion is what the inbox needs of course discussions: remote notes
// and their edits, deletions and reactions (service.Posts).
type Discussion interface {
	// Receive takes a public note into the discussion it belongs to.
	Receive(tx domain.Tx, p *domain.Post, addressees []string) error
	// Mirror keeps a note a followed remote course redistributed.
	Mirror(tx domain.Tx, course string, p *domain.Post) error
	// Backfill keeps a note of a followed course's earlier discussion.
	Backfill(tx domain.PostStore, course string, p *domain.Post) error
	ReceiveEdit(tx domain.PostStore, edit *domain.Post) error
	ReceiveDelete(tx domain.PostStore, actor, uri string) error
	React(tx domain.PostStore, kind, uri, actor, activityID string) error
	Unreact(tx domain.PostStore, activityID, actor string) error
}

// Learning is what the inbox needs of tasks: completions that came from
// elsewhere, kept with the badges they earn (service.Tasks).
type Learning interface {
	// RecordCompletion keeps an Add{Completion} of a learner elsewhere.
	RecordCompletion(tx domain.Tx, c *domain.Completion) error
	// CompleteByReply keeps the completion of a #done reply to taskPost.
	CompleteByReply(tx domain.Tx, taskPost string, c *domain.Completion) error
	// WithdrawCompletion removes a learner's completion (Remove).
	WithdrawCompletion(tx domain.CompletionStore, course, task, learner, id string) error
	// ReceiveTask keeps a task a followed Lernejo course added or changed.
	ReceiveTask(tx domain.Tx, t *domain.RemoteTask) error
	// ReceiveFeedback keeps a course's direct note in reply to a local
	// learner's completion (a comment, a review); kept is false for any
	// other note.
	ReceiveFeedback(tx domain.Tx, course, note, inReplyTo, content string, at time.Time) (kept bool, err error)
}

// Badges is what the inbox needs of badges: those that courses elsewhere
// award to local people, and votes from elsewhere for our courses' peer
// badges (service.Badges).
type Badges interface {
	ReceiveAward(tx domain.Tx, rb *domain.ReceivedBadge, mentioned []string) (bool, error)
	ReceiveRevoke(tx domain.ReceivedBadgeStore, issuer, note string) (bool, error)
	// ReceiveVote keeps a vote from a learner on another Lernejo node.
	ReceiveVote(tx domain.Tx, badge, voter, learner string) error
}

// Moderation is what the inbox needs of moderation: blocks of local actors
// and reports from other servers (service.Moderation).
type Moderation interface {
	BlockedBy(tx domain.Tx, local, actor string) error
	ReceiveReport(tx domain.Tx, r *domain.Report) error
}

// Schools is what the inbox needs of schools: courses of other servers
// asking to join a local school (Offer), and the answers of schools
// elsewhere to our courses' Offers (service.Schools).
type Schools interface {
	// ReceiveOffer takes the remote course's Offer into the school's queue.
	ReceiveOffer(tx domain.Tx, school, course, offerID string) error
	// OfferAnswered settles a local course's Offer that the school by
	// accepted or rejected.
	OfferAnswered(tx domain.Tx, course, offerID, by string, accepted bool) error
}

// Meetings is what the inbox needs of meetings: answers from elsewhere to
// the meetings of this node's courses, and the meetings of courses
// elsewhere that local people take part in (service.Meetings).
type Meetings interface {
	// IsMeeting reports whether id is the Event of a meeting of this node.
	IsMeeting(id string) bool
	// ReceiveAnswer keeps actor's answer to the meeting event of this node,
	// brought by the activity (or reply) whose id is activity.
	ReceiveAnswer(tx domain.Tx, actor, event string, a domain.RSVPAnswer, activity string) error
	// ReceiveJoin keeps a Join of the meeting event of this node (join.Object)
	// as going, and answers it with Accept or Reject of the Join.
	ReceiveJoin(tx domain.Tx, join federation.FollowRef) error
	// ReceiveEvent keeps a meeting of a course elsewhere that local people
	// follow.
	ReceiveEvent(tx domain.Tx, rm *domain.RemoteMeeting) error
}

// Reviews is what the inbox needs of peer review: reviews of the work
// learners submitted to this node's courses, from participants elsewhere
// (service.Reviews).
type Reviews interface {
	// ReceiveReview keeps the review (a record whose proof was checked) by
	// reviewer of work submitted for a task of a local course.
	ReceiveReview(tx domain.Tx, course, task, reviewer string, rec *federation.ReviewRecord) error
	// ReviewByReply reviews the work the post reply answers shows, when
	// reply is tagged #approve or #revise.
	ReviewByReply(tx domain.Tx, reply *domain.Post) error
}

// Config is what an Inbox needs.
type Config struct {
	Store    domain.Store
	URLs     federation.URLs
	Resolver *fetch.Resolver
	Outbox   Outbox
	// The use cases that apply activities: see Enrolment and the others.
	Enrolment  Enrolment
	Discussion Discussion
	Learning   Learning
	Badges     Badges
	Moderation Moderation
	Schools    Schools
	Meetings   Meetings
	Reviews    Reviews
	Logger     *slog.Logger
	Now        func() time.Time
	NewID      func() string
	// Sanitizer cleans HTML from other servers before it is stored.
	Sanitizer *federation.Sanitizer
	// Backlog bounds the activities one sending host may have waiting in
	// the journal; past it, its POSTs are refused with 429 until some are
	// processed. 0 means DefaultBacklog.
	Backlog int
	// Journal bounds the activities waiting in the journal from all hosts
	// together; past it, every POST is refused with 503 and Retry-After
	// until the processor has caught up. 0 means DefaultJournal.
	Journal int
	// Priority, if set, runs the inbox's work on the processor (checking
	// a POST, applying an activity) as background work, after the pages
	// people wait for; nil runs it at once.
	Priority *priority.Scheduler
}

// DefaultBacklog is Config.Backlog's default. The processor takes turns
// between hosts, so a host's backlog delays only that host; the bound is
// on what one host can leave on our disk and how far behind it can put
// itself: a thousand Follows, the slowest activity to apply, take the
// processor a minute or so, and a legitimate burst from a big instance
// (a popular post's replies and likes) fits with room to spare.
const DefaultBacklog = 1000

// DefaultJournal is Config.Journal's default: at the slowest the processor
// goes here (about a thousand activities a second, when each is a note to
// a big course), what is accepted is applied within ten seconds or so. A
// sender answered 503 retries later (Mastodon, GoToSocial and this node's
// outbox all do), so a burst bigger than this is delayed at its source
// instead of on our disk, and the lag cannot grow without bound.
const DefaultJournal = 10_000

// journalRetryAfter is the Retry-After of a refusal for a full journal.
const journalRetryAfter = 20 * time.Second

// backlogRetryAfter is the Retry-After of a refusal for a full backlog:
// long enough for the processor to take a few turns of the host's items.
// Mastodon retries a 429 (it is not among the 4xx answers it gives up on),
// with its own backoff, and so does this node's outbox.
const backlogRetryAfter = 30 * time.Second

// Inbox is the node's receiving side.
type Inbox struct {
	cfg    Config
	log    *slog.Logger
	handle map[string]handler // by activity type: see handlers
	wake   chan struct{}
	// writes carries journal writes to the one goroutine that commits them
	// in batches: one synced commit for many activities.
	writes chan *journalWrite
	done   chan struct{}
	close  sync.Once

	// decoded keeps the activities journalled by this process, decoded, so
	// the processor does not decode them a second time. Items journalled
	// before a restart are decoded from their bytes.
	decodedMu sync.Mutex
	decoded   map[string]*federation.Activity
	// waiting counts the decoded activities not yet processed: the
	// processor waits for a page of them, or for gatherFor.
	waiting atomic.Int64

	// arriving counts the requests in Receive still being checked; the
	// journal writer waits briefly for them.
	arriving atomic.Int32

	// backlog counts the journalled activities of each sending host
	// (InboxItem.Host) not yet processed: counted in by the journal writer
	// once committed, out by the processor once their removal is. The
	// processor takes turns between the hosts it names.
	backlogMu sync.Mutex
	backlog   map[string]int
	total     int       // the sum of backlog
	lag       time.Time // when the activity processed last was received

	// cursors is, for each host, the id of the last journal item the
	// processor read of it (kept when the host has nothing left, so that
	// its next items are not found by walking past the deletions of all it
	// sent before; cleared every few seconds); lastHost is the host it
	// served last, whose turn is over; failures counts how many times each
	// item failed. Only the processor goroutine touches them.
	cursors  map[string]string
	lastHost string
	failures map[string]int

	// backfills carries the courses whose recent discussion is to be read
	// (a course just accepted one of our people) to the goroutine that
	// reads them, so that a slow course server never holds up the
	// processing of everyone else's activities.
	backfills chan string
}

// maxDecoded bounds the decoded activities kept for the processor.
const maxDecoded = 4096

func (in *Inbox) keepDecoded(id string, act *federation.Activity) {
	in.decodedMu.Lock()
	defer in.decodedMu.Unlock()
	if in.decoded == nil {
		in.decoded = map[string]*federation.Activity{}
	}
	if len(in.decoded) < maxDecoded {
		in.decoded[id] = act
		in.waiting.Add(1)
	}
}

func (in *Inbox) takeDecoded(id string) (*federation.Activity, bool) {
	in.decodedMu.Lock()
	defer in.decodedMu.Unlock()
	act, ok := in.decoded[id]
	delete(in.decoded, id)
	return act, ok
}

// New makes an Inbox, counting what the journal holds of each host (and
// giving a host to the items of versions that journalled none).
func New(ctx context.Context, cfg Config) (*Inbox, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sanitizer == nil {
		cfg.Sanitizer = federation.NewSanitizer()
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	if cfg.Journal <= 0 {
		cfg.Journal = DefaultJournal
	}
	in := &Inbox{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1),
		writes: make(chan *journalWrite, 256), done: make(chan struct{}), cursors: map[string]string{},
		backfills: make(chan string, maxBackfillsWaiting)}
	in.handle = in.handlers()
	if err := in.countBacklog(ctx); err != nil {
		return nil, fmt.Errorf("inbox: count the journal: %w", err)
	}
	go in.journalLoop()
	return in, nil
}

// countBacklog sets the backlog counts from the journal's index by host.
// Items journalled by versions before the index have no host: each is
// given the one the journal gives now (its signer's) and so indexed.
func (in *Inbox) countBacklog(ctx context.Context) error {
	var total int
	err := in.cfg.Store.View(ctx, func(tx domain.Tx) (err error) {
		if total, err = tx.InboxLen(); err != nil {
			return err
		}
		in.backlog, err = tx.InboxBacklog()
		return err
	})
	if err != nil {
		return err
	}
	indexed := 0
	for _, n := range in.backlog {
		indexed += n
	}
	in.total = total
	if indexed == total {
		return nil
	}
	for after := ""; ; {
		var page []*domain.InboxItem
		if err := in.cfg.Store.View(ctx, func(tx domain.Tx) (err error) {
			page, err = tx.InboxItems(after, pageSize)
			return err
		}); err != nil || len(page) == 0 {
			return err
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			if it.Host != "" {
				continue
			}
			it.Host = senderOf(it.Signer)
			// One transaction each: an item may be as large as MaxBody.
			if err := in.cfg.Store.Update(ctx, func(tx domain.Tx) error { return tx.PutInboxItem(it) }); err != nil {
				return err
			}
			in.backlog[it.Host]++
		}
	}
}

// senderOf is the sending host of an actor, as journal items and the
// per-host limits know it. Signers are verified URLs; only a damaged item
// of an earlier version could have one without a host, and it is counted
// under "unknown" rather than left out.
func senderOf(actor string) string {
	if h := federation.RegistrableDomain(hostOf(actor)); h != "" {
		return h
	}
	return "unknown"
}

// Backlog is how many activities are journalled and not yet processed, and
// how long the one processed last had waited (0 when none is waiting): the
// processor's lag behind the inbox. Both are read from memory.
func (in *Inbox) Backlog() (waiting int, lag time.Duration) {
	in.backlogMu.Lock()
	defer in.backlogMu.Unlock()
	if in.total > 0 && !in.lag.IsZero() {
		lag = in.cfg.Now().Sub(in.lag)
	}
	return in.total, lag
}

// counted adds n (negative: takes) to each item's host's backlog.
func (in *Inbox) counted(items []*domain.InboxItem, n int) {
	in.backlogMu.Lock()
	defer in.backlogMu.Unlock()
	for _, it := range items {
		if in.backlog[it.Host] += n; in.backlog[it.Host] <= 0 {
			delete(in.backlog, it.Host)
		}
		if n < 0 && it.Received.After(in.lag) {
			in.lag = it.Received
		}
	}
	in.total = max(0, in.total+n*len(items))
}

// backlogFull refuses an activity from host when the journal holds
// Config.Journal activities (503), or host has Config.Backlog of them
// waiting (429), counting those about to be journalled with it: pending of
// host's and pendingAll in all.
func (in *Inbox) backlogFull(host string, pending, pendingAll int) *Error {
	in.backlogMu.Lock()
	fromHost, all := in.backlog[host]+pending, in.total+pendingAll
	in.backlogMu.Unlock()
	if all >= in.cfg.Journal {
		return &Error{Status: http.StatusServiceUnavailable, Reason: "journal_full", RetryAfter: journalRetryAfter,
			Err: fmt.Errorf("%d activities are waiting to be processed", all)}
	}
	if fromHost >= in.cfg.Backlog {
		return &Error{Status: http.StatusTooManyRequests, Reason: "backlog", RetryAfter: backlogRetryAfter,
			Err: fmt.Errorf("%s has %d activities waiting to be processed", host, fromHost)}
	}
	return nil
}

// Close stops the journal writer. Receive must not be called after Close.
func (in *Inbox) Close() {
	in.close.Do(func() { close(in.done) })
}

// MaxBody is the largest activity the inbox takes (HOSTILE P1).
const MaxBody = federation.MaxActivityBytes

// DiskFullRetry is the Retry-After of an inbox that refuses work because the
// node's disk is nearly full.
const DiskFullRetry = time.Minute

// SeenTTL is how long an activity id is remembered for dedupe (HOSTILE B10).
const SeenTTL = 30 * 24 * time.Hour

// Request is an inbound POST, independent of the HTTP framework. Body must
// be the exact bytes received, owned by the request (Fiber reuses buffers).
type Request struct {
	Method string
	Path   string // escaped path
	Query  string // raw query
	Header http.Header
	Body   []byte
	// Admit, when set, is asked about the sending host (the registrable
	// domain of the signing key's host, federation.RegistrableDomain) once
	// the signature header has been read, before the key is looked up: the
	// web layer's per-host rate limit. A refusal it returns is the answer.
	Admit func(sender string) *Error
}

// Error is a refusal with the HTTP status to answer.
type Error struct {
	Status     int
	Reason     string // a short, stable reason for logs and metrics
	Err        error
	RetryAfter time.Duration // for 429 and 503: when to try again, if known
}

func (e *Error) Error() string { return fmt.Sprintf("inbox: %s (%d): %v", e.Reason, e.Status, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func refuse(status int, reason string, err error) *Error {
	return &Error{Status: status, Reason: reason, Err: err}
}

// Receive checks an inbound POST and journals it. A nil error means the
// activity is durably stored (or was a duplicate) and 202 may be answered.
func (in *Inbox) Receive(ctx context.Context, r Request) error {
	in.arriving.Add(1)
	act, signer, err := in.checkInTurn(ctx, r)
	in.arriving.Add(-1)
	if err != nil || act == nil {
		return err
	}
	return in.journal(ctx, act, signer)
}

// checkInTurn is check as background work (see Config.Priority).
func (in *Inbox) checkInTurn(ctx context.Context, r Request) (*federation.Activity, string, error) {
	release, err := in.cfg.Priority.Background(ctx)
	if err != nil {
		return nil, "", &Error{Status: http.StatusServiceUnavailable, Reason: "busy", Err: err, RetryAfter: busyRetryAfter}
	}
	defer release()
	return in.check(ctx, r)
}

// busyRetryAfter is the Retry-After of a POST that waited its whole
// deadline for a turn to be checked.
const busyRetryAfter = 10 * time.Second

// check does everything Receive does before the journal: it returns the
// activity and its signer, a refusal, or nil and no error for an activity
// that is acknowledged and dropped at once.
func (in *Inbox) check(ctx context.Context, r Request) (_ *federation.Activity, signer string, _ error) {
	if len(r.Body) > MaxBody {
		return nil, "", refuse(http.StatusRequestEntityTooLarge, "too_large", fmt.Errorf("body of %d bytes", len(r.Body)))
	}
	if !activityContentType(r.Header.Get("Content-Type")) {
		return nil, "", refuse(http.StatusUnsupportedMediaType, "content_type", fmt.Errorf("content type %q", r.Header.Get("Content-Type")))
	}
	hr, err := http.NewRequestWithContext(ctx, r.Method, "http://"+in.cfg.URLs.Host()+r.Path, nil)
	if err != nil {
		return nil, "", refuse(http.StatusBadRequest, "bad_request", err)
	}
	hr.URL.RawPath, hr.URL.RawQuery = r.Path, r.Query
	hr.Header = r.Header
	// The signature may be draft-cavage or RFC 9421 (Signature-Input, which wins when both are
	// present); either is checked against the node's own scheme and host, never the request's.
	opt := httpsig.VerifyOptions{Host: in.cfg.URLs.Host(), Scheme: in.cfg.URLs.Scheme(), Now: in.cfg.Now()}
	params, err := httpsig.Check(hr, r.Body, opt)
	if err != nil {
		return nil, "", refuse(http.StatusUnauthorized, "signature", err)
	}
	keyHost := hostOf(params.KeyID)
	// A host with a full backlog, or anyone while the journal is full, is
	// refused before the signature costs anything; the journal writer
	// checks again, for requests checked together (the key's host is the
	// signer's: S8).
	sender := federation.RegistrableDomain(keyHost)
	if err := in.backlogFull(sender, 0, 0); err != nil {
		return nil, "", err
	}
	if r.Admit != nil {
		if err := r.Admit(sender); err != nil {
			return nil, "", err
		}
	}
	// A signer on a blocked domain is refused before any key fetch (S13, M1).
	if err := in.refuseBlocked(keyHost); err != nil {
		return nil, "", err
	}
	act, err := federation.DecodeActivityAt(r.Body, opt.Now)
	if err != nil {
		return nil, "", refuse(http.StatusBadRequest, "decode", err)
	}
	if actorHost := hostOf(act.Actor); actorHost != keyHost {
		if err := in.refuseBlocked(actorHost); err != nil {
			return nil, "", err
		}
	}
	// Nothing on our own host comes from outside (O10).
	if federation.SameOrigin(act.Actor, in.cfg.URLs.Base()) || federation.SameOrigin(act.ID, in.cfg.URLs.Base()) {
		return nil, "", refuse(http.StatusForbidden, "local_id", errors.New("activity claims an id on this node"))
	}
	// A Delete of an actor we never knew: its key is usually gone (410), so
	// answer 202 without fetching anything (HOSTILE M6).
	if act.Type == "Delete" && act.Object != nil && act.Object.ID == act.Actor {
		if known, err := in.knownActor(ctx, act.Actor); err == nil && !known {
			return nil, "", nil
		}
	}
	key, err := in.verify(ctx, hr, params, opt)
	if err != nil {
		return nil, "", err
	}
	// The signer must be the actor: no LD signatures, no relaying (S7).
	if key.ID != act.Actor {
		return nil, "", refuse(http.StatusUnauthorized, "signer_not_actor", fmt.Errorf("signed by %s, actor %s", key.ID, act.Actor))
	}
	if err := checkOrigins(act); err != nil {
		return nil, "", refuse(http.StatusBadRequest, "origin", err)
	}
	return act, key.ID, nil
}

// verify finds the signer's key and checks the signature. A failure with a
// cached key refetches the key once (rotation), rate-limited per actor (S11).
func (in *Inbox) verify(ctx context.Context, hr *http.Request, params *httpsig.Params, opt httpsig.VerifyOptions) (*domain.RemoteActor, error) {
	if a, pub := in.multikey(ctx, params); a != nil {
		if err := httpsig.Verify(hr, params, pub, opt); err != nil {
			return nil, refuse(http.StatusUnauthorized, "signature", err)
		}
		return a, nil
	}
	signer, fresh, err := in.cfg.Resolver.KeyOwner(ctx, params.KeyID)
	if err != nil {
		if errors.Is(err, fetch.ErrLocalID) {
			return nil, refuse(http.StatusUnauthorized, "local_key", err)
		}
		return nil, refuse(http.StatusUnauthorized, "key_fetch", err)
	}
	check := func(a *domain.RemoteActor) error {
		pub, err := in.cfg.Resolver.PublicKey(a)
		if err != nil {
			return err
		}
		return httpsig.Verify(hr, params, pub, opt)
	}
	err = check(signer)
	if err != nil && !fresh && in.cfg.Resolver.MayRefetch(signer.ID) {
		if again, rerr := in.cfg.Resolver.Refresh(ctx, signer.ID); rerr == nil && again.KeyID == params.KeyID {
			signer, err = again, check(again)
		}
	}
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "signature", err)
	}
	return signer, nil
}

// multikey finds the key of an RFC 9421 signature whose keyid is one of
// the Ed25519 Multikeys its actor lists in assertionMethod (FEP-521a,
// read by the resolver with the actor as controller, on the actor's
// origin): the issue asks for ed25519 with such keys. It returns nil when
// the keyid is not such a key; the signature is then checked with the
// actor's publicKey, as for draft-cavage. A key the cached actor does not
// list falls through too, and the publicKey path refetches the actor.
func (in *Inbox) multikey(ctx context.Context, params *httpsig.Params) (*domain.RemoteActor, ed25519.PublicKey) {
	if params.RFC9421 == nil {
		return nil, nil
	}
	actorID, _, ok := strings.Cut(params.KeyID, "#")
	if !ok {
		return nil, nil
	}
	a, err := in.cfg.Resolver.Actor(ctx, actorID)
	if err != nil || a.KeyID == params.KeyID {
		return nil, nil
	}
	pub, ok := a.AssertionKeys[params.KeyID]
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, nil
	}
	return a, ed25519.PublicKey(pub)
}

// refuseBlocked answers 403 when host is on a blocked domain (M1, M3).
func (in *Inbox) refuseBlocked(host string) error {
	if host != "" && in.cfg.Store.DomainBlocked(host) {
		return refuse(http.StatusForbidden, "blocked", fmt.Errorf("%s is on a blocked domain", host))
	}
	return nil
}

// hostOf is the canonical host of a URL, or "" when it has none.
func hostOf(rawURL string) string {
	h, _ := federation.HostOf(rawURL)
	return h
}

func (in *Inbox) knownActor(ctx context.Context, id string) (bool, error) {
	known := false
	err := in.cfg.Store.View(ctx, func(tx domain.Tx) error {
		_, err := tx.RemoteActor(id)
		if err == nil {
			known = true
			return nil
		}
		if domain.IsNotFound(err) {
			return nil
		}
		return err
	})
	return known, err
}

// checkOrigins refuses activities that claim things the actor does not own:
// the activity's id and, for Create and Update, the object's id must be on
// the actor's origin and the object attributed to the actor (O1, O3); an
// actor document may be updated by that actor alone.
func checkOrigins(act *federation.Activity) error {
	if !federation.SameOrigin(act.ID, act.Actor) {
		return fmt.Errorf("activity %s is not on the origin of its actor %s", act.ID, act.Actor)
	}
	o := act.Object
	if o == nil {
		return nil
	}
	switch act.Type {
	case "Create", "Update":
		if o.ID != "" && !federation.SameOrigin(o.ID, act.Actor) {
			return fmt.Errorf("object %s is not on the origin of its actor", o.ID)
		}
		if isActorType(o.Type) {
			// An actor is its own: only it updates itself. Its
			// attributedTo names who runs it (a course's organisers, a
			// Lemmy community's moderators), not an author.
			if act.Type == "Update" && o.ID != act.Actor {
				return fmt.Errorf("update of actor %s by %s", o.ID, act.Actor)
			}
			return nil
		}
		if o.AttributedTo != "" && o.AttributedTo != act.Actor {
			return fmt.Errorf("object attributed to %s, not to the actor", o.AttributedTo)
		}
	case "Delete", "Undo":
		if o.ID != "" && !federation.SameOrigin(o.ID, act.Actor) {
			return fmt.Errorf("%s of %s from another origin", act.Type, o.ID)
		}
	}
	return nil
}

func isActorType(t string) bool {
	switch t {
	case "Person", "Group", "Organization", "Application", "Service":
		return true
	}
	return false
}

// journalWrite is one activity waiting to be journalled.
type journalWrite struct {
	item *domain.InboxItem
	act  *federation.Activity
	err  chan error
}

// maxBatch bounds how many activities share one commit, and maxBatchBytes
// their raw bytes (one activity of up to MaxBody always goes alone), under
// Badger's transaction size limit (15 % of a memtable).
const (
	maxBatch      = 128
	maxBatchBytes = 1 << 20
)

// journalLinger is the longest a commit waits for requests still being
// checked; it adds at most this to the answer of a busy inbox.
const journalLinger = 4 * time.Millisecond

// journal stores the activity durably unless it was seen before (D3), and
// returns once it is committed. Concurrent calls share one synced commit:
// Badger's SyncWrites costs a sync per transaction, and concurrent writers
// barely group-commit on their own (DESIGN.md §11).
func (in *Inbox) journal(ctx context.Context, act *federation.Activity, signer string) error {
	w := &journalWrite{
		item: &domain.InboxItem{
			ActivityID: act.ID,
			Signer:     signer,
			Host:       senderOf(signer),
			Raw:        act.Raw,
			Received:   in.cfg.Now().UTC(),
		},
		act: act,
		err: make(chan error, 1),
	}
	select {
	case in.writes <- w:
	case <-ctx.Done():
		return refuse(http.StatusServiceUnavailable, "journal_busy", ctx.Err())
	case <-in.done:
		return refuse(http.StatusServiceUnavailable, "shutting_down", errors.New("inbox closed"))
	}
	// The write is queued: wait for its commit even if the client gives up,
	// so a 202 is never sent for something that might not be stored.
	if err := <-w.err; err != nil {
		var ie *Error
		if errors.As(err, &ie) {
			return ie
		}
		if domain.IsUnavailable(err) {
			return &Error{Status: http.StatusServiceUnavailable, Reason: "disk_full", Err: err, RetryAfter: DiskFullRetry}
		}
		return refuse(http.StatusInternalServerError, "journal", err)
	}
	select {
	case in.wake <- struct{}{}:
	default:
	}
	return nil
}

// journalLoop commits queued journal writes in batches until Close.
func (in *Inbox) journalLoop() {
	var carry *journalWrite // taken from the queue, left for the next commit
	for {
		var batch []*journalWrite
		if carry != nil {
			batch, carry = []*journalWrite{carry}, nil
		} else {
			select {
			case w := <-in.writes:
				batch = []*journalWrite{w}
			case <-in.done:
				return
			}
		}
		batch, carry = in.gather(batch)
		// Ids are given here, in commit order, so an item committed later
		// never sorts before one the processor has already read.
		for _, w := range batch {
			w.item.ID = in.cfg.NewID()
		}
		var put map[*journalWrite]bool    // writes journalled by this commit
		var full map[*journalWrite]*Error // writes refused for their host's backlog
		err := in.cfg.Store.Update(context.Background(), func(tx domain.Tx) error {
			put, full = map[*journalWrite]bool{}, map[*journalWrite]*Error{} // the transaction may run again
			inBatch := map[string]bool{}
			added, addedAll := map[string]int{}, 0 // by host, and in all
			for _, w := range batch {
				id, host := w.item.ActivityID, w.item.Host
				seen, err := tx.Seen(id)
				if err != nil {
					return err
				}
				if seen || inBatch[id] {
					continue // acknowledged, dropped
				}
				if refusal := in.backlogFull(host, added[host], addedAll); refusal != nil {
					full[w] = refusal
					continue
				}
				inBatch[id] = true
				added[host]++
				addedAll++
				if err := tx.MarkSeen(id, SeenTTL); err != nil {
					return err
				}
				if err := tx.PutInboxItem(w.item); err != nil {
					return err
				}
				put[w] = true
			}
			return nil
		})
		// Counted before anyone hears of the commit, so the processor (and a
		// test's ProcessPending) finds every acknowledged item.
		if err == nil {
			var items []*domain.InboxItem
			for _, w := range batch {
				if put[w] {
					items = append(items, w.item)
					in.keepDecoded(w.item.ID, w.act)
				}
			}
			in.counted(items, 1)
		}
		for _, w := range batch {
			switch {
			case err != nil:
				w.err <- err
			case full[w] != nil:
				w.err <- full[w]
			default:
				w.err <- nil
			}
		}
	}
}

// gather adds queued writes to batch, up to maxBatch activities and
// maxBatchBytes of them; a write that does not fit is returned as carry, for
// the next commit. While requests are still being checked (they will want to
// be journalled in a moment) it waits up to journalLinger for them, so that
// under load one synced commit serves many activities; an idle inbox
// commits at once.
func (in *Inbox) gather(batch []*journalWrite) (_ []*journalWrite, carry *journalWrite) {
	size := 0
	for _, w := range batch {
		size += len(w.item.Raw)
	}
	// take adds w to the batch, or keeps it as carry when the batch is
	// full; it reports whether there is room for more.
	take := func(w *journalWrite) bool {
		if size+len(w.item.Raw) > maxBatchBytes {
			carry = w
			return false
		}
		batch, size = append(batch, w), size+len(w.item.Raw)
		return len(batch) < maxBatch
	}
	room := len(batch) < maxBatch
drain: // what is queued already
	for room {
		select {
		case w := <-in.writes:
			room = take(w)
		default:
			break drain
		}
	}
	if !room || in.arriving.Load() == 0 {
		return batch, carry
	}
	linger := time.NewTimer(journalLinger)
	defer linger.Stop()
	for room && in.arriving.Load() > 0 {
		select {
		case w := <-in.writes:
			room = take(w)
		case <-linger.C:
			return batch, carry
		}
	}
	return batch, carry
}

// activityContentType accepts what federation.IsActivityStreamsContentType
// does (HOSTILE P9) and, from senders, application/ld+json with no profile at
// all: some servers leave it out, and the body is checked like any other.
func activityContentType(ct string) bool {
	if federation.IsActivityStreamsContentType(ct) {
		return true
	}
	mt, params, err := mime.ParseMediaType(ct)
	_, profiled := params["profile"]
	return err == nil && mt == "application/ld+json" && !profiled
}
