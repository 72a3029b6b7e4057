package node

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// benchGET measures a GET over loopback HTTP with keep-alive connections.
func benchGET(b *testing.B, rawURL, accept string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	req, _ := http.NewRequest("GET", rawURL, nil)
	req.Header.Set("Accept", accept)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkActorDocument serves the demo course's actor document.
func BenchmarkActorDocument(b *testing.B) {
	n := startNode(b, Config{Demo: true})
	benchGET(b, n.URLs.Base()+"/courses/gentle-python", asAccept)
}

// BenchmarkWebFinger resolves the demo course by acct:.
func BenchmarkWebFinger(b *testing.B) {
	n := startNode(b, Config{Demo: true})
	benchGET(b, n.URLs.Base()+"/.well-known/webfinger?resource="+url.QueryEscape("acct:gentle-python@"+n.URLs.Host()), "application/jrd+json")
}
