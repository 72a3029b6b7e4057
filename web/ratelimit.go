package web

import (
	"sync"
	"time"
)

// rateLimiter is a sliding-window log: at most limit attempts per key in any
// window. It keeps at most limit times per key, and drops idle keys now and
// then, so its memory is bounded by the keys active within one window.
// It is in memory only: a restart forgets it.
type rateLimiter struct {
	mu     sync.Mutex
	now    func() time.Time
	limit  int
	window time.Duration
	hits   map[string][]time.Time
	calls  int
}

func newRateLimiter(limit int, window time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, limit: limit, window: window, hits: map[string][]time.Time{}}
}

// sweepEvery is how many calls pass between sweeps of idle keys.
const sweepEvery = 512

// allow records an attempt under key when it is within the limit. When it is
// not, nothing is recorded and wait says how long until the oldest attempt
// leaves the window.
func (l *rateLimiter) allow(key string) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cutoff := now.Add(-l.window)
	l.calls++
	if l.calls%sweepEvery == 0 {
		for k, ts := range l.hits {
			if len(ts) == 0 || !ts[len(ts)-1].After(cutoff) {
				delete(l.hits, k)
			}
		}
	}
	ts := l.hits[key]
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= l.limit {
		l.hits[key] = ts
		return false, ts[0].Add(l.window).Sub(now)
	}
	l.hits[key] = append(ts, now)
	return true, 0
}

// undo takes back the latest attempt recorded under key, for a caller that
// records an attempt before it knows whether it should count.
func (l *rateLimiter) undo(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ts := l.hits[key]; len(ts) > 0 {
		l.hits[key] = ts[:len(ts)-1]
	}
}
