package node

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/mail/mailtest"
	"github.com/lernejo/lernejo/service"
)

// TestQueuedMailSurvivesRestart: a mail queued while the SMTP server cannot
// be reached stays in the data directory across a restart of the node, and
// the restarted node's sender delivers it, once.
func TestQueuedMailSurvivesRestart(t *testing.T) {
	srv := mailtest.Start(t)
	dir := t.TempDir()
	var mu sync.Mutex
	at := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	down := srv.SMTP()
	down.Port = 1 // nothing listens there: connection refused
	start := func(cfg Config) *Node {
		cfg.Listen, cfg.DataDir, cfg.Now, cfg.Demo, cfg.DemoOutput = "127.0.0.1:0", dir, now, true, func(string, ...any) {}
		n, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		n.Start()
		return n
	}
	ctx := context.Background()
	n := start(Config{SMTP: down})
	if _, err := n.Services.Mail.SaveSettings(ctx, DemoOrganiser, service.MailForm{Address: "ada@example.org"}); err != nil {
		t.Fatal(err)
	}
	// The sender tried, failed, and put the mail back for later.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var due []*domain.OutMail
		if err := n.Store.View(ctx, func(tx domain.Tx) (err error) { due, err = tx.DueMails(now().Add(time.Hour), 10); return err }); err != nil {
			t.Fatal(err)
		}
		if len(due) == 1 && due[0].Attempts == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue: %+v", due)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	at = at.Add(time.Hour) // past the retry's backoff
	mu.Unlock()
	n = start(Config{SMTP: srv.SMTP()})
	defer n.Close(ctx)
	msgs := srv.Wait(t, 1, 10*time.Second)
	if msgs[0].To != "ada@example.org" || !strings.Contains(msgs[0].Parsed(t).Header.Get("Subject"), "Confirm your email address") {
		t.Fatalf("delivered %q %q", msgs[0].To, msgs[0].Parsed(t).Header.Get("Subject"))
	}
	time.Sleep(200 * time.Millisecond)
	if len(srv.Messages()) != 1 {
		t.Fatalf("delivered %d times", len(srv.Messages()))
	}
}
