package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// outcome is what a delivery attempt leads to.
type outcome int

const (
	// delivered: 2xx. The delivery is removed; the host answered.
	delivered outcome = iota
	// refused: a final answer that is not a success (4xx other than
	// 401/408/429, 501, 3xx). Removed for good; the host answered.
	refused
	// failed: 5xx, 401, 408, 429, network error or timeout. Rescheduled, or
	// given up after MaxAttempts; counts as a failure day for the host.
	failed
	// abandoned: never POSTed, or refused by our own guard (unavailable
	// host, missing activity or key, forbidden address). Removed; the host's
	// health is untouched.
	abandoned
	// cancelled: Run is stopping. The delivery stays exactly as it is, so a
	// restart resumes it (HOSTILE D11).
	cancelled
	// deferred: not tried, because this inbox's circuit breaker is open
	// after a burst of failures. Kept, due again when the breaker closes;
	// no attempt is counted (HOSTILE D6).
	deferred
)

// result is the outcome of one attempt, with what the log and the
// rescheduled delivery need.
type result struct {
	outcome    outcome
	status     int           // HTTP status, 0 when there was no response
	err        string        // for LastError and the log
	retryAfter time.Duration // parsed Retry-After, 0 when none
	retryAt    time.Time     // for deferred: when the breaker closes
	quiet      bool          // expected and possibly frequent: logged at debug
	learnt     knownScheme   // the host's signature scheme to remember; zero when nothing new (knock.go)
}

// maxErrorLen bounds LastError: a hostile peer chooses the status text.
const maxErrorLen = 300

// maxDrain is how much of a response body is read (and discarded) so the
// connection can be reused; a larger body is cut off with the connection.
const maxDrain = 64 << 10

// scannedHost is what load reads of a host's health.
type scannedHost struct {
	down   bool
	scheme knownScheme
}

// load fills in what the POSTs of items need, reading each distinct
// activity, host and signer once. A missing activity or key is not an error
// here: that delivery is dropped when its turn comes.
func (o *Outbox) load(tx domain.Tx, items []item) error {
	acts := make(map[string]*domain.OutActivity)
	hosts := make(map[string]scannedHost)
	keys := make(map[string]*signingKey)
	for i := range items {
		it := &items[i]
		d := it.d
		act, seen := acts[d.ActivityID]
		if !seen {
			a, err := tx.Activity(d.ActivityID)
			switch {
			case err == nil:
				act = a
			case !domain.IsNotFound(err):
				return err
			}
			acts[d.ActivityID] = act
		}
		it.act = act
		if act == nil {
			it.loadErr = "activity " + d.ActivityID + " not found"
			continue
		}
		if it.host != "" {
			// A blocked domain gets nothing more from us (HOSTILE M3).
			if o.store.DomainBlocked(it.host) {
				it.loadErr = "host " + it.host + " is blocked"
				continue
			}
			sh, seen := hosts[it.host]
			if !seen {
				h, err := tx.HostHealth(it.host)
				switch {
				case err == nil:
					sh = scannedHost{down: h.Unavailable, scheme: knownScheme{scheme: h.Signature, learned: h.SignatureLearned}}
				case !domain.IsNotFound(err):
					return err
				}
				hosts[it.host] = sh
			}
			it.unavailable, it.scheme = sh.down, sh.scheme
		}
		sk, seen := keys[d.Actor]
		if !seen {
			var err error
			if sk, err = o.signer(tx, d.Actor); err != nil {
				return err
			}
			keys[d.Actor] = sk
		}
		it.key = sk
		if sk == nil {
			it.loadErr = "no usable signing key for " + d.Actor
		}
	}
	return nil
}

// signer returns the parsed key of a local actor, parsing and caching it on
// first use; nil when the actor or its key is gone or unreadable (logged).
func (o *Outbox) signer(tx domain.Tx, handle string) (*signingKey, error) {
	if sk := o.cachedKey(handle); sk != nil {
		return sk, nil
	}
	pemKey, err := tx.PrivateKey(handle)
	if domain.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	typ := domain.ActorApplication
	if handle != domain.InstanceActorName {
		typ, err = tx.HandleType(handle)
		if domain.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	sk, err := o.parseKey(handle, typ, pemKey)
	if err != nil {
		o.log.Error("outbox: signing key", slog.String("actor", handle), slog.Any("err", err))
		return nil, nil
	}
	return sk, nil
}

// attempt makes one attempt at a delivery. ctx is Run's; sent, if not nil,
// is called when a signed POST is about to be sent.
func (o *Outbox) attempt(ctx context.Context, it item, sent func()) result {
	switch {
	case it.host == "":
		return result{outcome: abandoned, err: "inbox is not an absolute http(s) URL"}
	case it.loadErr != "":
		return result{outcome: abandoned, err: it.loadErr}
	case o.hostUnavailable(it.host, it.unavailable):
		// Mastodon's DeliveryWorker returns at once when
		// DeliveryFailureTracker.available? is false: no POST, job gone.
		return result{outcome: abandoned, err: "host " + it.host + " is unavailable", quiet: true}
	}
	if until, open := o.breakers.open(it.d.Inbox, o.now()); open {
		return result{outcome: deferred, err: "circuit open after repeated failures", retryAt: until, quiet: true}
	}
	res := o.post(ctx, it.d, it.act.JSON, it.key, o.schemeOf(it.host, it.scheme), sent)
	if res.learnt.scheme != "" {
		// At once, not after the outcome is recorded: the host's other
		// deliveries in flight or pending knock right from now on.
		o.setScheme(it.host, res.learnt)
	}
	switch res.outcome {
	case failed:
		o.breakers.failure(it.d.Inbox, o.now())
	case delivered, refused:
		o.breakers.success(it.d.Inbox)
	}
	return res
}

// post delivers one activity to one inbox: one POST signed with the scheme
// the host is known to accept, or two (the double knock, knock.go), and
// classifies the last answer.
func (o *Outbox) post(ctx context.Context, d *domain.Delivery, body []byte, sk *signingKey, known knownScheme, sent func()) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Inbox, bytes.NewReader(body))
	if err != nil {
		return result{outcome: abandoned, err: truncate(err.Error())}
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", o.userAgent)
	now := o.now()
	scheme := firstKnock(known, now)
	res := o.knock(ctx, req, body, sk, scheme, sent)
	if scheme == domain.SignatureRFC9421 && knocksAgain(known, res.status) {
		// The same request, re-signed: Sign replaces the RFC 9421 headers.
		first := res
		req = req.Clone(ctx)
		if req.Body, err = req.GetBody(); err != nil {
			return result{outcome: abandoned, err: truncate(err.Error())}
		}
		scheme = domain.SignatureCavage
		res = o.knock(ctx, req, body, sk, scheme, sent)
		if res.outcome != delivered && res.outcome != cancelled {
			res.err = truncate("RFC 9421: " + first.err + "; draft-cavage: " + res.err)
		}
	}
	reprobe := known.scheme == domain.SignatureCavage && firstKnock(known, now) == domain.SignatureRFC9421
	res.learnt = learnt(known, scheme, res.status, reprobe, now)
	return res
}

// knock signs req with scheme and sends it (calling sent, if not nil, just
// before), and classifies the answer.
func (o *Outbox) knock(ctx context.Context, req *http.Request, body []byte, sk *signingKey, scheme domain.SignatureScheme, sent func()) result {
	rctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	req = req.WithContext(rctx)
	// Signed now, not when queued: a retry days later carries a fresh Date
	// from our clock (HOSTILE D8, S5) and the actor's current key.
	//
	// Signing is the CPU-bound part of a delivery (one RSA-2048 signature,
	// about a millisecond), so at most one signature per CPU is computed at
	// a time. With 200 workers signing at once, the scheduler would share
	// the CPUs among all of them, none would finish for a long while, and
	// then all would wait on the network together; bounded, signatures
	// complete at a steady rate and overlap with other workers' POSTs. The
	// signers are goroutines that live as long as Run, so their stacks grow
	// to what RSA needs once, not once per delivery.
	job := signJob{req: req, body: body, key: sk, scheme: scheme, now: o.now(), err: make(chan error, 1)}
	select {
	case o.signJobs <- job:
	case <-ctx.Done():
		return result{outcome: cancelled}
	}
	if err := <-job.err; err != nil {
		return result{outcome: abandoned, err: truncate(err.Error())}
	}
	if sent != nil {
		sent()
	}
	resp, err := o.http.Do(req)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return result{outcome: cancelled}
		case errors.Is(err, fetch.ErrForbiddenAddress):
			// Our SSRF guard (HOSTILE F1): retrying cannot help.
			return result{outcome: abandoned, err: truncate(err.Error())}
		}
		return result{outcome: failed, err: truncate(err.Error())}
	}
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	resp.Body.Close()
	res := result{outcome: classify(resp.StatusCode), status: resp.StatusCode}
	if res.outcome != delivered {
		res.err = truncate(resp.Status)
	}
	if res.outcome == failed {
		res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), o.now())
	}
	return res
}

// classify maps an HTTP status to an outcome, as Mastodon's
// JsonLdHelper#response_error_unsalvageable? does: 501 and 4xx other than
// 401, 408 and 429 are final; other errors are retried. 3xx is final too: we
// never follow a redirect on a signed POST (HOSTILE D9; the signature covers
// the original host and path).
func classify(status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return delivered
	case status >= 300 && status < 400:
		return refused
	case status == http.StatusUnauthorized, status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return failed
	case status >= 400 && status < 500, status == http.StatusNotImplemented:
		return refused
	default:
		return failed
	}
}

// attemptResult is a finished attempt on its way to the recorder.
type attemptResult struct {
	it  item
	res result
}

// maxBatch is the most outcomes written in one transaction.
const maxBatch = 256

// recordLoop writes outcomes as they come, many per transaction (one commit
// per delivery would make the store, not the signing, the bottleneck of a
// fan-out), then hands each delivery back to the scheduler on done. It
// returns when in is closed.
func (o *Outbox) recordLoop(ctx context.Context, in <-chan attemptResult, done chan<- item) {
	batch := make([]attemptResult, 0, maxBatch)
	for first := range in {
		batch = append(batch[:0], first)
	more:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		o.recordBatch(ctx, batch)
		for _, r := range batch {
			done <- r.it
		}
	}
}

// recorded is what writing one outcome changed, for the log.
type recorded struct {
	next              *domain.Delivery // the rescheduled delivery, if any
	became, recovered bool             // the host became unavailable / available
}

// recordBatch writes a batch of outcomes in one transaction, or one by one
// if that fails, so one bad outcome cannot hold the others back.
func (o *Outbox) recordBatch(ctx context.Context, batch []attemptResult) {
	now := o.now()
	changes := make([]recorded, len(batch))
	for i, r := range batch {
		// Computed outside the transaction: Update may run fn again.
		changes[i].next = rescheduled(r.it.d, r.res, now)
	}
	write := func(lo, hi int) error {
		wctx, cancel := context.WithTimeout(ctx, RequestTimeout)
		defer cancel()
		return o.store.Update(wctx, func(tx domain.Tx) error {
			for i := lo; i < hi; i++ {
				c, err := applyOutcome(tx, batch[i], changes[i].next, now)
				if err != nil {
					return err
				}
				changes[i].became, changes[i].recovered = c.became, c.recovered
			}
			return nil
		})
	}
	errs := make([]error, len(batch))
	if err := write(0, len(batch)); err != nil {
		for i := range batch {
			errs[i] = err
			if len(batch) > 1 {
				errs[i] = write(i, i+1)
			}
		}
	}
	for i, r := range batch {
		o.logOutcome(r, changes[i], errs[i])
		if o.observe != nil && errs[i] == nil {
			o.observe(r.res.outcome.String(), changes[i].next != nil)
		}
	}
}

// String names an outcome for metrics.
func (c outcome) String() string {
	switch c {
	case delivered:
		return "sent"
	case refused:
		return "refused"
	case failed:
		return "failed"
	case abandoned:
		return "abandoned"
	case deferred:
		return "deferred"
	}
	return "cancelled"
}

// rescheduled is the delivery's next try after a failure, or nil when the
// outcome is final or the schedule has run out.
func rescheduled(d *domain.Delivery, res result, now time.Time) *domain.Delivery {
	if res.outcome == deferred {
		nd := *d
		nd.NextAt = res.retryAt
		return &nd
	}
	attempts := d.Attempts + 1
	if res.outcome != failed || attempts >= MaxAttempts {
		return nil
	}
	nd := *d
	nd.Attempts = attempts
	nd.NextAt = now.Add(retryDelay(attempts, rand.Float64(), res.retryAfter))
	nd.LastError = res.err
	return &nd
}

// applyOutcome writes one outcome: the delivery is removed (as last
// written: its NextAt is part of its key), rescheduled as next, and the
// host's health updated.
func applyOutcome(tx domain.Tx, r attemptResult, next *domain.Delivery, now time.Time) (recorded, error) {
	var c recorded
	if err := tx.DeleteDelivery(r.it.d); err != nil {
		return c, err
	}
	var err error
	switch r.res.outcome {
	case delivered, refused:
		// The host answered: Mastodon's DeliveryWorker calls
		// track_success! whenever the request was "performed", including
		// an unsalvageable 4xx.
		// The signature scheme it took is remembered in the same write.
		c.recovered, err = resetHost(tx, r.it.host, r.res.learnt)
	case failed:
		if next != nil {
			if err := tx.PutDelivery(next); err != nil {
				return c, err
			}
		}
		c.became, err = trackFailure(tx, r.it.host, now)
	case deferred:
		err = tx.PutDelivery(next)
	}
	return c, err
}

// logOutcome logs a recorded outcome and publishes host transitions to the
// workers.
func (o *Outbox) logOutcome(r attemptResult, c recorded, err error) {
	d, res := r.it.d, r.res
	log := o.log.With(slog.String("inbox", d.Inbox), slog.String("activity_id", d.ActivityID), slog.Int("attempts", d.Attempts+1), slog.Int("status", res.status))
	if err != nil {
		// The delivery stays as it was and is tried again.
		log.Error("outbox: record delivery outcome", slog.Any("err", err))
		return
	}
	switch {
	case res.outcome == delivered:
		log.Debug("outbox: delivered")
	case res.outcome == refused:
		log.Warn("outbox: delivery refused, dropped", slog.Any("err", res.err))
	case res.outcome == abandoned && res.quiet:
		log.Debug("outbox: delivery dropped", slog.Any("err", res.err))
	case res.outcome == abandoned:
		log.Warn("outbox: delivery dropped", slog.Any("err", res.err))
	case res.outcome == deferred:
		log.Debug("outbox: delivery deferred", slog.Time("next_at", res.retryAt))
	case c.next != nil:
		log.Info("outbox: delivery failed, will retry", slog.Any("err", res.err), slog.Time("next_at", c.next.NextAt))
	default:
		log.Warn("outbox: delivery failed, giving up", slog.Any("err", res.err))
	}
	if c.became {
		o.setHostState(r.it.host, true)
		o.log.Warn("outbox: host marked unavailable", slog.String("host", r.it.host), slog.Int("failure_days", UnavailableAfterDays))
	}
	if c.recovered {
		o.setHostState(r.it.host, false)
		o.log.Info("outbox: host available again", slog.String("host", r.it.host))
	}
	if res.learnt.scheme != "" {
		o.log.Debug("outbox: host's signature scheme remembered", slog.String("host", r.it.host), slog.String("scheme", string(res.learnt.scheme)))
	}
}

// trackFailure records today (UTC) as a failure day of host, and marks it
// unavailable once it has failed on UnavailableAfterDays distinct days
// (Mastodon's DeliveryFailureTracker#track_failure!). It reports whether the
// host just became unavailable. Nothing is written when today is already
// recorded, so concurrent failures to one host rarely conflict.
func trackFailure(tx domain.Tx, host string, now time.Time) (bool, error) {
	h, err := tx.HostHealth(host)
	if domain.IsNotFound(err) {
		h, err = &domain.HostHealth{Host: host}, nil
	}
	if err != nil {
		return false, err
	}
	day := now.UTC().Format(time.DateOnly)
	if slices.Contains(h.FailureDays, day) {
		return false, nil
	}
	h.FailureDays = append(h.FailureDays, day)
	became := !h.Unavailable && len(h.FailureDays) >= UnavailableAfterDays
	if became {
		h.Unavailable = true
	}
	return became, tx.PutHostHealth(h)
}

// resetHost clears a host's failure days and unavailability (Mastodon's
// DeliveryFailureTracker#track_success! / reset!) and remembers the
// signature scheme learnt (none when zero), writing only when there is
// something to change. It reports whether the host was unavailable.
func resetHost(tx domain.Tx, host string, learnt knownScheme) (bool, error) {
	h, err := tx.HostHealth(host)
	if domain.IsNotFound(err) {
		if learnt.scheme == "" {
			return false, nil
		}
		h, err = &domain.HostHealth{Host: host}, nil
	}
	if err != nil {
		return false, err
	}
	changed := rememberScheme(h, learnt)
	if !changed && !h.Unavailable && len(h.FailureDays) == 0 {
		return false, nil
	}
	was := h.Unavailable
	h.Unavailable, h.FailureDays = false, nil
	return was, tx.PutHostHealth(h)
}

// hostUnavailable reports whether deliveries to host are to be dropped:
// what this Outbox itself last decided about the host, else scanned, the
// host's stored state when the delivery was loaded.
func (o *Outbox) hostUnavailable(host string, scanned bool) bool {
	o.hostMu.Lock()
	defer o.hostMu.Unlock()
	if down, ok := o.hostState[host]; ok {
		return down
	}
	return scanned
}

func (o *Outbox) setHostState(host string, down bool) {
	o.hostMu.Lock()
	defer o.hostMu.Unlock()
	o.hostState[host] = down
}

// cachedKey returns the parsed key of a local actor, or nil.
func (o *Outbox) cachedKey(handle string) *signingKey {
	o.keyMu.Lock()
	defer o.keyMu.Unlock()
	return o.keys[handle]
}

// parseKey parses and caches a local actor's private key. The key is
// parsed once per process (parsing validates and precomputes, which costs
// about as much as a signature); a rotated key needs a new Outbox.
func (o *Outbox) parseKey(handle string, typ domain.ActorType, pemKey string) (*signingKey, error) {
	k, err := domain.ParsePrivateKeyPEM(pemKey)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", handle, err)
	}
	sk := &signingKey{key: k, keyID: o.urls.Key(o.urls.Actor(typ, handle))}
	o.keyMu.Lock()
	defer o.keyMu.Unlock()
	if prev := o.keys[handle]; prev != nil {
		return prev, nil
	}
	o.keys[handle] = sk
	return sk, nil
}

func truncate(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxErrorLen], "") + "…"
}

// Circuit breaker per inbox (HOSTILE D6), as Mastodon's Stoplight: after
// BreakerFailures failures within BreakerWindow, the inbox gets no POST
// for BreakerCoolOff; its deliveries wait, they are not dropped.
const (
	BreakerFailures = 10
	BreakerWindow   = time.Minute
	BreakerCoolOff  = time.Minute
)

// breakers holds the in-memory circuit state of inboxes.
type breakers struct {
	mu    sync.Mutex
	state map[string]*breaker
}

type breaker struct {
	fails     []time.Time
	openUntil time.Time
}

func (b *breakers) open(inbox string, now time.Time) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.state[inbox]
	if br == nil || !now.Before(br.openUntil) {
		return time.Time{}, false
	}
	return br.openUntil, true
}

func (b *breakers) failure(inbox string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil || len(b.state) > 100_000 {
		b.state = map[string]*breaker{}
	}
	br := b.state[inbox]
	if br == nil {
		br = &breaker{}
		b.state[inbox] = br
	}
	cutoff := now.Add(-BreakerWindow)
	kept := br.fails[:0]
	for _, t := range br.fails {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	br.fails = append(kept, now)
	if len(br.fails) >= BreakerFailures {
		br.openUntil = now.Add(BreakerCoolOff)
		br.fails = br.fails[:0]
	}
}

func (b *breakers) success(inbox string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.state, inbox)
}

// signJob is a request for a signer goroutine to sign.
type signJob struct {
	req    *http.Request
	body   []byte
	key    *signingKey
	scheme domain.SignatureScheme
	now    time.Time
	err    chan error
}

// signLoop signs requests until jobs is closed.
func signLoop(jobs <-chan signJob) {
	for j := range jobs {
		sign := httpsig.Sign
		if j.scheme == domain.SignatureRFC9421 {
			sign = httpsig.Sign9421
		}
		j.err <- sign(j.req, j.body, j.key.keyID, j.key.key, j.now)
	}
}
