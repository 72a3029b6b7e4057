package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/docs/golden"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// TestServedDocumentsMatchGolden: the documents web builds itself (a
// course's tasks collection and a task's Page, its featured collection,
// NodeInfo and its well-known links, WebFinger, an award's Open Badges
// assertion) are, as JSON values, what they were when web built them as
// maps (testdata/golden, recorded then; WebFinger and the assertion were
// recorded later, for FEDERATION.md's examples). The node's address and
// the ULIDs of the demo's tasks and posts change from run to run and are
// replaced by BASE (DOMAIN where the host stands alone) and ULID; the
// clock is fixed.
func TestServedDocumentsMatchGolden(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	n := startNode(t, node.Config{Now: func() time.Time { return now }, Version: "1.2.3"})
	ctx := context.Background()
	course := n.base + "/courses/" + node.DemoCourse
	var firstTask string
	n.Store.View(ctx, func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		if len(ts) > 0 {
			firstTask = ts[0].ID
		}
		return err
	})
	if firstTask == "" {
		t.Fatal("the demo course has no tasks")
	}
	got := map[string][]byte{
		"tasks":               fetchDocument(t, course+"/tasks", "application/activity+json"),
		"task":                fetchDocument(t, course+"/tasks/"+firstTask, "application/activity+json"),
		"featured_empty":      fetchDocument(t, course+"/featured", "application/activity+json"),
		"nodeinfo":            fetchDocument(t, n.base+"/nodeinfo/2.1", ""),
		"nodeinfo_well_known": fetchDocument(t, n.base+"/.well-known/nodeinfo", ""),
	}
	p, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: node.DemoCourse, Course: node.DemoCourse, Text: "Pinned."})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Posts.Pin(ctx, node.DemoOrganiser, p.URI, true); err != nil {
		t.Fatal(err)
	}
	got["featured"] = fetchDocument(t, course+"/featured", "application/activity+json")

	// WebFinger of the course, and the Open Badges assertion of an award
	// of the demo's badge (an organiser's award, so without evidence).
	host := strings.TrimPrefix(n.base, "http://")
	got["webfinger"] = fetchDocument(t, n.base+"/.well-known/webfinger?resource=acct:"+node.DemoCourse+"@"+host, "")
	var badgeID string
	n.Store.View(ctx, func(tx domain.Tx) error {
		bs, err := tx.Badges(node.DemoCourse)
		if len(bs) > 0 {
			badgeID = bs[0].ID
		}
		return err
	})
	award, err := n.Services.Badges.Award(ctx, node.DemoOrganiser, badgeID, "https://remote.test/users/rae")
	if err != nil {
		t.Fatal(err)
	}
	got["award"] = fetchDocument(t, n.base+"/awards/"+award.ID, "application/ld+json")

	// The course's badges collection, with a peer-voted badge besides the
	// demo's, and that badge's class as a collection's item is served.
	peer := &domain.Badge{Issuer: node.DemoCourse, Name: "Kind helper", Description: "Voted by fellow learners.",
		Criteria: domain.CriteriaPeer, Votes: 3}
	if err := n.Services.Badges.Add(ctx, node.DemoOrganiser, peer); err != nil {
		t.Fatal(err)
	}
	got["badges"] = fetchDocument(t, course+"/badges", "application/activity+json")
	got["badge_class_peer"] = fetchDocument(t, n.base+"/badges/"+peer.ID, "application/activity+json")

	ulid := regexp.MustCompile(`\b[0-9A-HJKMNP-TV-Z]{26}\b`)
	for name, doc := range got {
		t.Run(name, func(t *testing.T) {
			doc = []byte(strings.ReplaceAll(string(doc), n.base, "BASE"))
			doc = []byte(strings.ReplaceAll(string(doc), host, "DOMAIN"))
			doc = ulid.ReplaceAll(doc, []byte("ULID"))
			if *golden.Update {
				golden.Write(t, name, doc)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(doc, &g); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, doc)
			}
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatalf("golden not JSON: %v", err)
			}
			if !reflect.DeepEqual(g, w) {
				gi, _ := json.MarshalIndent(g, "", "  ")
				wi, _ := json.MarshalIndent(w, "", "  ")
				t.Fatalf("document differs from the golden one\ngot:  %s\nwant: %s", gi, wi)
			}
		})
	}
}

// fetchDocument GETs a document, which must be served with 200.
func fetchDocument(t *testing.T, url, accept string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return b
}
