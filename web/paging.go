package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// pageLinks are the links of a paged list to its neighbouring pages ("" at
// an end). They keep the page's other parameters, so paging one list of a
// page leaves the others where they were.
type pageLinks struct {
	Label      string // names the list's navigation ("Members"), in the reader's language
	Prev, Next string
}

// linksAt builds a list's page links from the cursors of its neighbouring
// pages, as the read models of the services hold them ("" at an end): the
// current path and query with the list's parameter set to each
// neighbour's cursor, and anchor (the list's section) as the fragment.
// The label is translated by the caller (s.printer(c).T("Members")), so
// that the catalogue test sees it.
func linksAt(c *fiber.Ctx, param, anchor, label, prev, next string) pageLinks {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		q = url.Values{}
	}
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
