package node

import (
	"context"
	"net/http"
	"strconv"
	"testing"
)

// TestInboxJournalBound: once the journal holds InboxJournal activities
// from all senders together, every POST, from any host, is answered 503
// with Retry-After and nothing of it is journalled, so a burst bigger than
// the node can apply waits at its source; /metrics shows the backlog (read
// from memory) and the processor's lag, and once the processor has caught
// up the inboxes take activities again.
func TestInboxJournalBound(t *testing.T) {
	const bound = 3
	n := serveJournalOnly(t, Config{Demo: true, InboxJournal: bound})
	inbox := n.URLs.Base() + "/inbox"
	var hosts []*cachedRemote
	for _, id := range []string{"https://a.example/users/a", "https://b.example/users/b", "https://c.example/users/c", "https://d.example/users/d"} {
		hosts = append(hosts, remember(t, n, id))
	}
	for i, h := range hosts[:bound] {
		if st := h.post(t, nil, inbox, h.like(1)).StatusCode; st != http.StatusAccepted {
			t.Fatalf("activity %d, within the bound: %d", i, st)
		}
	}
	if got := scrape(t, n, "lernejo_inbox_journal"); got != bound {
		t.Fatalf("lernejo_inbox_journal = %v, want %d", got, bound)
	}
	for _, h := range []*cachedRemote{hosts[0], hosts[3]} { // one already waiting, one new
		resp := h.post(t, nil, inbox, h.like(2))
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s past the bound: %d, want 503", h.id, resp.StatusCode)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
		if seen(t, n, h.origin()+"/likes/2") {
			t.Fatalf("a refused activity of %s was journalled", h.id)
		}
	}
	if got := journalLen(t, n); got != bound {
		t.Fatalf("%d activities in the journal, want %d", got, bound)
	}
	if got := scrape(t, n, "lernejo_inbox_lag_seconds"); got != 0 {
		t.Errorf("lag before anything was processed: %v", got)
	}

	n.Inbox.ProcessPending(context.Background())
	if got := scrape(t, n, "lernejo_inbox_journal"); got != 0 || journalLen(t, n) != 0 {
		t.Fatalf("after processing: gauge %v, journal %d", got, journalLen(t, n))
	}
	for i, h := range hosts {
		if st := h.post(t, nil, inbox, h.like(3)).StatusCode; st != http.StatusAccepted && i < bound {
			t.Fatalf("after processing, %s: %d", h.id, st)
		} else if i == bound && st != http.StatusServiceUnavailable {
			t.Fatalf("after processing, the activity past the bound again: %d", st)
		}
	}
}
