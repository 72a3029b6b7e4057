package domain

import "strings"

// Page is one page of a list, in the list's order, with the cursors of the
// pages before and after it ("" at either end). Cursors are opaque: the
// store makes them and reads them back from page links. "" asks for the
// first page; a cursor the store cannot read is an EINVALID error.
type Page[T any] struct {
	Items      []T
	Prev, Next string
}

// MaxPageSize bounds the limit of one paged read: a page costs what it
// shows, and what it shows is bounded.
const MaxPageSize = 200

// MaxPageScan is how many entries a filtered paged read looks at, at most,
// per page of limit items: limit*MaxPageScan. A page of a filtered list
// (home search, badges that are not revoked) can therefore be short, with
// a next cursor where the read stopped, but never costs the whole list.
const MaxPageScan = 10

// CourseList names a list of courses that pages show: the open courses,
// the open courses with a tag or in a language, the courses of a school.
// The store keeps an index per list (Course.Lists), so a page of a list
// reads only that page.
type CourseList struct {
	Kind  string // "open", "tag", "lang", "school" or "organiser"
	Value string // the tag, language, school or organiser; "" for "open"
}

// Course lists.
var OpenCourses = CourseList{Kind: "open"}

// TagCourses is the list of open courses with a tag.
func TagCourses(tag string) CourseList { return CourseList{Kind: "tag", Value: tag} }

// LanguageCourses is the list of open courses in a language.
func LanguageCourses(lang string) CourseList { return CourseList{Kind: "lang", Value: lang} }

// SchoolCourses is the list of a school's courses that are not drafts.
func SchoolCourses(school string) CourseList { return CourseList{Kind: "school", Value: school} }

// OrganisedCourses is the list of the courses a local person organises,
// drafts included (their "My learning" page).
func OrganisedCourses(handle string) CourseList { return CourseList{Kind: "organiser", Value: handle} }

// Lists returns the course lists the course belongs to. This is the one
// place that says which courses the home, tag, language and school pages
// show, and the organisers' pages.
func (c *Course) Lists() []CourseList {
	var out []CourseList
	for _, o := range c.Organisers {
		out = append(out, OrganisedCourses(o))
	}
	if c.School != "" && c.Federates() {
		out = append(out, SchoolCourses(c.School))
	}
	if c.Status != StatusOpen {
		return out
	}
	out = append(out, OpenCourses)
	if c.Language != "" && !strings.ContainsRune(c.Language, 0) {
		out = append(out, LanguageCourses(c.Language))
	}
	for _, t := range c.Tags {
		if !strings.ContainsRune(t, 0) {
			out = append(out, TagCourses(t))
		}
	}
	return out
}
