package node

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// loadConns is how many connections the ingest benchmarks post from at
// once: a busy inbox hears from many senders together.
const loadConns = 128

// noLimit lifts the inbox's limits (per host, per address, backlog) for the
// ingest benchmarks, which send everything from one host and one address
// as fast as they can; the limits have tests and a benchmark of their own.
const noLimit = 1 << 30

// signedCreates makes n distinct Creates by the peer's zoe (numbered from
// first), each signed for
// POST base/inbox and written out as HTTP/1.1 request bytes (keep-alive):
// all the load generator does during the run is write them and read the
// answers, so its own CPU takes as little as it can from the node's cores.
func signedCreates(b *testing.B, peer *fakePeer, base string, first, n int) [][]byte {
	return signedActivities(b, peer, base, n, func(i int) map[string]any {
		id := fmt.Sprintf("%s/notes/%d", peer.URL, first+i)
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
			"type": "Create", "actor": peer.zoe(), "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": peer.zoe(), "content": "<p>Hello from the benchmark</p>"}}
	})
}

// signedActivities is signedCreates for any activities: activity(i) for i
// from 0 to n-1, by the peer's zoe.
func signedActivities(b *testing.B, peer *fakePeer, base string, n int, activity func(i int) map[string]any) [][]byte {
	key, err := domain.ParsePrivateKeyPEM(peer.key.PrivatePEM)
	if err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		body, _ := json.Marshal(activity(i))
		req, _ := http.NewRequest("POST", base+"/inbox", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/activity+json")
		if err := httpsig.Sign(req, body, peer.zoe()+"#main-key", key, time.Now()); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := req.Write(&buf); err != nil {
			b.Fatal(err)
		}
		out[i] = buf.Bytes()
	}
	return out
}

// postAll sends every request once over loadConns keep-alive connections to
// addr and fails the benchmark on any answer but 202.
func postAll(b *testing.B, addr string, reqs [][]byte) {
	postEach(b, addr, reqs, func(int) {})
}

// postEach is postAll that calls answered after each 202.
func postEach(b *testing.B, addr string, reqs [][]byte, answered func(i int)) {
	postLoop(b, addr, reqs, answered, 0)
}

// postLoop is postEach for a node that may refuse with 503 when retry503
// is above 0: such a request is sent again retry503 later, until it is
// accepted (a real server waits the Retry-After). It returns how many
// refusals there were; any other answer fails the benchmark.
func postLoop(b *testing.B, addr string, reqs [][]byte, answered func(i int), retry503 time.Duration) (refused int64) {
	var next, refusals atomic.Int64
	var wg sync.WaitGroup
	for range min(loadConns, len(reqs)) {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(reqs)) {
					return
				}
				for {
					if _, err := conn.Write(reqs[i]); err != nil {
						b.Error(err)
						return
					}
					status, err := readResponse(r)
					if err == nil && status == http.StatusAccepted {
						break
					}
					if err != nil || status != http.StatusServiceUnavailable || retry503 <= 0 {
						b.Errorf("request %d: status %d, %v", i, status, err)
						return
					}
					refusals.Add(1)
					time.Sleep(retry503)
				}
				answered(int(i))
			}
		})
	}
	wg.Wait()
	return refusals.Load()
}

// readResponse reads one HTTP/1.1 response with a Content-Length body and
// returns its status.
func readResponse(r *bufio.Reader) (int, error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return 0, err
	}
	_, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if err != nil {
		return 0, fmt.Errorf("status line %q", line)
	}
	length := 0
	for {
		h, err := tp.ReadLine()
		if err != nil {
			return 0, err
		}
		if h == "" {
			break
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	_, err = io.CopyN(io.Discard, r, int64(length))
	return status, err
}

// warmUp sends one activity (numbered -1) so that the node fetches and
// caches the peer's key before the measured run.
func warmUp(b *testing.B, peer *fakePeer, addr, base string) {
	postAll(b, addr, signedCreates(b, peer, base, -1, 1))
}
