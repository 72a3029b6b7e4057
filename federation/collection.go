package federation

import (
	"net/url"

	vocab "github.com/go-ap/activitypub"
)

// PageSize is the number of items on one page of a collection.
const PageSize = 20

// ASOrderedCollection is an OrderedCollection: paged (its first page), with
// all its items in orderedItems ([] when there are none), or its size
// alone.
type ASOrderedCollection struct {
	Context      any                          `json:"@context,omitempty"`
	ID           string                       `json:"id"`
	Type         vocab.ActivityVocabularyType `json:"type"` // "OrderedCollection"
	TotalItems   int                          `json:"totalItems"`
	First        string                       `json:"first,omitempty"`
	OrderedItems []any                        `json:"orderedItems,omitzero"`
}

func (c ASOrderedCollection) withContext(ctx any) any { c.Context = ctx; return c }

// ASOrderedCollectionPage is one page of a paged collection; orderedItems
// is there even when the page is empty.
type ASOrderedCollectionPage struct {
	Context      any                          `json:"@context,omitempty"`
	ID           string                       `json:"id"`
	Type         vocab.ActivityVocabularyType `json:"type"` // "OrderedCollectionPage"
	PartOf       string                       `json:"partOf"`
	TotalItems   int                          `json:"totalItems"`
	Next         string                       `json:"next,omitempty"`
	Prev         string                       `json:"prev,omitempty"`
	OrderedItems []any                        `json:"orderedItems"`
}

// OrderedCollectionOf is a collection with all its items in it, in order
// (a course's tasks, its featured posts): small enough not to be paged.
func OrderedCollectionOf(id string, items []any) ASOrderedCollection {
	return ASOrderedCollection{ID: id, Type: vocab.OrderedCollectionType, TotalItems: len(items), OrderedItems: orEmpty(items)}
}

// OrderedCollectionSize is the document of a collection that shows its
// size, not its members (followers, following): id, type and totalItems,
// and no first page, as Mastodon serves the collections of an account that
// hides them. A page that listed nothing under a count would be a count
// no walk of the pages can confirm.
func OrderedCollectionSize(id string, total int) []byte {
	return marshal(ASOrderedCollection{Context: NSActivityStreams, ID: id, Type: vocab.OrderedCollectionType, TotalItems: total})
}

// collectionPage is a page of collection id with its items ([] for none).
func collectionPage(pageID, id string, total int, items []any) ASOrderedCollectionPage {
	return ASOrderedCollectionPage{Context: NSActivityStreams, ID: pageID, Type: vocab.OrderedCollectionPageType, PartOf: id,
		TotalItems: total, OrderedItems: orEmpty(items)}
}

// A collection read from the store a page at a time is paged by cursors:
// its first page is ?page=1, each page
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
	return marshal(ASOrderedCollection{Context: NSActivityStreams, ID: id, Type: vocab.OrderedCollectionType, TotalItems: total,
		First: CursorPage(id, "")}), nil
}

// OrderedCollectionPageByCursor is the page of a cursor-paged collection
// that cursor names, with the cursors of its neighbours ("" for none).
func OrderedCollectionPageByCursor(id, cursor, prev, next string, total int, items []any) ([]byte, error) {
	p := collectionPage(CursorPage(id, cursor), id, total, items)
	if next != "" {
		p.Next = CursorPage(id, next)
	}
	if prev != "" {
		p.Prev = CursorPage(id, prev)
	}
	return marshal(p), nil
}

// A note's replies are an unordered Collection with its first page
// embedded, in the note and at the collection's id, as Mastodon serves
// them: GoToSocial walks a note's replies only in this shape (a bare link
// it does not follow). The pages are read by cursor, as the other
// collections read a page at a time.

// ASCollection is a note's replies: how many there are, and the first
// page.
type ASCollection struct {
	Context    any                          `json:"@context,omitempty"`
	ID         string                       `json:"id"`
	Type       vocab.ActivityVocabularyType `json:"type"` // "Collection"
	TotalItems int                          `json:"totalItems"`
	First      ASCollectionPage             `json:"first"`
}

// ASCollectionPage is a page of a note's replies; items is there even
// when the page is empty.
type ASCollectionPage struct {
	Context any                          `json:"@context,omitempty"`
	ID      string                       `json:"id"`
	Type    vocab.ActivityVocabularyType `json:"type"` // "CollectionPage"
	PartOf  string                       `json:"partOf"`
	Next    string                       `json:"next,omitempty"`
	Prev    string                       `json:"prev,omitempty"`
	Items   []any                        `json:"items"`
}

// RepliesPage is a page of a note's replies as it is read: the ids on it,
// and the cursors of its neighbours ("" at an end). Total is the number
// of replies of the note.
type RepliesPage struct {
	Total      int
	Items      []any
	Prev, Next string
}

// RepliesID is the id of the replies collection of the note noteID.
func RepliesID(noteID string) string { return noteID + "/replies" }

// repliesPage is the page of the replies collection id that cursor names.
func repliesPage(id, cursor string, p RepliesPage) ASCollectionPage {
	out := ASCollectionPage{ID: CursorPage(id, cursor), Type: vocab.CollectionPageType, PartOf: id, Items: orEmpty(p.Items)}
	if p.Next != "" {
		out.Next = CursorPage(id, p.Next)
	}
	if p.Prev != "" {
		out.Prev = CursorPage(id, p.Prev)
	}
	return out
}

// Replies is the replies collection of the note noteID, first its first
// page of replies.
func Replies(noteID string, first RepliesPage) ASCollection {
	id := RepliesID(noteID)
	return ASCollection{ID: id, Type: vocab.CollectionType, TotalItems: first.Total, First: repliesPage(id, "", first)}
}

// RepliesDocument is the replies collection of the note noteID served at
// its id, with the first page embedded as in the note.
func RepliesDocument(noteID string, first RepliesPage) []byte {
	c := Replies(noteID, first)
	c.Context = NSActivityStreams
	return marshal(c)
}

// RepliesPageDocument is the page of the note noteID's replies that cursor
// names ("" for the first).
func RepliesPageDocument(noteID, cursor string, p RepliesPage) []byte {
	page := repliesPage(RepliesID(noteID), cursor, p)
	page.Context = NSActivityStreams
	return marshal(page)
}
