package federation

import (
	vocab "github.com/go-ap/activitypub"
)

// PageSize is the number of items on one page of a collection.
const PageSize = 20

// OrderedCollection is the document of a paged collection: totalItems, and
// first/last pages (empty collections still link a first page, as Mastodon does).
func OrderedCollection(id string, total int) ([]byte, error) {
	c := vocab.OrderedCollectionNew(vocab.IRI(id))
	c.TotalItems = uint(total)
	c.First = vocab.IRI(Page(id, 1))
	if total > 0 {
		c.Last = vocab.IRI(Page(id, (total+PageSize-1)/PageSize))
	}
	return withContext(c, NSActivityStreams, nil)
}

// OrderedCollectionPage is page n (1-based) of a collection with total items;
// items are the ids or embedded objects on this page.
func OrderedCollectionPage(id string, n, total int, items []any) ([]byte, error) {
	p := vocab.OrderedCollectionPageNew(vocab.OrderedCollectionNew(vocab.IRI(id)))
	p.ID = vocab.IRI(Page(id, n))
	p.PartOf = vocab.IRI(id)
	p.TotalItems = uint(total)
	// A next page only when this one is full and more are listed: a
	// collection that shows only its size (followers) has no pages to walk.
	if len(items) == PageSize && n*PageSize < total {
		p.Next = vocab.IRI(Page(id, n+1))
	}
	if n > 1 {
		p.Prev = vocab.IRI(Page(id, n-1))
	}
	ordered := []any{}
	ordered = append(ordered, items...)
	return withContext(p, NSActivityStreams, map[string]any{"orderedItems": ordered})
}
