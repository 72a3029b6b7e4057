package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

// verifyBadge checks an Open Badges 2.0 badge the way a backpack or an
// employer would: from a baked PNG (the assertion URL in its "openbadges"
// chunk) or from an assertion URL, it fetches the hosted assertion from its
// issuer, checks its shape (CheckAssertion), that it is the document it
// claims to be, and that it is not revoked. Any badge, from any node.
func verifyBadge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-badge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allowPrivate := fs.Bool("allow-private-networks", false, "allow fetching from loopback and private addresses, and plain http (tests and local development)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: lernejo verify-badge [flags] BADGE.png|ASSERTION-URL\n\n"+
			"Checks an Open Badges 2.0 badge against the assertion its issuer hosts.\n"+
			"Exit code 0: valid; 1: not valid, revoked or unreachable; 2: usage.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "lernejo: "+format+"\n", a...)
		return 1
	}
	target := fs.Arg(0)
	assertionURL := target
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
		png, err := readCapped(target, 4<<20)
		if err != nil {
			return fail("%v", err)
		}
		baked, err := badgepng.Unbake(png)
		if err != nil {
			return fail("%s is not a badge image: %v", target, err)
		}
		if baked == "" {
			return fail("%s has no badge baked in", target)
		}
		assertionURL = baked
		if strings.HasPrefix(strings.TrimSpace(baked), "{") {
			// A whole assertion baked in: its id says where the issuer hosts it.
			var a struct{ ID string }
			if err := json.Unmarshal([]byte(baked), &a); err != nil || a.ID == "" {
				return fail("the assertion baked in %s has no id", target)
			}
			assertionURL = a.ID
		}
	}
	client := fetch.NewClient(fetch.Config{AllowPrivate: *allowPrivate, Timeout: 20 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, body, err := client.Get(ctx, assertionURL, "application/ld+json, application/json")
	if err != nil {
		return fail("fetch the assertion %s: %v", assertionURL, err)
	}
	if resp.StatusCode != 200 {
		return fail("the issuer answers %d for the assertion %s: it is not (or no longer) hosted", resp.StatusCode, assertionURL)
	}
	var a federation.OBAssertion
	if err := json.Unmarshal(body, &a); err != nil {
		return fail("the assertion %s is not JSON: %v", assertionURL, err)
	}
	// Hosted verification: the document is the one at its own id.
	if a.ID != assertionURL {
		return fail("the document at %s says it is %s", assertionURL, a.ID)
	}
	if err := federation.CheckAssertion(a); err != nil {
		return fail("%v", err)
	}
	if a.Revoked {
		reason := a.RevocationReason
		if reason == "" {
			reason = "no reason given"
		}
		return fail("REVOKED: %s (%s)", assertionURL, reason)
	}
	if a.Expires != "" {
		if t, err := time.Parse(time.RFC3339, a.Expires); err == nil && t.Before(time.Now()) {
			return fail("EXPIRED on %s: %s", a.Expires, assertionURL)
		}
	}
	fmt.Fprintf(stdout, "valid: %s\n  badge:     %s\n  recipient: %s\n  issued on: %s\n", a.ID, a.Badge, a.Recipient.Identity, a.IssuedOn)
	return 0
}

// readCapped reads at most max bytes of a file, refusing a bigger one.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d MiB: not a badge image", path, max>>20)
	}
	return b, nil
}
