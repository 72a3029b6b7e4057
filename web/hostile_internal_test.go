package web

import (
	"io"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestP11InFlightCap (HOSTILE P11): past the bound on requests in flight,
// a request is answered at once with 503 and Retry-After instead of
// queueing; when the slow ones finish, requests are served again. The node
// uses a bound of 512 (routes.go); here it is 2.
func TestP11InFlightCap(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use((&Server{}).limitInFlight(2))
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	app.Get("/slow", func(c *fiber.Ctx) error {
		entered <- struct{}{}
		<-release
		return c.SendString("done")
	})
	app.Get("/fast", func(c *fiber.Ctx) error { return c.SendString("ok") })

	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := app.Test(httptest.NewRequest("GET", "/slow", nil), 10_000)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("slow request: %v %v", resp, err)
			}
		}()
	}
	for i := 0; i < 2; i++ {
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow requests never started")
		}
	}
	start := time.Now()
	resp, err := app.Test(httptest.NewRequest("GET", "/fast", nil), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != fiber.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third request in flight: %d %q, Retry-After %q; want 503 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the refusal took %v: it queued instead", d)
	}
	close(release)
	wg.Wait()
	resp, err = app.Test(httptest.NewRequest("GET", "/fast", nil), 10_000)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the slow requests ended: %v %v", resp, err)
	}
}
