package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// scrape reads one sample of a metric from /metrics (0 when absent).
func scrape(t *testing.T, n *Node, metric string) float64 {
	t.Helper()
	resp, body := get(t, n.URLs.Base()+"/metrics", "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric) + ` ([0-9.e+]+)$`).FindStringSubmatch(string(body))
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestMetricsMoveWhenActivitiesArrive scrapes /metrics before and after a
// signed Follow arrives and its Accept is delivered.
func TestMetricsMoveWhenActivitiesArrive(t *testing.T) {
	n := startNode(t, Config{Demo: true, AllowPrivateNetworks: true})
	accepted := `lernejo_inbox_activities_total{reason="",result="accepted"}`
	sent := `lernejo_deliveries_total{outcome="sent",retrying="false"}`
	if v := scrape(t, n, accepted); v != 0 {
		t.Fatalf("accepted before anything arrived: %v", v)
	}
	peer := newFakePeer(t)
	peer.status.Store(202)
	if st := peer.follow(n.URLs.Actor(domain.ActorCourse, DemoCourse), n.URLs.SharedInbox(), "m1"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	if v := scrape(t, n, accepted); v != 1 {
		t.Fatalf("accepted after one activity: %v", v)
	}
	eventually(t, "the Accept is counted as sent", func() bool { return scrape(t, n, sent) == 1 })
	// An unsigned POST is counted as refused by its reason.
	http.Post(n.URLs.SharedInbox(), "application/activity+json", strings.NewReader(`{}`))
	if v := scrape(t, n, `lernejo_inbox_activities_total{reason="signature",result="refused"}`); v != 1 {
		t.Fatalf("refused: %v", v)
	}
	if body := string(mustGet(t, n.URLs.Base()+"/metrics")); !strings.Contains(body, "\nlernejo_deliveries_pending ") || !strings.Contains(body, "\nlernejo_deliveries_retrying ") {
		t.Fatal("the delivery queue gauges are missing")
	}
	if scrape(t, n, "lernejo_badger_lsm_bytes") < 0 || !strings.Contains(string(mustGet(t, n.URLs.Base()+"/metrics")), "lernejo_http_request_duration_seconds_bucket") {
		t.Fatal("request latency by route is missing")
	}
}

func mustGet(t *testing.T, u string) []byte {
	_, b := get(t, u, "")
	return b
}

// TestMetricsOnlyFromConfiguredNetworks: loopback is not in the list here.
func TestMetricsOnlyFromConfiguredNetworks(t *testing.T) {
	_, only10, _ := net.ParseCIDR("10.0.0.0/8")
	n := startNode(t, Config{MetricsFrom: []*net.IPNet{only10}})
	if resp, _ := get(t, n.URLs.Base()+"/metrics", ""); resp.StatusCode != 404 {
		t.Fatalf("/metrics from loopback: %d, want 404", resp.StatusCode)
	}
}

// clientFrom makes an HTTP client whose connections come from a given
// loopback address (127.0.0.0/8 is all ours), to play a second visitor.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestFloodFromOneAddress: one address that floods the pages gets 429,
// with Retry-After; another address is served as usual.
func TestFloodFromOneAddress(t *testing.T) {
	n := startNode(t, Config{Demo: true, RequestsPerIP: 20})
	flood, calm := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	var limited *http.Response
	for i := 0; i < 40 && limited == nil; i++ {
		resp, err := flood.Get(n.URLs.Base() + "/courses/" + DemoCourse)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited = resp
		}
	}
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatal("40 requests from one address were never limited")
	}
	resp, err := calm.Get(n.URLs.Base() + "/courses/" + DemoCourse)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("another address got %d", resp.StatusCode)
	}
}

// TestInboxFloodFromOneHost: one sending host (the host of the signing key)
// that floods the inboxes gets 429 with Retry-After, and what it sent over
// the limit is not journalled.
func TestInboxFloodFromOneHost(t *testing.T) {
	n := startNode(t, Config{AllowPrivateNetworks: true, InboxPerHost: 3})
	peer := newFakePeer(t)
	if _, err := n.Resolver.Remember(context.Background(), peer.actorDoc()); err != nil {
		t.Fatal(err)
	}
	key, _ := domain.ParsePrivateKeyPEM(peer.key.PrivatePEM)
	post := func(i int) *http.Response {
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": fmt.Sprintf("%s/likes/%d", peer.URL, i), "type": "Like", "actor": peer.zoe(), "object": peer.URL + "/notes/1"})
		req, _ := http.NewRequest("POST", n.URLs.Base()+"/inbox", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/activity+json")
		if err := httpsig.Sign(req, body, peer.zoe()+"#main-key", key, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := 0; i < 3; i++ {
		if resp := post(i); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("activity %d within the limit: %d", i, resp.StatusCode)
		}
	}
	resp := post(3)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the fourth activity in five minutes: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		if seen, _ := tx.Seen(peer.URL + "/likes/3"); seen {
			t.Error("the refused activity was journalled")
		}
		if seen, _ := tx.Seen(peer.URL + "/likes/2"); !seen {
			t.Error("an accepted activity was not journalled")
		}
		return nil
	})
}
