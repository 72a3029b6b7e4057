package federation

import (
	"net/url"

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

// A collection read from the store a page at a time is paged by cursors:
// its first page is ?page=1 (as a page-numbered collection's), each page
// links the next and previous by their cursors (?page=CURSOR), and there
// is no last page. Clients walk first and next, as Mastodon and
// GoToSocial do; a cursor-paged page costs what it shows however long the
// collection is.

// CursorPage is the id of the page of a collection a cursor names; "" is
// the first page.
func CursorPage(collection, cursor string) string {
	if cursor == "" {
		return Page(collection, 1)
	}
	return collection + "?page=" + url.QueryEscape(cursor)
}

// OrderedCollectionByCursor is the document of a cursor-paged collection:
// totalItems and the first page.
func OrderedCollectionByCursor(id string, total int) ([]byte, error) {
	c := vocab.OrderedCollectionNew(vocab.IRI(id))
	c.TotalItems = uint(total)
	c.First = vocab.IRI(CursorPage(id, ""))
	return withContext(c, NSActivityStreams, nil)
}

// OrderedCollectionPageByCursor is the page of a cursor-paged collection
// that cursor names, with the cursors of its neighbours ("" for none).
func OrderedCollectionPageByCursor(id, cursor, prev, next string, total int, items []any) ([]byte, error) {
	p := vocab.OrderedCollectionPageNew(vocab.OrderedCollectionNew(vocab.IRI(id)))
	p.ID = vocab.IRI(CursorPage(id, cursor))
	p.PartOf = vocab.IRI(id)
	p.TotalItems = uint(total)
	if next != "" {
		p.Next = vocab.IRI(CursorPage(id, next))
	}
	if prev != "" {
		p.Prev = vocab.IRI(CursorPage(id, prev))
	}
	ordered := []any{}
	ordered = append(ordered, items...)
	return withContext(p, NSActivityStreams, map[string]any{"orderedItems": ordered})
}
