package service

import (
	"context"
	"strings"

	"github.com/lernejo/lernejo/domain"
)

// The read models of the public pages: a post's page and a thread's, the
// home page with its search, a tag's page and a school's. Each is read in
// one transaction, a page of each list at a time.

// Page sizes of these pages' lists.
const (
	postsPerPage   = 50  // posts of a thread, replies on a post's page
	coursesPerPage = 30  // home, tag and school pages
	schoolsPerPage = 30  // home page
	maxLanguages   = 100 // the home page's language choice
)

// remoteCourse reports whether a post's course lives on another server:
// its id is then a URL, not a local handle.
func remoteCourse(course string) bool { return strings.Contains(course, "://") }

// PostPage is a local post's page: the post, its course and a page of its
// replies, oldest first, with theirs nested as in the discussion. Deleted is set, and nothing
// else, once the post was deleted.
type PostPage struct {
	Post *domain.Post
	// View is the post with its author's name and the replies shown under
	// it.
	View PostView
	// Course is the post's course; for a local learner's post in a course
	// on another server, a stand-in holding that course's name.
	Course *domain.Course
	// Organiser is set when the viewer organises Course.
	Organiser bool
	// RepliesPrev and RepliesNext page its direct replies, each shown
	// with replies under it to a bound; More is set when there are more of
	// these than the page shows: the thread's page has them all.
	RepliesPrev, RepliesNext string
	More                     bool
	Deleted                  bool
}

// Page is the page of the local post uri as viewer (a local handle, "" for
// a visitor) sees it; replies is the cursor of its page of replies ("" for
// the first). Posts of other servers are not found here.
func (s *Posts) Page(ctx context.Context, viewer, uri, replies string) (*PostPage, error) {
	var out *PostPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		p, err := tx.Post(uri)
		if domain.IsNotFound(err) {
			_, deleted, terr := domain.Found(tx.Tombstone(uri))
			if terr != nil {
				return terr
			}
			if deleted {
				out = &PostPage{Deleted: true}
				return nil
			}
		}
		if err != nil {
			return err
		}
		if !p.Local {
			return domain.Errorf(domain.ENOTFOUND, "Post not found.")
		}
		page := &PostPage{Post: p}
		if remoteCourse(p.Course) {
			page.Course = &domain.Course{Title: "A course on another server"}
			ra, found, err := domain.Found(tx.RemoteActor(p.Course))
			if err != nil {
				return err
			}
			if found {
				page.Course.Title = ra.DisplayName()
			}
		} else if page.Course, err = tx.Course(p.Course); err != nil {
			return err
		}
		page.Organiser = viewer != "" && page.Course.IsOrganiser(viewer)
		first, err := tx.RepliesPage(p.URI, replies, postsPerPage)
		if err != nil {
			return err
		}
		page.RepliesPrev, page.RepliesNext = first.Prev, first.Next
		posts, more, err := subtree(tx, p, first.Items, postsPerPage)
		if err != nil {
			return err
		}
		page.More = more
		trees, err := s.tree(tx, viewer, posts, p.URI)
		if err != nil {
			return err
		}
		page.View = trees[0]
		page.Post = page.View.Post // hidden while its author is suspended
		out = page
		return nil
	})
	return out, err
}

// subtree is p, a page of its direct replies and the replies under those,
// breadth first (each post's replies oldest first), at most limit of
// these; more is set when there are others.
func subtree(tx domain.PostStore, p *domain.Post, direct []*domain.Post, limit int) (posts []*domain.Post, more bool, _ error) {
	posts = append([]*domain.Post{p}, direct...)
	next, end := 1, len(posts)+limit
	for ; next < len(posts) && len(posts) < end; next++ {
		rs, err := tx.RepliesPage(posts[next].URI, "", end-len(posts))
		if err != nil {
			return nil, false, err
		}
		posts = append(posts, rs.Items...)
		more = more || rs.Next != ""
	}
	// The page is full: are there replies to the posts not walked yet?
	for ; next < len(posts) && !more; next++ {
		n, err := tx.CountReplies(posts[next].URI)
		if err != nil {
			return nil, false, err
		}
		more = n > 0
	}
	return posts, more, nil
}

// ThreadPage is a page of a thread's posts, oldest first and nested as in
// the discussion, of Total: where
// a discussion sends a thread longer than it shows. The thread is in
// Course, or in Remote, a course on another server.
type ThreadPage struct {
	Posts      []PostView
	Total      int
	Course     *domain.Course
	Remote     *domain.RemoteActor
	Organiser  bool // the viewer organises Course
	Prev, Next string
}

// Title names the course the thread is in: ours, or one elsewhere.
func (p *ThreadPage) Title() string {
	if p.Course != nil {
		return p.Course.Title
	}
	return p.Remote.DisplayName()
}

// Thread is the page of the thread id (the id of its first post) that
// cursor names ("" for the first), as viewer (a local handle, "" for a
// visitor) sees it. A thread of a course on another server is for people
// logged in here, as that course's page is (EUNAUTHORISED for a visitor);
// a draft course's threads are not found.
func (s *Posts) Thread(ctx context.Context, viewer, id, cursor string) (*ThreadPage, error) {
	var out *ThreadPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		page, err := tx.ThreadPage(id, cursor, postsPerPage)
		if err != nil {
			return err
		}
		if len(page.Items) == 0 {
			return domain.Errorf(domain.ENOTFOUND, "Thread not found.")
		}
		p := &ThreadPage{Prev: page.Prev, Next: page.Next}
		in := page.Items[0].Course
		if remoteCourse(in) {
			if viewer == "" {
				return domain.Errorf(domain.EUNAUTHORISED, "Please log in to see this page.")
			}
			if p.Remote, err = tx.RemoteActor(in); err != nil {
				return err
			}
		} else if p.Course, err = visibleCourse(tx, in); err != nil {
			return err
		}
		p.Organiser = p.Course != nil && viewer != "" && p.Course.IsOrganiser(viewer)
		if p.Posts, err = s.tree(tx, viewer, page.Items, ""); err != nil {
			return err
		}
		if p.Total, err = tx.CountThread(id); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// HomeQuery is what the home page asks: a search (words, a tag, a
// language, as typed) and the cursors of its lists of courses and schools
// ("" for the first pages).
type HomeQuery struct {
	Q, Tag, Lang     string
	Courses, Schools string
}

// HomePage is the home page: a page of the node's open courses, or of
// those the search finds, and a page of its schools.
type HomePage struct {
	Schools                  []*domain.School
	SchoolsPrev, SchoolsNext string
	Courses                  []*domain.Course
	CoursesPrev, CoursesNext string
	// Q is the search's words as typed; Tag and Lang the tag and language
	// searched for, as the search reads them.
	Q, Tag, Lang string
	Searching    bool
	// Languages are the languages of the open courses, to choose from.
	Languages []string
}

// Home is the home page for q.
func (s *Courses) Home(ctx context.Context, q HomeQuery) (*HomePage, error) {
	words := strings.ToLower(strings.TrimSpace(q.Q))
	tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q.Tag), "#"))
	lang := strings.ToLower(strings.TrimSpace(q.Lang))
	out := &HomePage{Q: q.Q, Tag: tag, Lang: lang, Searching: words != "" || tag != "" || lang != ""}
	// The narrowest index the search has, then the rest of the search as
	// a filter: a page examines a bounded number of courses either way.
	list := domain.OpenCourses
	switch {
	case tag != "":
		list = domain.TagCourses(tag)
	case lang != "":
		list = domain.LanguageCourses(lang)
	}
	var keep func(*domain.Course) bool
	if words != "" || (tag != "" && lang != "") {
		keep = func(co *domain.Course) bool { return matches(co, words, tag, lang) }
	}
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		schools, err := tx.SchoolsPage(q.Schools, schoolsPerPage)
		if err != nil {
			return err
		}
		out.Schools, out.SchoolsPrev, out.SchoolsNext = schools.Items, schools.Prev, schools.Next
		courses, err := tx.CoursesPage(list, q.Courses, coursesPerPage, keep)
		if err != nil {
			return err
		}
		out.Courses, out.CoursesPrev, out.CoursesNext = courses.Items, courses.Prev, courses.Next
		out.Languages, err = tx.CourseLanguages(maxLanguages)
		return err
	})
	return out, err
}

// matches is the home page's search: words in the title or summary, a
// tag, a language.
func matches(co *domain.Course, words, tag, lang string) bool {
	if lang != "" && co.Language != lang {
		return false
	}
	if tag != "" {
		found := false
		for _, t := range co.Tags {
			found = found || t == tag
		}
		if !found {
			return false
		}
	}
	text := strings.ToLower(co.Title + " " + co.Summary + " " + co.Kind)
	for _, w := range strings.Fields(words) {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// TagPage is a page of the open courses with a tag.
type TagPage struct {
	Tag                      string
	Courses                  []*domain.Course
	CoursesPrev, CoursesNext string
}

// Tagged is the page of the open courses tagged tag (in any case) that
// cursor names ("" for the first).
func (s *Courses) Tagged(ctx context.Context, tag, cursor string) (*TagPage, error) {
	out := &TagPage{Tag: strings.ToLower(tag)}
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		courses, err := tx.CoursesPage(domain.TagCourses(out.Tag), cursor, coursesPerPage, nil)
		out.Courses, out.CoursesPrev, out.CoursesNext = courses.Items, courses.Prev, courses.Next
		return err
	})
	return out, err
}

// SchoolPage is a school's page: the school and a page of its courses.
type SchoolPage struct {
	School                   *domain.School
	Courses                  []*domain.Course
	CoursesPrev, CoursesNext string
}

// Page is the page of the school handle with the page of its courses that
// cursor names ("" for the first).
func (s *Schools) Page(ctx context.Context, handle, cursor string) (*SchoolPage, error) {
	var out *SchoolPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		sc, err := tx.School(handle)
		if err != nil {
			return err
		}
		courses, err := tx.CoursesPage(domain.SchoolCourses(sc.Handle), cursor, coursesPerPage, nil)
		if err != nil {
			return err
		}
		out = &SchoolPage{School: sc, Courses: courses.Items, CoursesPrev: courses.Prev, CoursesNext: courses.Next}
		return nil
	})
	return out, err
}
