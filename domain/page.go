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
	Kind  string // "open", "tag", "lang" or "school"
	Value string // the tag, language or school; "" for "open"
}

// Course lists.
var OpenCourses = CourseList{Kind: "open"}

// TagCourses is the list of open courses with a tag.
func TagCourses(tag string) CourseList { return CourseList{Kind: "tag", Value: tag} }

// LanguageCourses is the list of open courses in a language.
func LanguageCourses(lang string) CourseList { return CourseList{Kind: "lang", Value: lang} }

// SchoolCourses is the list of a school's courses that are not drafts.
func SchoolCourses(school string) CourseList { return CourseList{Kind: "school", Value: school} }

// Lists returns the course lists the course belongs to. This is the one
// place that says which courses the home, tag, language and school pages
// show.
func (c *Course) Lists() []CourseList {
	var out []CourseList
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

// ListTx reads the lists that pages show, one page at a time, and the
// counts they show. Each paged read seeks to its cursor in an index and
// reads at most limit entries (at most limit*MaxPageScan with a filter);
// each count is one counter the writes keep, not a walk of the list.
type ListTx interface {
	// FollowersPage returns a local actor's followers in one state, in the
	// order they followed (oldest first).
	FollowersPage(local string, state FollowState, cursor string, limit int) (Page[*Follower], error)

	// DiscussionPage returns a course's top-level posts, newest first: the
	// posts that answer nothing, and the replies whose parent is not stored
	// here (as the discussion shows them).
	DiscussionPage(course, cursor string, limit int) (Page[*Post], error)
	// RepliesPage returns the direct replies to a post, oldest first.
	RepliesPage(uri, cursor string, limit int) (Page[*Post], error)
	// ThreadPage returns the posts of a thread by the ID of its first post,
	// oldest first.
	ThreadPage(id, cursor string, limit int) (Page[*Post], error)
	// CoursePostsPage returns every post of a course's discussion, newest first.
	CoursePostsPage(course, cursor string, limit int) (Page[*Post], error)
	// PinnedPosts returns up to limit of a course's pinned local posts, newest first.
	PinnedPosts(course string, limit int) ([]*Post, error)
	// CountReplies returns the number of direct replies to a post.
	CountReplies(uri string) (int, error)
	// CountThread returns the number of posts in a thread.
	CountThread(id string) (int, error)

	// CoursesPage returns the courses of a list in handle order; keep, when
	// not nil, filters them (a filtered page may be short).
	CoursesPage(list CourseList, cursor string, limit int, keep func(*Course) bool) (Page[*Course], error)
	// CourseLanguages returns the distinct languages of open courses, sorted,
	// at most limit.
	CourseLanguages(limit int) ([]string, error)
	// SchoolsPage returns the node's schools in handle order.
	SchoolsPage(cursor string, limit int) (Page[*School], error)

	// AwardsPage returns the awards a learner holds on this node, oldest
	// first; keep, when not nil, filters them.
	AwardsPage(learner, cursor string, limit int, keep func(*Award) bool) (Page[*Award], error)
	// ReceivedBadgesPage returns the badges a local person received from
	// other servers; keep, when not nil, filters them.
	ReceivedBadgesPage(learner, cursor string, limit int, keep func(*ReceivedBadge) bool) (Page[*ReceivedBadge], error)
	// CountTaskCompletions returns how many learners completed a task.
	CountTaskCompletions(course, task string) (int, error)

	// DomainBlocksPage returns the operator's domain blocks, sorted by domain.
	DomainBlocksPage(cursor string, limit int) (Page[*DomainBlock], error)
	// ReportsPage returns the reports received, newest first.
	ReportsPage(cursor string, limit int) (Page[*Report], error)
}
