// Package priority shares the machine's processors between the work a
// person waits for and the work that can wait a moment.
//
// A page is foreground work: someone is looking at a spinner. Checking and
// applying the activities other servers send is background work: the
// sender got its 202 already, or will retry, and a few milliseconds more
// change nothing for anyone. Without this, a burst of federation keeps every
// processor busy, and a page waits its turn behind hundreds of signature
// checks (the Go scheduler then even notices the page's connection late:
// with no idle processor it polls the network only every 10 ms).
//
// A Scheduler gives background work at most a fixed number of processors
// at a time while people are using the pages (one fewer than the machine
// has, so one is free to notice and make a page), all of them once no page
// has been asked for a moment (quietFor), and starts no new piece of
// background work while foreground work is running, unless that piece has
// waited maxDefer already: pages go first, and a steady stream of them
// still leaves the background its share.
//
// Pieces of background work are short (one signature check, one activity
// applied); nothing preempts them once started.
package priority

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Scheduler decides when background work may run. The nil *Scheduler lets
// everything run at once.
type Scheduler struct {
	tokens   chan struct{}
	spare    chan struct{} // the processor kept for pages, lent out while none is asked for
	maxDefer time.Duration
	quietFor time.Duration
	lastFg   atomic.Int64 // when foreground work last started or ended (UnixNano)

	mu    sync.Mutex
	fg    int           // foreground work running
	quiet chan struct{} // closed when fg is 0
}

// DefaultMaxDefer is how long background work waits for running
// foreground work at most: a page takes a millisecond or two here.
const DefaultMaxDefer = 2 * time.Millisecond

// quietFor is how long no foreground work must have run before background
// work may take the processor kept for pages.
const quietFor = 100 * time.Millisecond

// New makes a Scheduler that runs at most workers pieces of background work
// at a time, and defers them for foreground work up to maxDefer (0 means
// DefaultMaxDefer). Workers 0 means one fewer than GOMAXPROCS (at least
// one) while pages are asked for, and GOMAXPROCS when none has been for
// quietFor.
func New(workers int, maxDefer time.Duration) *Scheduler {
	spare := 0
	if workers <= 0 {
		procs := runtime.GOMAXPROCS(0)
		workers = max(1, procs-1)
		spare = procs - workers
	}
	if maxDefer <= 0 {
		maxDefer = DefaultMaxDefer
	}
	quiet := make(chan struct{})
	close(quiet)
	return &Scheduler{tokens: make(chan struct{}, workers), spare: make(chan struct{}, spare),
		maxDefer: maxDefer, quietFor: quietFor, quiet: quiet}
}

// Foreground marks the start of work a person waits for; call done when it
// ends.
func (s *Scheduler) Foreground() (done func()) {
	if s == nil {
		return func() {}
	}
	s.mu.Lock()
	if s.fg == 0 {
		s.quiet = make(chan struct{})
	}
	s.fg++
	s.mu.Unlock()
	s.lastFg.Store(time.Now().UnixNano())
	return func() {
		s.lastFg.Store(time.Now().UnixNano())
		s.mu.Lock()
		if s.fg--; s.fg == 0 {
			close(s.quiet)
		}
		s.mu.Unlock()
	}
}

// Background waits until a piece of background work may run, and returns
// the function that ends it. It fails only when ctx ends first.
func (s *Scheduler) Background(ctx context.Context) (release func(), err error) {
	if s == nil {
		return func() {}, nil
	}
	if release, err = s.take(ctx); err != nil {
		return nil, err
	}
	// A token freed wakes its next taker as the freeing goroutine's
	// successor, in the rest of its time slice: pieces of background work
	// would hand the processor on to one another, while a page that became
	// runnable waits behind them until the slice ends (10 ms). Yielding
	// here lets what is waiting run first.
	runtime.Gosched()
	s.mu.Lock()
	quiet := s.quiet
	s.mu.Unlock()
	select {
	case <-quiet:
		return release, nil
	default:
	}
	t := time.NewTimer(s.maxDefer)
	defer t.Stop()
	select {
	case <-quiet:
	case <-t.C:
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
	return release, nil
}

// take waits for a token: one of the usual ones, or the spare one when no
// page has been asked for in quietFor.
func (s *Scheduler) take(ctx context.Context) (release func(), err error) {
	select {
	case s.tokens <- struct{}{}:
		return func() { <-s.tokens }, nil
	default:
	}
	if time.Since(time.Unix(0, s.lastFg.Load())) > s.quietFor {
		select {
		case s.spare <- struct{}{}:
			return func() { <-s.spare }, nil
		default:
		}
	}
	select {
	case s.tokens <- struct{}{}:
		return func() { <-s.tokens }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
