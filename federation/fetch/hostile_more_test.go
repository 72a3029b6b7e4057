package fetch

// More rows of ../shared/HOSTILE.md; the index is docs/hostile-coverage.md.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// TestP6TasksCollectionOnePageCapped (HOSTILE P6): the only collection the
// node reads from other servers is a followed course's tasks. It is read as
// one page: a "next" or "first" pointing at itself (or anywhere) is never
// followed, and at most 200 items are kept, whatever the page holds. Items
// on another origin are skipped.
func TestP6TasksCollectionOnePageCapped(t *testing.T) {
	var fetches atomic.Int32
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		items := make([]any, 0, 1001)
		items = append(items, map[string]any{"id": "https://elsewhere.test/tasks/x", "type": "Page", "name": "foreign"})
		for i := 0; i < 1000; i++ {
			items = append(items, map[string]any{"id": fmt.Sprintf("%s/courses/c/tasks/%d", base, i), "type": "Page",
				"name": fmt.Sprintf("Task %d", i), "content": "<p>do it</p>", "position": i + 1})
		}
		w.Header().Set("Content-Type", asJSON)
		json.NewEncoder(w).Encode(map[string]any{"id": base + r.URL.Path, "type": "OrderedCollection",
			"totalItems": 1000000, "first": base + r.URL.Path, "next": base + r.URL.Path, "orderedItems": items})
	}))
	defer srv.Close()
	base = srv.URL
	res := &Resolver{Client: privateClient(Config{}), Sanitizer: federation.NewSanitizer()}
	tasks, err := res.FetchTasks(context.Background(), &domain.RemoteActor{ID: base + "/courses/c", Tasks: base + "/courses/c/tasks"})
	if err != nil {
		t.Fatal(err)
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for one tasks collection, want 1 (next/first must not be followed)", n)
	}
	if len(tasks) == 0 || len(tasks) > 200 {
		t.Fatalf("%d tasks kept, want 1..200", len(tasks))
	}
	for _, tk := range tasks {
		if !federation.SameOrigin(tk.ID, base) {
			t.Fatalf("task %s from another origin kept", tk.ID)
		}
	}
}
