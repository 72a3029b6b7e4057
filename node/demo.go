package node

import (
	"context"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/service"
)

// Demo content, as DESIGN.md §9 describes it.
const (
	DemoOrganiser = "ada"
	DemoSchool    = "webcraft"
	DemoCourse    = "gentle-python"
)

var demoTasks = []domain.Task{
	{
		Title: "Say hello to Python",
		Body: `<p>Install Python 3 from <a href="https://www.python.org/downloads/">python.org</a> (or your system's package manager), open a terminal and start the interpreter with <code>python3</code>.</p>
<p>Type <code>print("Hello, world!")</code> and press Enter. Then try <code>2 + 3 * 4</code> and <code>(2 + 3) * 4</code>: why do they differ?</p>
<p>Post what you saw to the group, and one thing that surprised you.</p>`,
	},
	{
		Title: "Names, numbers and text",
		Body: `<p>Python keeps values in <em>variables</em>. Try:</p>
<pre><code>name = "Ada"
year = 1843
print(name, "wrote the first program in", year)</code></pre>
<p>Use <code>type()</code> to look at what kind of value each one is. Make a variable that holds your own name and print a greeting with an f-string: <code>print(f"Hello, {name}!")</code>.</p>`,
	},
	{
		Title: "Loops and decisions",
		Body: `<p>Write a small program <code>fizzbuzz.py</code> that prints the numbers from 1 to 30, but prints <code>Fizz</code> for multiples of 3, <code>Buzz</code> for multiples of 5, and <code>FizzBuzz</code> for multiples of both.</p>
<p>You will need <code>for n in range(1, 31):</code>, <code>if</code>/<code>elif</code>/<code>else</code> and the remainder operator <code>%</code>. Share your program as evidence when you mark this task done.</p>`,
	},
}

// seedDemo fills an empty node with the School of Webcraft, the study group
// "A Gentle Introduction to Python" with three tasks and a badge, and the
// organiser ada, whose password it prints once. On a seeded node it changes
// nothing.
func (n *Node) seedDemo(ctx context.Context) error {
	svc := n.Services
	missing := func(handle string) (bool, error) {
		var gone bool
		err := n.Store.View(ctx, func(tx domain.Tx) error {
			_, err := tx.HandleType(handle)
			gone = domain.IsNotFound(err)
			if gone {
				return nil
			}
			return err
		})
		return gone, err
	}

	if m, err := missing(DemoOrganiser); err != nil {
		return err
	} else if m {
		pw, err := password.Generate()
		if err != nil {
			return err
		}
		hash, err := password.Hash(pw)
		if err != nil {
			return err
		}
		if err := svc.Accounts.Register(ctx, &domain.Person{
			Handle:       DemoOrganiser,
			DisplayName:  "Ada",
			Bio:          "Organiser of the School of Webcraft. I like teaching programming to people who think they can't.",
			PasswordHash: hash,
			Admin:        true,
		}); err != nil {
			return err
		}
		out := n.cfg.DemoOutput
		if out == nil {
			out = func(f string, a ...any) { fmt.Printf(f, a...) }
		}
		out("Demo organiser account: %s, password: %s (shown only once)\n", DemoOrganiser, pw)
	}

	if m, err := missing(DemoSchool); err != nil {
		return err
	} else if m {
		if err := svc.Schools.Create(ctx, service.ByOperator, &domain.School{
			Handle:     DemoSchool,
			Name:       "School of Webcraft",
			Summary:    "Learn to make the web: programming, HTML and open web skills, with peers who learn alongside you.",
			Organisers: []string{DemoOrganiser},
		}); err != nil {
			return err
		}
	}

	if m, err := missing(DemoCourse); err != nil {
		return err
	} else if m {
		if err := svc.Courses.Create(ctx, DemoOrganiser, &domain.Course{
			Handle:     DemoCourse,
			Title:      "A Gentle Introduction to Python",
			Summary:    "A six-week study group for complete beginners. Each week we try a small piece of Python together, share what we made, and help each other when we get stuck.",
			Kind:       "Study Group",
			Status:     domain.StatusOpen,
			SignUp:     domain.SignUpOpen,
			School:     DemoSchool,
			Organisers: []string{DemoOrganiser},
			Language:   "en",
			Tags:       []string{"python", "programming", "beginners"},
		}); err != nil {
			return err
		}
		for _, t := range demoTasks {
			t.Course = DemoCourse
			if err := svc.Tasks.Add(ctx, DemoOrganiser, &t); err != nil {
				return err
			}
		}
		if err := svc.Badges.Add(ctx, DemoOrganiser, &domain.Badge{
			Issuer:      DemoCourse,
			Name:        "Python Basics",
			Description: "Ran Python, used variables and wrote a program with a loop and decisions.",
			Criteria:    domain.CriteriaAllTasks,
		}); err != nil {
			return err
		}
		// The study group meets weekly, for its six weeks.
		if _, err := svc.Meetings.Create(ctx, DemoOrganiser, DemoCourse, service.MeetingInput{
			Title:    "Weekly session",
			Agenda:   "Show what you tried this week, then the next small piece of Python together.",
			Place:    "Room 4, Central Library",
			Timezone: demoMeetingZone,
			Start:    nextWeekday(n.cfg.Now(), time.Wednesday, demoMeetingZone).Format("2006-01-02") + "T18:30",
			Minutes:  90,
			Repeat:   domain.RepeatWeekly,
			Count:    6,
		}); err != nil {
			return err
		}
	}
	return nil
}

// demoMeetingZone is the time zone of the demo study group's meetings.
const demoMeetingZone = "Europe/Berlin"

// nextWeekday is the first day after now that is day, in the zone.
func nextWeekday(now time.Time, day time.Weekday, zone string) time.Time {
	loc, err := domain.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	d := now.In(loc).AddDate(0, 0, 1)
	for d.Weekday() != day {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
