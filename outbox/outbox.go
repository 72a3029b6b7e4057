// Package outbox is the delivery engine, and only that: it holds no use
// cases (those are in service/, which queues through Outbox.Queue).
//
// An activity and its deliveries (one per distinct inbox) are written in the
// same store transaction as the change that caused them (HOSTILE D1), so a
// crash can lose neither. Run loads due deliveries, signs each POST at send
// time with the actor's key (RFC 9421 or draft-cavage, whichever the host is
// known to accept: knock.go), and retries failures with Mastodon's backoff
// over about two to three days. Concurrency is bounded globally and per host;
// a host that keeps failing on seven distinct days is marked unavailable and
// skipped until it answers again (HOSTILE D4–D11).
package outbox

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

// Defaults for zero Config fields.
const (
	// DefaultWorkers is the default number of POSTs in flight across all hosts
	// (besides at most as many slow ones: see Config.SlowAfter). It is sized
	// for network latency, not CPUs: a POST spends most of its life waiting
	// on a remote server.
	DefaultWorkers = 200
	// DefaultPerHost is the default number of POSTs in flight to one host, so
	// one big fan-out does not hammer a single server (HOSTILE D7, F11).
	DefaultPerHost = 8
	// DefaultSlowAfter is how long a POST waits for its answer before its
	// host counts as slow: see Config.SlowAfter. A healthy inbox answers in
	// well under a second (Mastodon queues the activity, then says 202).
	DefaultSlowAfter = time.Second
	// slowPerHost is the most POSTs in flight to a host that is not known
	// to answer within SlowAfter: one that has not answered yet (a first
	// contact, or a host that was slow) gets at most this many until it
	// answers quickly, so a slow host holds at most this many workers.
	slowPerHost = 2
	// DefaultPollInterval is how often due deliveries are looked for without
	// a Wake (retries become due as the clock moves).
	DefaultPollInterval = time.Second
	// ContentType is the media type of every delivery, as Mastodon sends it.
	ContentType = "application/activity+json"
)

// Config configures an Outbox.
type Config struct {
	// Store holds activities, deliveries and host health.
	Store domain.Store
	// HTTP is the guarded client for POSTs (fetch.Client.HTTP()): it
	// refuses private addresses in production and never follows redirects.
	HTTP *http.Client
	// URLs builds key ids, and names this node's own host, whose inboxes are
	// never queued.
	URLs federation.URLs
	// Logger receives delivery logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. It dates signatures (D8) and
	// decides what is due.
	Now func() time.Time
	// NewID makes delivery ids (ULIDs); nil means ulid.Make.
	NewID func() string
	// Workers is the number of POSTs in flight across all hosts, besides at
	// most as many slow ones (SlowAfter); 0 means DefaultWorkers.
	Workers int
	// PerHost is the number of POSTs in flight to one host; 0 means
	// DefaultPerHost.
	PerHost int
	// UserAgent is sent with every POST; "" means "Lernejo".
	UserAgent string
	// PollInterval is how often due deliveries are looked for without a
	// Wake; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// SlowAfter is how long a POST may wait for its answer (on the real
	// clock, not Now) before it is slow: its host then gets at most two
	// POSTs in flight until it answers within SlowAfter again, and the POST
	// gives its worker back, waiting on among at most Workers slow ones, so
	// that slow hosts cannot hold the workers that the fast ones need. 0
	// means DefaultSlowAfter.
	SlowAfter time.Duration
	// Observe, if set, is told each recorded outcome ("sent", "refused",
	// "failed", "abandoned") and whether the delivery will be retried.
	Observe func(outcome string, retrying bool)
}

// Outbox queues and delivers activities. Queue, Wake and
// HostAnswered are safe for concurrent use; Run runs once at a time.
type Outbox struct {
	store     domain.Store
	http      *http.Client
	urls      federation.URLs
	log       *slog.Logger
	now       func() time.Time
	newID     func() string
	workers   int
	perHost   int
	userAgent string
	poll      time.Duration
	slowAfter time.Duration

	observe func(outcome string, retrying bool)

	breakers breakers // per-inbox circuit breakers (HOSTILE D6)

	wake     chan struct{}
	running  atomic.Bool
	signJobs chan signJob // to the signers, one per CPU, while Run runs: see post

	keyMu sync.Mutex
	keys  map[string]*signingKey // by local handle

	// hostState holds the availability of the hosts whose state this Outbox
	// changed (true: unavailable), newer than what a scan read.
	hostMu    sync.Mutex
	hostState map[string]bool

	// schemes holds the signature scheme of the hosts whose scheme this
	// Outbox learnt, newer than what a scan read (knock.go).
	schemeMu sync.Mutex
	schemes  map[string]knownScheme
}

// signingKey is a local actor's parsed private key and the id it is
// published under. Parsing a PEM RSA key costs far more than a lookup, so
// each is parsed once per process.
type signingKey struct {
	key   *rsa.PrivateKey
	keyID string
}

// New returns an Outbox. Nothing runs until Run.
func New(cfg Config) *Outbox {
	o := &Outbox{
		store:     cfg.Store,
		http:      cfg.HTTP,
		urls:      cfg.URLs,
		log:       cfg.Logger,
		now:       cfg.Now,
		newID:     cfg.NewID,
		workers:   cfg.Workers,
		perHost:   cfg.PerHost,
		userAgent: cfg.UserAgent,
		observe:   cfg.Observe,
		poll:      cfg.PollInterval,
		slowAfter: cfg.SlowAfter,
		wake:      make(chan struct{}, 1),
		keys:      make(map[string]*signingKey),
		hostState: make(map[string]bool),
		schemes:   make(map[string]knownScheme),
	}
	if o.http == nil {
		o.http = fetch.NewClient(fetch.Config{}).HTTP()
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.newID == nil {
		o.newID = func() string { return ulid.Make().String() }
	}
	if o.workers <= 0 {
		o.workers = DefaultWorkers
	}
	if o.perHost <= 0 {
		o.perHost = DefaultPerHost
	}
	if o.userAgent == "" {
		o.userAgent = "Lernejo"
	}
	if o.poll <= 0 {
		o.poll = DefaultPollInterval
	}
	if o.slowAfter <= 0 {
		o.slowAfter = DefaultSlowAfter
	}
	return o
}

// Queue writes the activity and one delivery per distinct inbox inside the
// caller's transaction, so the change that causes an activity and its
// deliveries commit together (HOSTILE D1). Empty inboxes and duplicates are
// skipped; inboxes on this node's own host are skipped too (local delivery is
// the caller's business), and so are inboxes that are not absolute http(s)
// URLs (logged). actor is the handle of the local actor that signs
// (domain.InstanceActorName for the node's Application actor). Call Wake
// after the transaction commits.
//
// Queue has no outside effects, so it is safe inside Store.Update, which may
// run its function more than once.
func (o *Outbox) Queue(tx domain.DeliveryStore, actor string, activityID string, activityJSON []byte, inboxes []string) error {
	if actor == "" || activityID == "" || len(activityJSON) == 0 {
		return domain.Errorf(domain.EINVALID, "An activity needs an actor, an id and a body.")
	}
	now := o.now()
	if err := tx.PutActivity(&domain.OutActivity{ID: activityID, Actor: actor, JSON: activityJSON, Created: now,
		KeepFor: keepFor(activityJSON)}); err != nil {
		return err
	}
	seen := make(map[string]bool, len(inboxes))
	for _, inbox := range inboxes {
		inbox = strings.TrimSpace(inbox)
		if inbox == "" || seen[inbox] {
			continue
		}
		seen[inbox] = true
		host, err := federation.HostOf(inbox)
		if err != nil {
			o.log.Warn("outbox: inbox skipped", slog.String("inbox", inbox), slog.String("activity_id", activityID), slog.Any("err", err))
			continue
		}
		if host == o.urls.Host() {
			continue
		}
		d := &domain.Delivery{
			ID:         o.newID(),
			ActivityID: activityID,
			Actor:      actor,
			Inbox:      inbox,
			NextAt:     now,
			Created:    now,
		}
		if err := tx.PutDelivery(d); err != nil {
			return err
		}
	}
	return nil
}

// Wake makes a running Run look for due deliveries now rather than at its
// next poll. It never blocks.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// HostAnswered marks a host available again and clears its failure days; the
// inbox calls it when the host sends us a signed activity (HOSTILE D5, as
// Mastodon's InboxesController calls DeliveryFailureTracker.reset!). host is
// a host[:port] or a URL; it is canonicalised. A host we know nothing bad
// about costs one read and no write.
func (o *Outbox) HostAnswered(ctx context.Context, host string) error {
	h, err := canonicalHostOrURL(host)
	if err != nil {
		return domain.Errorf(domain.EINVALID, "bad host %q: %v", host, err)
	}
	var bad bool
	if err := o.store.View(ctx, func(tx domain.Tx) error {
		hh, err := tx.HostHealth(h)
		if domain.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		bad = hh.Unavailable || len(hh.FailureDays) > 0
		return nil
	}); err != nil || !bad {
		return err
	}
	var wasUnavailable bool
	err = o.store.Update(ctx, func(tx domain.Tx) error {
		var err error
		wasUnavailable, err = resetHost(tx, h, knownScheme{})
		return err
	})
	if err != nil {
		return err
	}
	o.setHostState(h, false)
	if wasUnavailable {
		o.log.Info("outbox: host available again", slog.String("host", h))
	}
	return nil
}

// Run delivers until ctx ends, then returns nil. On return no POST is in
// flight; deliveries whose POST was cancelled are still queued (they are
// only removed on a final answer), so a restart resumes them (HOSTILE D11,
// D1; GoToSocial requeues on its own context's cancellation too). Only one
// Run may run at a time.
func (o *Outbox) Run(ctx context.Context) error {
	if !o.running.CompareAndSwap(false, true) {
		return errors.New("outbox: Run is already running")
	}
	defer o.running.Store(false)

	o.signJobs = make(chan signJob)
	for range runtime.GOMAXPROCS(0) {
		go signLoop(o.signJobs)
	}
	defer close(o.signJobs) // after the last worker is done (below)

	s := newScheduler(o)
	// Outcomes are written by one recorder, many per transaction. It keeps
	// running while Run drains, so answers already received are recorded.
	outcomes := make(chan attemptResult, o.workers)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		o.recordLoop(context.WithoutCancel(ctx), outcomes, s.done)
	}()
	defer func() {
		close(outcomes)
		<-recorded
	}()

	tick := time.NewTicker(o.poll)
	defer tick.Stop()
	s.scan(ctx)
	for {
		s.dispatch(ctx, outcomes)
		select {
		case <-ctx.Done():
			for s.active+s.slowActive > 0 {
				s.finish(<-s.done)
			}
			return nil
		case f := <-s.slow:
			s.slowed(f)
		case it := <-s.done:
			s.finish(it)
			if s.shouldRescan() {
				s.scan(ctx)
			}
		case <-o.wake:
			s.scan(ctx)
		case <-tick.C:
			s.scan(ctx)
		}
	}
}

// ActivityRetention is how long an activity that carries no post (Follow,
// Accept, Undo, Update, Delete, Like, Flag, …) is kept after it is queued:
// longer than its deliveries can be retried (about three days), then it
// goes, so the store does not grow with every follow and edit forever.
// Creates and Announces stay: the outboxes and post pages serve them.
const ActivityRetention = 30 * 24 * time.Hour

// keepFor is how long an outgoing activity is kept: see ActivityRetention.
func keepFor(activityJSON []byte) time.Duration {
	var a struct{ Type string }
	if json.Unmarshal(activityJSON, &a) != nil {
		return 0
	}
	switch a.Type {
	case "Create", "Announce":
		return 0
	}
	return ActivityRetention
}

// Scheduler sizes. Deliveries are read from the store in due order and held
// in memory until they are sent; these bound that memory and the cost of a
// scan (each scan decodes every delivery it reads).
const (
	minHeld = 1024   // held deliveries (pending + in flight), at least
	maxScan = 20_000 // deliveries read by one scan, at most
)

// item is a delivery held by the scheduler, with what its POST needs, loaded
// by the scan that found it: one read per distinct activity, host and signer
// per scan rather than one transaction per delivery.
type item struct {
	d           *domain.Delivery
	host        string
	act         *domain.OutActivity // nil: not found (the delivery is dropped)
	unavailable bool                // the host was unavailable when scanned
	scheme      knownScheme         // the host's signature scheme when scanned
	key         *signingKey         // nil: no usable key (the delivery is dropped)
	loadErr     string              // why act or key could not be loaded
}

// scheduler is Run's state. It lives in Run's goroutine only: workers and the
// recorder report back on done. A delivery leaves known only here, after its
// outcome is committed, so a scan never picks up a stale copy of a delivery
// that is no longer held (that scan's snapshot starts later).
//
// Workers bound the POSTs in flight (active), but a POST that has waited
// SlowAfter for its answer gives its worker back and waits on as one of at
// most Workers slow ones (slowActive): otherwise a hundred hosts that take
// seconds to answer, or thirty seconds to time out, would hold every worker
// while the fast hosts' deliveries wait behind them. A host answering
// within SlowAfter is fast (hostFast) and gets PerHost POSTs in flight;
// any other host, slow or not yet heard from, gets at most slowPerHost.
type scheduler struct {
	o           *Outbox
	done        chan item
	slow        chan *flight    // POSTs that have waited SlowAfter, from their timers
	known       map[string]bool // ids held: pending or in flight
	pending     []item          // due order, not started
	hostPending map[string]int
	hostActive  map[string]int
	flights     map[string]*flight // in flight, by id
	hostFast    map[string]bool    // hosts whose last answer came within SlowAfter
	active      int                // in flight on a worker
	slowActive  int                // in flight, slow, off the workers
	maxHeld     int
	hostCap     int // most deliveries held pending per host, so one slow host cannot fill memory and starve others

	blocked   int  // pending deliveries whose host was at its limit at the last dispatch
	lastRead  int  // deliveries read by the last scan
	lastFull  bool // the last scan hit its limit: more may be due
	skipped   int  // due deliveries the last scan left for later (host cap)
	sinceScan int  // completions since the last scan
}

// flight is a delivery in flight. Its worker's timer sends it on slow when
// the POST has waited SlowAfter for its answer; only the scheduler's
// goroutine reads or writes its fields.
type flight struct {
	id    string
	host  string
	slow  bool // SlowAfter has passed
	moved bool // counted in slowActive rather than active
}

// maxHostsKnown bounds hostFast: past it, what was learnt is forgotten
// (every host then starts again at slowPerHost).
const maxHostsKnown = 100_000

func newScheduler(o *Outbox) *scheduler {
	return &scheduler{
		o:           o,
		done:        make(chan item, o.workers),
		slow:        make(chan *flight, o.workers),
		known:       make(map[string]bool),
		hostPending: make(map[string]int),
		hostActive:  make(map[string]int),
		flights:     make(map[string]*flight),
		hostFast:    make(map[string]bool),
		maxHeld:     max(minHeld, 8*o.workers),
		hostCap:     max(16, 4*o.perHost),
	}
}

// scan loads due deliveries not already held, and what sending them needs.
func (s *scheduler) scan(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	limit := min(maxScan, s.maxHeld+s.skipped)
	var added []item
	err := s.o.store.View(ctx, func(tx domain.Tx) error {
		added = added[:0]
		ds, err := tx.DueDeliveries(s.o.now(), limit)
		if err != nil {
			return err
		}
		s.lastRead, s.lastFull, s.skipped = len(ds), len(ds) >= limit, 0
		hostPending := make(map[string]int)
		for _, d := range ds {
			if s.known[d.ID] {
				continue
			}
			if len(s.known)+len(added) >= s.maxHeld {
				break
			}
			host, _ := federation.HostOf(d.Inbox) // "" for a bad URL: the worker drops it
			if s.hostPending[host]+hostPending[host] >= s.hostCap {
				s.skipped++
				continue
			}
			hostPending[host]++
			added = append(added, item{d: d, host: host})
		}
		return s.o.load(tx, added)
	})
	s.sinceScan = 0
	if err != nil {
		if ctx.Err() == nil {
			s.o.log.Error("outbox: load due deliveries", slog.Any("err", err))
		}
		return
	}
	for _, it := range added {
		s.known[it.d.ID] = true
		s.hostPending[it.host]++
		s.pending = append(s.pending, it)
	}
}

// shouldRescan reports whether completions have made room worth a scan: the
// last scan may have left due deliveries behind, few are pending, and enough
// have completed to pay for re-reading (at most ~16 decodes per delivery).
func (s *scheduler) shouldRescan() bool {
	// Deliveries left behind by the per-host cap are due too: rescan for
	// them as soon as room is made, not at the next poll (a fan-out to one
	// big host otherwise waited a whole poll interval per few hundred).
	// Pending deliveries whose host is at its limit (a slow host's) are not
	// counted: they cannot go out now, and would otherwise hold back the
	// scan that loads the fast hosts' deliveries until the next poll.
	return (s.lastFull || s.skipped > 0) && len(s.pending)-s.blocked < s.o.workers && s.sinceScan >= max(1, s.lastRead/16)
}

// dispatch starts pending deliveries, in due order, within the global and
// per-host limits. A worker hands its result to the recorder, or straight
// back to done when the attempt was cancelled (nothing to record).
func (s *scheduler) dispatch(ctx context.Context, outcomes chan<- attemptResult) {
	if ctx.Err() != nil {
		return
	}
	// While the disk is critically full no outcome could be recorded, and
	// every delivery would be sent again and again: wait (the poll ticks on).
	if s.o.store.Space().Critical() {
		return
	}
	kept := s.pending[:0]
	s.blocked = 0
	for i, it := range s.pending {
		if s.active >= s.o.workers {
			kept = append(kept, s.pending[i:]...)
			break
		}
		if s.hostActive[it.host] >= s.hostLimit(it.host) {
			kept = append(kept, it)
			s.blocked++
			continue
		}
		s.active++
		s.hostActive[it.host]++
		s.hostPending[it.host]--
		f := &flight{id: it.d.ID, host: it.host}
		s.flights[it.d.ID] = f
		go func(it item) {
			// The wait for the answer is timed from the POST, not from the
			// wait for a signer, which is our CPU's, not the host's.
			var timer *time.Timer
			sent := func() {
				if timer == nil {
					timer = time.AfterFunc(s.o.slowAfter, func() {
						select {
						case s.slow <- f:
						case <-ctx.Done():
						}
					})
				}
			}
			res := s.o.attempt(ctx, it, sent)
			if timer != nil {
				timer.Stop()
			}
			if res.outcome == cancelled {
				s.done <- it
				return
			}
			outcomes <- attemptResult{it: it, res: res}
		}(it)
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}

// hostLimit is the most POSTs in flight to host: PerHost when it is known
// to answer quickly, else at most slowPerHost.
func (s *scheduler) hostLimit(host string) int {
	if s.hostFast[host] {
		return s.o.perHost
	}
	return min(s.o.perHost, slowPerHost)
}

// slowed marks a POST in flight for SlowAfter as slow: its host is no
// longer fast, and the POST leaves its worker for a slow slot, if one is
// free.
func (s *scheduler) slowed(f *flight) {
	if f.slow || s.flights[f.id] != f {
		return // finished meanwhile
	}
	f.slow = true
	delete(s.hostFast, f.host)
	if s.slowActive < s.o.workers {
		f.moved = true
		s.active--
		s.slowActive++
	}
}

// finish forgets a delivery whose outcome is recorded (or was cancelled).
func (s *scheduler) finish(it item) {
	f := s.flights[it.d.ID]
	delete(s.flights, it.d.ID)
	if f.moved {
		s.slowActive--
	} else {
		s.active--
	}
	if !f.slow && it.host != "" {
		if len(s.hostFast) >= maxHostsKnown {
			clear(s.hostFast)
		}
		s.hostFast[it.host] = true
	}
	s.sinceScan++
	delete(s.known, it.d.ID)
	if s.hostActive[it.host]--; s.hostActive[it.host] <= 0 {
		delete(s.hostActive, it.host)
	}
	if s.hostPending[it.host] <= 0 {
		delete(s.hostPending, it.host)
	}
}

// canonicalHostOrURL canonicalises a host[:port] or the host of a URL.
func canonicalHostOrURL(s string) (string, error) {
	if strings.Contains(s, "://") {
		return federation.HostOf(s)
	}
	return federation.CanonicalHost(s, "")
}
