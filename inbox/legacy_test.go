package inbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/inbox"
	"github.com/lernejo/lernejo/outbox"
	"github.com/lernejo/lernejo/service"
)

// TestJournalOfTheFirstVersion: the data directory of the first released
// version (domain/store/testdata/store-v1, HOSTILE B7) has an activity
// journalled without a sending host. The inbox gives it its signer's host
// when it starts, so it counts towards that host's backlog and is processed
// in that host's turn; then the host has its whole backlog again.
func TestJournalOfTheFirstVersion(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../domain/store/testdata/store-v1")); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	const host = "mastodon.example" // of the journalled Like's signer, https://mastodon.example/users/zoe
	items := func() (all, ofHost []*domain.InboxItem) {
		st.View(ctx, func(tx domain.Tx) (err error) {
			if all, err = tx.InboxItems("", 10); err != nil {
				return err
			}
			ofHost, err = tx.InboxItemsFrom(host, "", 10)
			return err
		})
		return all, ofHost
	}
	if all, ofHost := items(); len(all) != 1 || all[0].Host != "" || len(ofHost) != 0 {
		t.Fatalf("the fixture's journal: %d items (host %q), %d indexed", len(all), all[0].Host, len(ofHost))
	}

	r := &rig{t: t, store: st, now: time.Now()}
	r.urls, _ = federation.NewURLs("https://node.test")
	r.res = &fetch.Resolver{Client: fetch.NewClient(fetch.Config{}), Store: st,
		Sanitizer: federation.NewSanitizer(), URLs: r.urls, Now: time.Now}
	newID := func() string { return ulid.Make().String() }
	r.outbox = outbox.New(outbox.Config{Store: st, HTTP: http.DefaultClient, URLs: r.urls, Now: time.Now, NewID: newID})
	r.svc = service.New(service.Config{Store: st, Queue: r.outbox, Docs: federation.Documents{URLs: r.urls, Sanitizer: federation.NewSanitizer()},
		Resolver: r.res, Now: time.Now, NewID: newID})
	r.inbox = r.newInbox(inbox.Config{Store: st, URLs: r.urls, Resolver: r.res, Outbox: r.outbox,
		Enrolment: r.svc.Enrolment, Discussion: r.svc.Posts, Learning: r.svc.Tasks, Badges: r.svc.Badges, Moderation: r.svc.Moderation, Schools: r.svc.Schools,
		Meetings: r.svc.Meetings, Reviews: r.svc.Reviews, Now: time.Now, NewID: newID, Backlog: 1})
	if _, ofHost := items(); len(ofHost) != 1 || ofHost[0].Host != host || ofHost[0].Signer != "https://mastodon.example/users/zoe" {
		t.Fatalf("after the inbox started, the item of %s: %+v", host, ofHost)
	}

	maxi := r.newRemote("https://mastodon.example/users/max")
	like := func(id string) []byte {
		b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id,
			"type": "Like", "actor": maxi.id, "object": "https://mastodon.example/notes/1"})
		return b
	}
	if err := r.inbox.Receive(ctx, r.signed(maxi, like("https://mastodon.example/likes/1"))); statusOf(err) != http.StatusTooManyRequests {
		t.Fatalf("with the old item waiting and a backlog of 1: %v, want 429", err)
	}
	r.inbox.ProcessPending(ctx)
	if all, _ := items(); len(all) != 0 {
		t.Fatalf("%d items left after processing", len(all))
	}
	if err := r.inbox.Receive(ctx, r.signed(maxi, like("https://mastodon.example/likes/2"))); err != nil {
		t.Fatalf("once the old item is processed: %v", err)
	}
}
