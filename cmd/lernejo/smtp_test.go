package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/mail"
)

// TestSMTPFlagsAndEnvironment: the SMTP server is configured by flags and
// LERNEJO_SMTP_* variables, its password read from a file; with no host
// there is no mail at all.
func TestSMTPFlagsAndEnvironment(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"LERNEJO_SMTP_HOST": "smtp.example.org", "LERNEJO_SMTP_USER": "lernejo",
		"LERNEJO_SMTP_PASSWORD_FILE": pw, "LERNEJO_SMTP_FROM": "Lernejo <l@example.org>"}
	c, err := parseServe([]string{"--smtp-port", "465", "--smtp-tls", "tls"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := mail.SMTP{Host: "smtp.example.org", Port: 465, Username: "lernejo", Password: "s3cret", From: "Lernejo <l@example.org>", TLS: mail.TLS}
	if c.smtp != want {
		t.Fatalf("%+v", c.smtp)
	}
	if err := c.smtp.Validate(false); err != nil {
		t.Fatal(err)
	}
	c, err = parseServe(nil, &bytes.Buffer{}, func(string) string { return "" })
	if err != nil || c.smtp.Configured() {
		t.Fatalf("no host: %+v %v", c.smtp, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-host", "smtp.example.org"}, "--smtp-from"},
		{[]string{"--smtp-host", "smtp.example.org", "--smtp-from", "l@example.org", "--smtp-port", "x"}, "--smtp-port"},
		{[]string{"--smtp-host", "smtp.example.org", "--smtp-from", "l@example.org", "--smtp-password-file", "/no/such/file"}, "--smtp-password-file"},
	} {
		if _, err := parseServe(tc.args, &bytes.Buffer{}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v", tc.args, err)
		}
	}
	// The password is not a flag.
	if _, err := parseServe([]string{"--smtp-password", "x"}, &bytes.Buffer{}, func(string) string { return "" }); err == nil {
		t.Error("--smtp-password was accepted")
	}
}
