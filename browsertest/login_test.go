package browsertest

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/node"
)

// settableClock is a clock a test moves by hand, for the log-in delays.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestJourneyLogInWhileSomeoneGuesses (HOSTILE W6): someone at another
// address tries 30 passwords on ada's account; ada, in her browser, logs in
// while that address is being made to wait. When she mistypes her own password too often the form tells her
// how long to wait, and after that wait she gets in.
func TestJourneyLogInWhileSomeoneGuesses(t *testing.T) {
	t.Parallel()
	clock := &settableClock{t: time.Now()}
	_, lo, _ := net.ParseCIDR("127.0.0.1/32")
	n := startNode(t, node.Config{Demo: true, Now: clock.now, TrustedProxies: []*net.IPNet{lo}})

	b := newBrowser(t)
	// The guesser, behind the node's proxy at 203.0.113.7. The first time
	// it is told to wait, ada logs in from her own address.
	guesser := newClient(t, n.Base)
	token := guesser.token("/login")
	delayed := 0
	for fails := 0; fails < 30; {
		req, _ := http.NewRequest("POST", n.Base+"/login", strings.NewReader(url.Values{"_csrf": {token}, "handle": {"ada"}, "password": {"guess " + strconv.Itoa(fails)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		resp, err := guesser.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			fails++
		case http.StatusTooManyRequests:
			s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || s < 1 {
				t.Fatalf("guesser: 429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
			if delayed++; delayed == 1 {
				b.as("ada", n.Base).logIn("ada", n.AdaPassword)
			}
			clock.add(time.Duration(s) * time.Second)
		default:
			t.Fatalf("guess %d: %d", fails, resp.StatusCode)
		}
	}
	if delayed == 0 {
		t.Fatal("30 guesses from one address were never delayed")
	}

	// In another browser profile, ada mistypes her password.
	ada := b.as("ada", n.Base)
	for range 5 {
		ada.openOK("/login")
		ada.fill("Handle", "ada")
		ada.fill("Password", "not my password")
		if st := ada.press("Log in"); st != http.StatusUnauthorized {
			t.Fatalf("mistyped password: %d\n%s", st, ada.where())
		}
		ada.sees("That handle and password do not match")
	}
	// The form she is on is the one that answered: she tries once more.
	ada.fill("Password", "still not it")
	if st := ada.press("Log in"); st != http.StatusTooManyRequests {
		t.Fatalf("sixth mistyped password: %d, want 429\n%s", st, ada.where())
	}
	ada.sees("please wait 1 second and try again")
	clock.add(time.Second)
	ada.fill("Password", n.AdaPassword)
	if st := ada.press("Log in"); st != http.StatusOK {
		t.Fatalf("right password after the wait: %d\n%s", st, ada.where())
	}
	ada.sees("@ada")
}
