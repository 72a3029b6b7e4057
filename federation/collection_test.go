package federation

import (
	"encoding/json"
	"testing"
)

// TestOrderedCollectionSize: a collection that shows its size only has
// its count and no pages, so that no walk finds fewer items than it says.
func TestOrderedCollectionSize(t *testing.T) {
	for _, total := range []int{0, 45} {
		m := map[string]any{}
		if err := json.Unmarshal(OrderedCollectionSize("https://node.test/c", total), &m); err != nil {
			t.Fatal(err)
		}
		if m["totalItems"] != float64(total) || m["id"] != "https://node.test/c" || m["type"] != "OrderedCollection" ||
			m["@context"] != NSActivityStreams {
			t.Fatalf("collection of %d: %v", total, m)
		}
		for _, k := range []string{"first", "last", "orderedItems"} {
			if _, ok := m[k]; ok {
				t.Errorf("collection of %d has %s: %v", total, k, m)
			}
		}
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
