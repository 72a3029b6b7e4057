package node

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// burstActivities is how many pre-signed Creates BenchmarkPagesDuringIngest
// posts in its burst: several seconds of full-speed ingest here.
const burstActivities = 12_000

// pageLatencies GETs path from one keep-alive client, one request after
// another as a person's browser does, until stop is closed (or, with stop
// nil, count times), and returns each request's time, sorted.
func pageLatencies(b *testing.B, base, path string, count int, stop <-chan struct{}) []time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	var out []time.Duration
	for i := 0; stop != nil || i < count; i++ {
		if stop != nil {
			select {
			case <-stop:
				slices.Sort(out)
				return out
			default:
			}
		}
		start := time.Now()
		resp, err := client.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		out = append(out, time.Since(start))
		if stop != nil {
			time.Sleep(2 * time.Millisecond) // a page now and then, not a second flood
		}
	}
	slices.Sort(out)
	return out
}

// quantile is the q-th quantile of sorted durations, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(float64(len(sorted))*q), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// BenchmarkPagesDuringIngest measures what a person notices while another
// server floods the node: the demo course page's p50 and p99 at rest, then
// during a burst of burstActivities pre-signed Creates from loadConns
// connections (journal on disk, synced), and how far processing lags
// behind acceptance: the inbox's acceptance rate, the rate at which the
// journal drains (all accepted activities processed), and the backlog's
// peak. Run with -benchtime 1x; each iteration is one burst.
func BenchmarkPagesDuringIngest(b *testing.B) {
	peer := newFakePeer(b)
	n := startNode(b, Config{Demo: true, DataDir: b.TempDir(), AllowPrivateNetworks: true,
		InboxPerHost: noLimit, InboxPerIP: noLimit, InboxBacklog: noLimit, RequestsPerIP: noLimit})
	base, addr := n.URLs.Base(), n.URLs.Host()
	page := "/courses/" + DemoCourse
	warmUp(b, peer, addr, base)
	journal := func() int {
		var l int
		if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
			var err error
			l, err = tx.InboxLen()
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return l
	}
	for burst := 0; b.Loop(); burst++ {
		b.StopTimer()
		reqs := signedCreates(b, peer, base, burst*burstActivities, burstActivities)
		pageLatencies(b, base, page, 50, nil) // warm the page's caches
		idle := pageLatencies(b, base, page, 500, nil)
		b.StartTimer()

		stop := make(chan struct{})
		var loaded []time.Duration
		var wg sync.WaitGroup
		wg.Go(func() { loaded = pageLatencies(b, base, page, 0, stop) })
		peak := 0
		sampling := make(chan struct{})
		wg.Go(func() {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-sampling:
					return
				case <-t.C:
					peak = max(peak, journal())
				}
			}
		})
		start := time.Now()
		postAll(b, addr, reqs)
		accepted := time.Since(start)
		for journal() > 0 {
			time.Sleep(5 * time.Millisecond)
		}
		drained := time.Since(start)
		close(stop)
		close(sampling)
		wg.Wait()

		b.ReportMetric(quantile(idle, 0.5), "idle-p50-ms")
		b.ReportMetric(quantile(idle, 0.99), "idle-p99-ms")
		b.ReportMetric(quantile(loaded, 0.5), "burst-p50-ms")
		b.ReportMetric(quantile(loaded, 0.99), "burst-p99-ms")
		b.ReportMetric(quantile(loaded, 0.99)/quantile(idle, 0.99), "p99-ratio")
		b.ReportMetric(float64(len(loaded)), "burst-pages")
		b.ReportMetric(float64(burstActivities)/accepted.Seconds(), "accepted/s")
		b.ReportMetric(float64(burstActivities)/drained.Seconds(), "processed/s")
		b.ReportMetric(accepted.Seconds()/drained.Seconds(), "processing-ratio")
		b.ReportMetric(float64(peak), "peak-backlog")
	}
}
