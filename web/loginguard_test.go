package web

import (
	"fmt"
	"testing"
	"time"
)

// TestLoginGuardForgetsIdlePairs: the guard's memory is bounded by the pairs
// that failed within loginForget; older ones are swept, a recent one stays.
func TestLoginGuardForgetsIdlePairs(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := newLoginGuard(func() time.Time { return now })
	try := func(account, addr string) {
		if done, wait := g.begin(account, addr); wait == 0 {
			done(false)
		}
	}
	for i := range sweepEvery - 1 {
		try(fmt.Sprintf("p%d", i), fmt.Sprintf("198.51.100.%d", i%250))
		if i%20 == 19 {
			now = now.Add(10 * time.Second) // over 250 s in all
		}
	}
	if len(g.pairs) != sweepEvery-1 {
		t.Fatalf("%d pairs, want %d", len(g.pairs), sweepEvery-1)
	}
	now = now.Add(loginForget - 30*time.Second) // the last ones failed under an hour ago
	try("ada", "192.0.2.1")                     // the sweepEvery-th call sweeps
	if _, kept := g.pairs[loginPair{"p0", "198.51.100.0"}]; kept {
		t.Error("a pair idle for over an hour was kept")
	}
	if _, kept := g.pairs[loginPair{fmt.Sprintf("p%d", sweepEvery-2), fmt.Sprintf("198.51.100.%d", (sweepEvery-2)%250)}]; !kept {
		t.Error("a pair that failed under an hour ago was swept")
	}
	if len(g.pairs) >= sweepEvery/2 {
		t.Errorf("%d pairs left after the sweep", len(g.pairs))
	}
}

// TestLoginGuardForgetsAfterAnHour: a pair's run of failures ends after
// loginForget without one, swept or not: the next failures are free again.
func TestLoginGuardForgetsAfterAnHour(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := newLoginGuard(func() time.Time { return now })
	fail := func() time.Duration {
		t.Helper()
		done, wait := g.begin("ada", "192.0.2.1")
		if wait > 0 {
			t.Fatalf("refused for %v", wait)
		}
		done(false)
		return g.pairs[loginPair{"ada", "192.0.2.1"}].until.Sub(now)
	}
	for range 10 {
		now = now.Add(fail())
	}
	if w := fail(); w != 64*time.Second {
		t.Fatalf("wait after 11 failures: %v, want 64s", w)
	}
	now = now.Add(loginForget)
	for i := range loginFreeFailures - 1 {
		if w := fail(); w != 0 {
			t.Fatalf("an hour later, failure %d waits %v", i+1, w)
		}
	}
	if w := fail(); w != loginFirstDelay {
		t.Fatalf("an hour later, the fifth failure waits %v, want %v", w, loginFirstDelay)
	}
}

// TestLoginDelaySchedule pins the delays: none for the first four failures,
// one second after the fifth, doubling, capped.
func TestLoginDelaySchedule(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 14: 512 * time.Second,
		15: loginMaxDelay, 100: loginMaxDelay, 1 << 30: loginMaxDelay,
	} {
		if got := loginDelay(n); got != want {
			t.Errorf("loginDelay(%d) = %v, want %v", n, got, want)
		}
	}
}
