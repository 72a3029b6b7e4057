package web

import (
	"sync"
	"time"
)

// loginGuard slows password guessing (HOSTILE W6) without letting a guesser
// lock anyone out. Only failures count, and they count in two places:
//
//   - per (account, address) pair: after loginFreeFailures failures in a row
//     the pair waits loginFirstDelay, then twice as long after each further
//     failure, up to loginMaxDelay. A success clears the pair. The same
//     account from another address is not delayed at all, so an attacker
//     hammering ada from one address cannot keep ada out (the lockout that
//     a per-account limit gives them, OWASP's "account lockout DoS").
//   - per address, over every account: at most loginFailPerIP failures in
//     loginFailPerIPWindow, against one address trying one password on many
//     accounts (spraying). A success takes back only its own count, never
//     earlier failures, or an attacker could log into an account of their
//     own between guesses to buy more.
//
// A delayed attempt is refused before its password is checked, whatever the
// password: the answer never tells whether a guess was right. Nothing here
// sleeps; the caller answers 429 with the wait.
//
// It is in memory only, like rateLimiter: a restart forgets it. Its memory is
// bounded by the pairs that failed within loginForget: idle ones are swept.
type loginGuard struct {
	mu    sync.Mutex
	now   func() time.Time
	pairs map[loginPair]*loginFailures
	addrs *rateLimiter
	calls int
}

type loginPair struct{ account, addr string }

// loginFailures is one pair's run of consecutive failures.
type loginFailures struct {
	n     int       // failures since the last success
	last  time.Time // when the latest began
	until time.Time // no attempt before this
}

func newLoginGuard(now func() time.Time) *loginGuard {
	return &loginGuard{
		now:   now,
		pairs: map[loginPair]*loginFailures{},
		addrs: newRateLimiter(loginFailPerIP, loginFailPerIPWindow, now),
	}
}

// loginDelay is how long a pair waits after its n-th failure in a row.
func loginDelay(n int) time.Duration {
	if n < loginFreeFailures {
		return 0
	}
	d := loginFirstDelay
	for i := loginFreeFailures; i < n && d < loginMaxDelay; i++ {
		d *= 2
	}
	return min(d, loginMaxDelay)
}

// begin is called before a password is checked. A non-zero wait means the
// attempt is refused and nothing is recorded. Otherwise the attempt already
// counts as a failure, so that many guesses sent at once cannot all pass
// the check while the first ones are still hashing; the caller must call
// done(true) when the password was right, which clears the pair.
func (g *loginGuard) begin(account, addr string) (done func(ok bool), wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.calls++
	if g.calls%sweepEvery == 0 {
		g.sweep(now)
	}
	key := loginPair{account, addr}
	f := g.pairs[key]
	if f != nil && now.Before(f.until) {
		return nil, f.until.Sub(now)
	}
	if ok, wait := g.addrs.allow(addr); !ok {
		return nil, wait
	}
	if f == nil || now.Sub(f.last) >= loginForget { // not swept yet, but forgotten all the same
		f = &loginFailures{}
		g.pairs[key] = f
	}
	f.n++
	f.last, f.until = now, now.Add(loginDelay(f.n))
	return func(ok bool) {
		if !ok {
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(g.pairs, key)
		g.addrs.undo(addr)
	}, 0
}

// sweep drops pairs that are not delayed and have not failed for
// loginForget. Called with g.mu held.
func (g *loginGuard) sweep(now time.Time) {
	for k, f := range g.pairs {
		if !now.Before(f.until) && now.Sub(f.last) >= loginForget {
			delete(g.pairs, k)
		}
	}
}
