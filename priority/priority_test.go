package priority

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestBackgroundWaitsForForeground: while foreground work runs, background
// work does not start until it ends (when it ends before maxDefer).
func TestBackgroundWaitsForForeground(t *testing.T) {
	s := New(1, time.Hour)
	done := s.Foreground()
	started := make(chan struct{})
	go func() {
		release, err := s.Background(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		close(started)
		release()
	}()
	select {
	case <-started:
		t.Fatal("background work started while foreground work ran")
	case <-time.After(20 * time.Millisecond):
	}
	done()
	<-started
}

// TestBackgroundRunsAfterMaxDefer: a steady stream of foreground work does
// not starve the background: a piece waits at most maxDefer.
func TestBackgroundRunsAfterMaxDefer(t *testing.T) {
	s := New(1, 5*time.Millisecond)
	done := s.Foreground()
	defer done()
	release, err := s.Background(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// TestBackgroundBounded: no more than the given number of pieces run at
// once; the next starts when one ends, or fails when its context does.
func TestBackgroundBounded(t *testing.T) {
	s := New(2, 0)
	ctx := context.Background()
	r1, _ := s.Background(ctx)
	r2, _ := s.Background(ctx)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := s.Background(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third piece ran beside two: %v", err)
	}
	r1()
	r3, err := s.Background(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2()
	r3()
}

// TestNilSchedulerRunsEverything: without a Scheduler nothing waits.
func TestNilSchedulerRunsEverything(t *testing.T) {
	var s *Scheduler
	done := s.Foreground()
	release, err := s.Background(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	done()
}

// TestSpareProcessorOnlyWhenQuiet: the processor kept for pages is lent to
// background work only once no page has been asked for in quietFor.
func TestSpareProcessorOnlyWhenQuiet(t *testing.T) {
	s := New(1, time.Millisecond)
	s.spare, s.quietFor = make(chan struct{}, 1), time.Hour
	s.Foreground()() // a page was just made
	ctx := context.Background()
	first, err := s.Background(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := s.Background(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the spare processor was taken right after a page: %v", err)
	}
	s.quietFor = 0 // as if no page had been asked for in a while
	second, err := s.Background(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel2()
	if _, err := s.Background(short2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third piece ran beside the usual and the spare one: %v", err)
	}
	first()
	second()
}
