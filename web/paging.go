package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

// Page sizes of the lists pages show. Every list is read a page at a time
// from the store (the ...Page reads of domain's store interfaces), so a page's size and cost do not grow
// with the list: a course with 10,000 members serves the same page as one
// with 100 (BenchmarkCoursePages).
const (
	postsPerPage    = 50 // posts of a thread, replies on a post's page
	coursesPerPage  = 30 // home, tag and school pages
	schoolsPerPage  = 30 // home page
	badgesPerPage   = 30 // a person's page
	blocksPerPage   = 50 // the operator's page
	reportsPerPage  = 20
	maxLanguages    = 100 // the home page's language choice
	maxPinnedPosts  = 20  // a course's featured collection
	feedPageSize    = 100 // the Atom feed looks through pages of this many posts,
	feedPagesToScan = 5   // at most this many
)

// pageLinks are the links of a paged list to its neighbouring pages ("" at
// an end). They keep the page's other parameters, so paging one list of a
// page leaves the others where they were.
type pageLinks struct {
	Label      string // names the list's navigation ("Members")
	Prev, Next string
}

// linksFor builds a list's page links: the current path and query with the
// list's parameter set to each neighbour's cursor, and anchor (the list's
// section) as the fragment. A one-time message (?error=, ?saved=) is not
// carried along.
func linksFor[T any](c *fiber.Ctx, param, anchor, label string, p domain.Page[T]) pageLinks {
	return linksAt(c, param, anchor, label, p.Prev, p.Next)
}

// linksAt is linksFor given the neighbouring pages' cursors, as the read
// models of the services hold them ("" at an end).
func linksAt(c *fiber.Ctx, param, anchor, label, prev, next string) pageLinks {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		q = url.Values{}
	}
	q.Del("error")
	q.Del("saved")
	link := func(cursor string) string {
		if cursor == "" {
			return ""
		}
		q.Set(param, cursor)
		u := c.Path() + "?" + q.Encode()
		if anchor != "" {
			u += "#" + anchor
		}
		return u
	}
	return pageLinks{Label: label, Prev: link(prev), Next: link(next)}
}

// thousands formats a count for people: 1234567 → "1,234,567".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
