package browsertest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// recorder is a testing.TB that keeps the first failure instead of
// reporting it, so a test can assert that a check fails.
type recorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	if r.msg == "" {
		r.msg = fmt.Sprintf(format, args...)
	}
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *recorder) Helper() {}

// failure runs fn with the person's failures going to a recorder and
// returns the failure, or "" when fn passed.
func (u *user) failure(fn func(u *user)) string {
	r := &recorder{TB: u.t}
	c := *u
	c.t = r
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(&c)
	}()
	<-done
	return r.msg
}

// TestPageChecksCatchFaults proves the checks every page gets can fail: a
// page wider than the phone fails the overflow check naming the element, an
// image without a text alternative and low-contrast text fail axe-core, and
// text that is readable in light but not in dark fails in the dark scheme.
func TestPageChecksCatchFaults(t *testing.T) {
	b := newBrowser(t)
	u := b.as("visitor", "")
	page := func(body string) string {
		return "data:text/html;charset=utf-8," + strings.ReplaceAll(`<!DOCTYPE html><html lang="en"><head><title>Canary</title>`+
			`<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>Canary</h1>`+body+`</main></body></html>`, "#", "%23")
	}
	for _, c := range []struct{ name, body, want string }{
		{"fine", `<p>Nothing wrong here.</p>`, ""},
		{"overflow", `<p id="wide" style="width:2000px">wide</p>`, `<p#wide> "wide" reaching`},
		{"image", `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`, "image-alt"},
		{"contrast", `<p style="color:#ccc">pale</p>`, "color-contrast"},
		{"dark", `<style>@media (prefers-color-scheme: dark) { body { background: #000; } p { color: #222; } }</style><p>dim</p>`, "dark colour scheme"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := u.in(t)
			u.step("open the canary", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(page(c.body)))
			got := u.failure(func(u *user) { u.checkPage() })
			switch {
			case c.want == "" && got != "":
				t.Errorf("a fine page fails the checks: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("the checks say %q, want a failure naming %q", got, c.want)
			}
		})
	}
}
