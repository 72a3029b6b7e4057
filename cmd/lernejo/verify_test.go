package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestVerifyBadge: a demo node awards the Python Basics badge to bea; the
// baked PNG its award page serves, saved to a file, verifies with `lernejo
// verify-badge`, and so does the assertion URL. Once the organiser revokes
// the award, the same file is reported revoked (exit 1); a PNG with nothing
// baked in, and an assertion URL the node does not host, are not valid.
func TestVerifyBadge(t *testing.T) {
	ctx := context.Background()
	n, err := node.New(node.Config{Listen: "127.0.0.1:0", Demo: true, DemoOutput: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		n.Close(c)
	})
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	var badge *domain.Badge
	n.Store.View(ctx, func(tx domain.Tx) error { bs, _ := tx.Badges(node.DemoCourse); badge = bs[0]; return nil })
	award, err := n.Services.Badges.Award(ctx, node.DemoOrganiser, badge.ID, n.URLs.Actor(domain.ActorPerson, "bea"))
	if err != nil {
		t.Fatal(err)
	}
	assertion := n.URLs.Path("/awards/" + award.ID)
	resp, err := http.Get(assertion + "/badge.png")
	if err != nil {
		t.Fatal(err)
	}
	png, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	file := filepath.Join(t.TempDir(), "python-basics.png")
	os.WriteFile(file, png, 0o600)

	verify := func(arg string) (int, string) {
		var out, errb bytes.Buffer
		code := run([]string{"verify-badge", "--allow-private-networks", arg}, &out, &errb)
		return code, out.String() + errb.String()
	}
	for _, arg := range []string{file, assertion} {
		if code, out := verify(arg); code != 0 || !strings.Contains(out, "valid: "+assertion) || !strings.Contains(out, "/people/bea") {
			t.Errorf("verify-badge %s: %d %s", arg, code, out)
		}
	}
	if code, out := verify(n.URLs.Path("/awards/01NOSUCHAWARD000000000000")); code != 1 || !strings.Contains(out, "answers 404") {
		t.Errorf("an award the node does not host: %d %s", code, out)
	}
	plain := filepath.Join(t.TempDir(), "plain.png")
	resp, err = http.Get(n.URLs.Path("/badges/" + badge.ID + "/image.png"))
	if err != nil {
		t.Fatal(err)
	}
	unbaked, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	os.WriteFile(plain, unbaked, 0o600)
	if code, out := verify(plain); code != 1 || !strings.Contains(out, "no badge baked in") {
		t.Errorf("a PNG with nothing baked in: %d %s", code, out)
	}
	// Without --allow-private-networks the loopback issuer is refused (SSRF guard).
	var out, errb bytes.Buffer
	if code := run([]string{"verify-badge", file}, &out, &errb); code != 1 {
		t.Errorf("a loopback issuer without --allow-private-networks: %d %s", code, errb.String())
	}

	if err := n.Services.Badges.Revoke(ctx, node.DemoOrganiser, award.ID, "awarded by mistake"); err != nil {
		t.Fatal(err)
	}
	if code, out := verify(file); code != 1 || !strings.Contains(out, "REVOKED") || !strings.Contains(out, "awarded by mistake") {
		t.Errorf("a revoked badge: %d %s", code, out)
	}
}
