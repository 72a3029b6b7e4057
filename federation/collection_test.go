package federation

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestOrderedCollectionPaging(t *testing.T) {
	page := func(n, total int, items []any) map[string]any {
		b, err := OrderedCollectionPage("https://node.test/c", n, total, items)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		json.Unmarshal(b, &m)
		return m
	}
	full := make([]any, PageSize)
	for i := range full {
		full[i] = fmt.Sprintf("https://node.test/p/%d", i)
	}
	if p := page(1, 45, full); p["next"] != "https://node.test/c?page=2" || p["prev"] != nil || p["partOf"] != "https://node.test/c" {
		t.Fatalf("first full page: %v", p)
	}
	if p := page(3, 45, full[:5]); p["next"] != nil || p["prev"] != "https://node.test/c?page=2" {
		t.Fatalf("last page: %v", p)
	}
	// A collection that shows only its size has nothing to page through.
	if p := page(1, 500, nil); p["next"] != nil || p["totalItems"] != float64(500) {
		t.Fatalf("count-only page: %v", p)
	}
	b, _ := OrderedCollection("https://node.test/c", 45)
	m := map[string]any{}
	json.Unmarshal(b, &m)
	if m["first"] != "https://node.test/c?page=1" || m["last"] != "https://node.test/c?page=3" || m["@context"] != NSActivityStreams {
		t.Fatalf("collection: %v", m)
	}
}

func TestOrderedCollectionByCursor(t *testing.T) {
	decode := func(b []byte, err error) map[string]any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	c := decode(OrderedCollectionByCursor("https://node.test/c", 45))
	if c["first"] != "https://node.test/c?page=1" || c["last"] != nil || c["totalItems"] != float64(45) {
		t.Fatalf("collection: %v", c)
	}
	first := decode(OrderedCollectionPageByCursor("https://node.test/c", "", "", "YQx", 45, []any{"https://node.test/p/1"}))
	if first["id"] != "https://node.test/c?page=1" || first["next"] != "https://node.test/c?page=YQx" || first["prev"] != nil ||
		first["partOf"] != "https://node.test/c" {
		t.Fatalf("first page: %v", first)
	}
	last := decode(OrderedCollectionPageByCursor("https://node.test/c", "YQx", "Yg-_", "", 45, nil))
	if last["id"] != "https://node.test/c?page=YQx" || last["prev"] != "https://node.test/c?page=Yg-_" || last["next"] != nil {
		t.Fatalf("last page: %v", last)
	}
	if items, ok := last["orderedItems"].([]any); !ok || len(items) != 0 {
		t.Fatalf("an empty page's orderedItems: %v", last["orderedItems"])
	}
}
