package outbox

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry schedule and host-health thresholds.
const (
	// MaxAttempts is how many POSTs a delivery gets before it is given up:
	// the first try and 15 retries. With Backoff this spans about two to three
	// days, like Mastodon's ActivityPub::DeliveryWorker (sidekiq retry 16,
	// (count⁴ + 15) s plus jitter, ≈ 2.1 days before jitter).
	MaxAttempts = 16
	// MaxRetryAfter caps a peer's Retry-After: a peer cannot park our
	// deliveries for days with one header.
	MaxRetryAfter = 6 * time.Hour
	// UnavailableAfterDays is how many distinct (UTC) days of failed
	// deliveries mark a host unavailable: Mastodon's
	// DeliveryFailureTracker::FAILURE_DAYS_THRESHOLD.
	UnavailableAfterDays = 7
	// RequestTimeout is the overall deadline of one POST, connection to last
	// byte: Mastodon's request.rb read deadline (HOSTILE F5, D4).
	RequestTimeout = 30 * time.Second
)

// Backoff is the delay before retry number attempt (1-based: the delay after
// the first failed POST is Backoff(1, …)). It is Mastodon's delivery_worker
// formula, (n⁴ + 15) s plus a jitter of up to 0.5·n⁴ s; jitter is a uniform
// random number in [0, 1) and is passed in so the schedule can be tested.
func Backoff(attempt int, jitter float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	n4 := float64(attempt) * float64(attempt) * float64(attempt) * float64(attempt)
	if jitter < 0 {
		jitter = 0
	}
	if jitter > 1 {
		jitter = 1
	}
	secs := n4 + 15 + jitter*0.5*n4
	return time.Duration(secs * float64(time.Second))
}

// retryDelay is the delay before the next POST: the backoff, or the peer's
// Retry-After when that is later (capped at MaxRetryAfter).
func retryDelay(attempt int, jitter float64, retryAfter time.Duration) time.Duration {
	d := Backoff(attempt, jitter)
	if retryAfter > MaxRetryAfter {
		retryAfter = MaxRetryAfter
	}
	if retryAfter > d {
		return retryAfter
	}
	return d
}

// parseRetryAfter reads a Retry-After header (RFC 9110 §10.2.3): delay
// seconds or an HTTP-date, which is measured against now (our injected
// clock). It returns 0 when the header is absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// Anything over the cap is the cap; avoid overflowing Duration.
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter + time.Second
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return d
}
