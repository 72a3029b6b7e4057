package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestValidateHandle(t *testing.T) {
	tests := []struct {
		handle string
		ok     bool
	}{
		{"ada", true},
		{"gentle-python", true},
		{"web.craft", true},
		{"a_b", true},
		{"_x_", true},
		{"a", true},
		{"1984", true},
		{strings.Repeat("a", 30), true},
		{strings.Repeat("a", 31), false},
		{"", false},
		{"Ada", false},  // handles are stored lower-case; NormaliseHandle first
		{"-ada", false}, // must start with a letter, digit or underscore
		{"ada-", false},
		{"ada.", false},
		{".ada", false},
		{"ad a", false},
		{"ada@host", false},
		{"adä", false},
		{"ada\x00", false},
		{"ada\u202e", false}, // RTL override
		{"a\u200bda", false}, // zero-width space
		{"actor", false},     // reserved: the node's Application actor
		{"inbox", false},
		{"admin", false},
		{"api", false},
		{"well-known", false},
	}
	for _, tt := range tests {
		err := ValidateHandle(tt.handle)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateHandle(%q) = %v, want ok=%v", tt.handle, err, tt.ok)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("ValidateHandle(%q) code = %s, want invalid", tt.handle, ErrorCode(err))
		}
	}
}

func TestNormaliseHandle(t *testing.T) {
	if got := NormaliseHandle("  @Gentle-Python "); got != "gentle-python" {
		t.Fatalf("got %q", got)
	}
}

func TestErrorCodesAndMessages(t *testing.T) {
	err := Errorf(ENOTFOUND, "Course %s not found.", "x")
	wrapped := errors.Join(errors.New("context"), err)
	if ErrorCode(wrapped) != ENOTFOUND || !IsNotFound(wrapped) {
		t.Fatalf("code of wrapped error = %s", ErrorCode(wrapped))
	}
	if ErrorMessage(err) != "Course x not found." {
		t.Fatalf("message = %q", ErrorMessage(err))
	}
	plain := errors.New("disk on fire at /var/secret")
	if ErrorCode(plain) != EINTERNAL || strings.Contains(ErrorMessage(plain), "secret") {
		t.Fatalf("internal errors must not leak details: %q", ErrorMessage(plain))
	}
	if ErrorCode(nil) != "" {
		t.Fatal("nil has no code")
	}
}

// TestFound: a lookup's value is there, not there (a not-found error, even
// wrapped), or failed (any other error, returned as it is).
func TestFound(t *testing.T) {
	c := &Course{Handle: "x"}
	if got, ok, err := Found(c, nil); got != c || !ok || err != nil {
		t.Fatalf("found: %v %v %v", got, ok, err)
	}
	notFound := fmt.Errorf("store: %w", Errorf(ENOTFOUND, "Course x not found."))
	if got, ok, err := Found(c, notFound); got != nil || ok || err != nil {
		t.Fatalf("not found: %v %v %v, want nil, false, nil", got, ok, err)
	}
	disk := fmt.Errorf("store: get course: %w", errors.New("read /data/000001.vlog: input/output error"))
	if got, ok, err := Found(c, disk); got != nil || ok || !errors.Is(err, disk) {
		t.Fatalf("failed: %v %v %v, want nil, false and the error", got, ok, err)
	}
	if _, ok, err := Found(c, Errorf(EFORBIDDEN, "no")); ok || ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("another domain error: %v %v, want it returned", ok, err)
	}
}

func TestSettingsValidate(t *testing.T) {
	s := DefaultSettings()
	if err := s.Validate(); err != nil {
		t.Fatalf("default settings invalid: %v", err)
	}
	s.Kinds = []string{" Challenge ", "challenge", "", "Sprint"}
	s.DefaultKind = " sprint "
	s.Normalise()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Kinds, "|") != "Challenge|Sprint" || s.DefaultKind != "Sprint" {
		t.Fatalf("kinds %q default %q", s.Kinds, s.DefaultKind)
	}
	s.DefaultKind = ""
	s.Normalise()
	if s.DefaultKind != "Challenge" {
		t.Fatalf("a blank default kind became %q, want the first kind", s.DefaultKind)
	}
	// A default kind that is none of the kinds is refused, not replaced by
	// the first kind behind the operator's back, and it is checked like
	// the kinds.
	for _, bad := range []string{"Course", strings.Repeat("k", MaxKindLen+1), "Sprint\x00"} {
		s.DefaultKind = bad
		s.Normalise()
		if err := s.Validate(); ErrorCode(err) != EINVALID || s.DefaultKind != strings.TrimSpace(bad) {
			t.Fatalf("default kind %q: %v, kept as %q", bad, err, s.DefaultKind)
		}
	}
	s.Kinds = nil
	s.Normalise()
	if err := s.Validate(); ErrorCode(err) != EINVALID {
		t.Fatalf("no kinds: %v", err)
	}
	s = DefaultSettings()
	s.Name = " "
	s.Normalise()
	if err := s.Validate(); ErrorCode(err) != EINVALID {
		t.Fatalf("empty name: %v", err)
	}
	s = DefaultSettings()
	s.DefaultKind = "Bootcamp"
	if err := s.Validate(); ErrorCode(err) != EINVALID {
		t.Fatalf("default kind not a kind: %v", err)
	}
}

func TestCourseValidate(t *testing.T) {
	st := DefaultSettings()
	valid := func() Course {
		return Course{Handle: "Py101", Title: "Python", Organisers: []string{"ada", "ada", "@Bob"}, Tags: []string{"#Python", "python", "code"}}
	}
	c := valid()
	c.Normalise(st)
	if err := c.Validate(st); err != nil {
		t.Fatal(err)
	}
	if c.Handle != "py101" || c.Kind != "Course" || c.Status != StatusDraft || c.SignUp != SignUpOpen {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if strings.Join(c.Organisers, ",") != "ada,bob" || strings.Join(c.Tags, ",") != "python,code" {
		t.Fatalf("organisers %v tags %v", c.Organisers, c.Tags)
	}
	bad := map[string]func(*Course){
		"no title":       func(c *Course) { c.Title = "" },
		"blank title":    func(c *Course) { c.Title = "  " },
		"unknown kind":   func(c *Course) { c.Kind = "Bootcamp" },
		"bad status":     func(c *Course) { c.Status = "deleted" },
		"bad sign-up":    func(c *Course) { c.SignUp = "invite" },
		"no organiser":   func(c *Course) { c.Organisers = nil },
		"bad organiser":  func(c *Course) { c.Organisers = []string{"not valid"} },
		"reserved":       func(c *Course) { c.Handle = "admin" },
		"tag with space": func(c *Course) { c.Tags = []string{"two words"} },
		"tag with #":     func(c *Course) { c.Tags = []string{"##two"} },
		"negative cap":   func(c *Course) { c.Capacity = -1 },
		"nul in title":   func(c *Course) { c.Title = "a\x00b" },
		"long title":     func(c *Course) { c.Title = strings.Repeat("x", MaxNameLen+1) },
		"bad school":     func(c *Course) { c.School = "no school" },
		"many questions": func(c *Course) { c.Questions = make([]string, MaxQuestions+1); fillText(c.Questions) },
		"many tags":      func(c *Course) { c.Tags = make([]string, MaxTags+1); fillText(c.Tags) },
	}
	for name, mutate := range bad {
		c := valid()
		mutate(&c)
		c.Normalise(st)
		if err := c.Validate(st); ErrorCode(err) != EINVALID {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
	// Validate judges the fields as they are: a course that was not
	// normalised is not made valid by it.
	c = valid()
	if err := c.Validate(st); ErrorCode(err) != EINVALID {
		t.Errorf("handle %q not normalised: got %v, want invalid", c.Handle, err)
	}
}

// fillText gives each entry a distinct one-word text.
func fillText(xs []string) {
	for i := range xs {
		xs[i] = fmt.Sprintf("word%d", i)
	}
}

func TestBadgeValidate(t *testing.T) {
	b := Badge{Name: " Python Basics "}
	b.Normalise()
	if err := b.Validate(); err != nil || b.Criteria != CriteriaAllTasks || b.Name != "Python Basics" {
		t.Fatalf("%v %s %q", err, b.Criteria, b.Name)
	}
	for _, b := range []Badge{
		{Name: ""},
		{Name: "x", Criteria: CriteriaChosenTasks},
		{Name: "x", Criteria: CriteriaPeer},
		{Name: "x", Criteria: "magic"},
	} {
		b.Normalise()
		if err := b.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%+v: got %v", b, err)
		}
	}
}

func TestPersonSchoolPostTaskValidate(t *testing.T) {
	p := Person{Handle: " @Ada ", DisplayName: " Ada L. ", Bio: " Counts. ", PasswordHash: "$argon2id$x"}
	p.Normalise()
	if err := p.Validate(); err != nil || p.Handle != "ada" || p.DisplayName != "Ada L." || p.Bio != "Counts." {
		t.Fatalf("person %+v: %v", p, err)
	}
	for name, p := range map[string]Person{
		"no password": {Handle: "ada"},
		"bad handle":  {Handle: "a b", PasswordHash: "h"},
		"long name":   {Handle: "ada", PasswordHash: "h", DisplayName: strings.Repeat("x", MaxNameLen+1)},
	} {
		p.Normalise()
		if err := p.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("person %s: got %v, want invalid", name, err)
		}
	}

	sc := School{Handle: "Webcraft", Name: " School of Webcraft ", Organisers: []string{"Ada", "", "ada"}}
	sc.Normalise()
	if err := sc.Validate(); err != nil || sc.Handle != "webcraft" || sc.Name != "School of Webcraft" || strings.Join(sc.Organisers, ",") != "ada" {
		t.Fatalf("school %+v: %v", sc, err)
	}
	for name, sc := range map[string]School{
		"no name":       {Handle: "w", Organisers: []string{"ada"}},
		"no organiser":  {Handle: "w", Name: "W", Organisers: []string{" "}},
		"bad organiser": {Handle: "w", Name: "W", Organisers: []string{"no one"}},
	} {
		sc.Normalise()
		if err := sc.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("school %s: got %v, want invalid", name, err)
		}
	}

	if err := (&Post{Content: "  Hello  "}).Validate(); err != nil {
		t.Fatalf("post: %v", err)
	}
	for _, text := range []string{"", " \n ", strings.Repeat("x", MaxPostLen+1)} {
		if err := (&Post{Content: text}).Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("post of %d characters: got %v, want invalid", len(text), err)
		}
	}

	task := Task{Title: " Read ", Body: " <p>Chapter one.</p>\n"}
	task.Normalise()
	if err := task.Validate(); err != nil || task.Title != "Read" || task.Body != "<p>Chapter one.</p>" {
		t.Fatalf("task %+v: %v", task, err)
	}
	if err := (&Task{Title: " "}).Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("task without a title: got %v, want invalid", err)
	}
}

// TestValidateChangesNothing: Validate only checks. Each value, valid or
// not, normalised or not, is the same after Validate as before it, down to
// the entries of its lists.
func TestValidateChangesNothing(t *testing.T) {
	st := DefaultSettings()
	st.Kinds = append(st.Kinds, " Sprint ")
	courses := []Course{
		{Handle: " @Py101 ", Title: " Python ", Summary: " Gently. ", Organisers: []string{"Ada", "ada", "", "@Bob"},
			Tags: []string{"#Python", " python", "", "Code"}, Questions: []string{" Why? ", ""}, School: " Webcraft ",
			Language: " EN "},
		{Handle: "py101", Title: "Python", Organisers: []string{"ada"}, Kind: "Course", Status: StatusOpen, SignUp: SignUpModerated,
			Tags: []string{"python"}, Questions: []string{"Why?"}},
		{Handle: "admin", Title: "", Status: "deleted", Tags: []string{"two words"}, Capacity: -1},
	}
	for _, c := range courses {
		before := deepCopy(t, c)
		_ = c.Validate(st)
		if !reflect.DeepEqual(before, c) {
			t.Errorf("Course.Validate changed\n%+v\nto\n%+v", before, c)
		}
	}
	settings := []Settings{st, {Name: " Node ", Description: " d ", Kinds: []string{" A ", "a", ""}, DefaultKind: " B "}, {}}
	for _, s := range settings {
		before := deepCopy(t, s)
		_ = s.Validate()
		if !reflect.DeepEqual(before, s) {
			t.Errorf("Settings.Validate changed\n%+v\nto\n%+v", before, s)
		}
	}
	for _, p := range []Person{{Handle: " @Ada ", DisplayName: " Ada ", Bio: " b ", PasswordHash: "h"}, {}} {
		before := deepCopy(t, p)
		_ = p.Validate()
		if !reflect.DeepEqual(before, p) {
			t.Errorf("Person.Validate changed\n%+v\nto\n%+v", before, p)
		}
	}
	for _, sc := range []School{{Handle: " W ", Name: " W ", Summary: " s ", Organisers: []string{"Ada", "", "ada"}}, {}} {
		before := deepCopy(t, sc)
		_ = sc.Validate()
		if !reflect.DeepEqual(before, sc) {
			t.Errorf("School.Validate changed\n%+v\nto\n%+v", before, sc)
		}
	}
	for _, b := range []Badge{{Name: " B ", Description: " d "}, {Criteria: "magic"}} {
		before := deepCopy(t, b)
		_ = b.Validate()
		if !reflect.DeepEqual(before, b) {
			t.Errorf("Badge.Validate changed\n%+v\nto\n%+v", before, b)
		}
	}
	for _, task := range []Task{{Title: " T ", Body: " b "}, {}, {Title: "T", PeerReview: true, Rubric: []string{" c ", ""}}} {
		before := deepCopy(t, task)
		_ = task.Validate()
		if !reflect.DeepEqual(before, task) {
			t.Errorf("Task.Validate changed\n%+v\nto\n%+v", before, task)
		}
	}
	post := Post{Content: "  Hello  "}
	_ = post.Validate()
	if post.Content != "  Hello  " {
		t.Errorf("Post.Validate changed the content to %q", post.Content)
	}
}

// deepCopy copies a value with its lists, so that a change to an entry of
// one of them shows.
func deepCopy[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateKeyPair(t *testing.T) {
	kp, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kp.PublicPEM, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public PEM: %q", kp.PublicPEM)
	}
	k, err := ParsePrivateKeyPEM(kp.PrivatePEM)
	if err != nil {
		t.Fatal(err)
	}
	if k.N.BitLen() != RSAKeyBits {
		t.Fatalf("key has %d bits", k.N.BitLen())
	}
}

func TestCourseStatusTransitions(t *testing.T) {
	allowed := map[[2]CourseStatus]bool{
		{StatusDraft, StatusOpen}: true, {StatusOpen, StatusClosed}: true, {StatusClosed, StatusOpen}: true,
		{StatusClosed, StatusArchived}: true, {StatusOpen, StatusArchived}: true,
	}
	all := []CourseStatus{StatusDraft, StatusOpen, StatusClosed, StatusArchived}
	for _, from := range all {
		for _, to := range all {
			c := Course{Status: from}
			want := from == to || allowed[[2]CourseStatus{from, to}]
			if got := c.CanMoveTo(to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestCourseAdmit(t *testing.T) {
	members := func(n int) func() (int, error) { return func() (int, error) { return n, nil } }
	asked := false
	notAsked := func() (int, error) { asked = true; return 0, nil }
	for _, tc := range []struct {
		name    string
		c       Course
		members func() (int, error)
		want    FollowState
		refused string
	}{
		{"open", Course{Status: StatusOpen, SignUp: SignUpOpen}, notAsked, FollowAccepted, ""},
		{"moderated", Course{Status: StatusOpen, SignUp: SignUpModerated}, notAsked, FollowPending, ""},
		{"blocked", Course{Status: StatusOpen, SignUp: SignUpOpen, Blocked: []string{"https://x.test/u/zoe"}}, notAsked, "", "do not let you take part"},
		{"closed sign-up", Course{Status: StatusOpen, SignUp: SignUpClosed}, notAsked, "", "not taking sign-ups"},
		{"closed course", Course{Status: StatusClosed, SignUp: SignUpOpen}, notAsked, "", "not taking sign-ups"},
		{"full", Course{Status: StatusOpen, SignUp: SignUpOpen, Capacity: 2}, members(2), "", "full"},
		{"room left", Course{Status: StatusOpen, SignUp: SignUpModerated, Capacity: 2}, members(1), FollowPending, ""},
	} {
		got, err := tc.c.Admit("https://x.test/u/zoe", tc.members)
		if tc.refused != "" {
			if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tc.refused) {
				t.Errorf("%s: %q, %v; want refused (%s)", tc.name, got, err, tc.refused)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if asked {
		t.Error("members were counted for a course without a capacity")
	}
}
