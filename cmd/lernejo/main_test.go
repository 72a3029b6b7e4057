package main

import (
	"bytes"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/node"
)

// TestMain lets a test run this binary's main as a child process: with
// LERNEJO_TEST_MAIN set, the test binary is lernejo.
func TestMain(m *testing.M) {
	if os.Getenv("LERNEJO_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child starts `lernejo ARGS…` as a separate process.
func child(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LERNEJO_TEST_MAIN=1")
	out, errb := new(syncBuffer), new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out, errb
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node on %s never became healthy", addr)
}

func TestBadFlagsGiveOneLineError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"malformed url", []string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--url", "not a url"}, 1, "lernejo: bad --url"},
		{"unwritable data dir", []string{"serve", "--listen", "127.0.0.1:0", "--data", filepath.Join(file, "data")}, 1, "lernejo: data directory " + filepath.Join(file, "data") + " cannot be created"},
		{"port in use", []string{"serve", "--listen", busy.Addr().String(), "--data", dir}, 1, "lernejo: cannot listen on " + busy.Addr().String() + ": address already in use"},
		{"unknown flag", []string{"serve", "--colour"}, 2, "flag provided but not defined: -colour"},
		{"bad log format", []string{"serve", "--log-format", "xml"}, 2, "lernejo: --log-format must be text, json or auto"},
		{"unknown command", []string{"teach"}, 2, `lernejo: unknown command "teach"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			first, _, _ := strings.Cut(errb.String(), "\n")
			if !strings.HasPrefix(first, tc.want) {
				t.Errorf("stderr %q, want a first line starting %q", errb.String(), tc.want)
			}
		})
	}
}

func TestBadEnvironmentValue(t *testing.T) {
	env := map[string]string{"LERNEJO_DEMO": "maybe"}
	_, err := parseServe(nil, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "LERNEJO_DEMO") {
		t.Fatalf("got %v", err)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"LERNEJO_LISTEN": "0.0.0.0:9000", "LERNEJO_URL": "https://learn.example", "LERNEJO_DEMO": "true"}
	c, err := parseServe([]string{"--data", "/srv/lernejo"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "0.0.0.0:9000" || c.url != "https://learn.example" || c.data != "/srv/lernejo" || !c.demo || c.allowPrivate {
		t.Fatalf("%+v", c)
	}
	c, err = parseServe(nil, &bytes.Buffer{}, func(string) string { return "" })
	if err != nil || c.listen != "127.0.0.1:8080" || c.url != "http://localhost:8080" || c.data != "./data" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"serve", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"-listen", "-url", "-data", "-demo", "-allow-private-networks", "-log-format", "LERNEJO_URL"} {
		if !strings.Contains(errb.String(), f) {
			t.Errorf("help lacks %s", f)
		}
	}
	out.Reset()
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "lernejo ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
}

// TestServeSecondProcessAndGracefulShutdown runs the real binary: a second
// process on the same data directory fails at once with a clear message;
// SIGTERM stops the first cleanly (exit 0, Badger closed so the directory
// opens again).
func TestServeSecondProcessAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	addr := freePort(t)
	first, out, errb := child(t, "serve", "--listen", addr, "--url", "http://"+addr, "--data", dir, "--demo", "--log-format", "json")
	waitHealthy(t, addr)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Demo organiser account") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // stdout reaches us through a pipe
	}
	if !strings.Contains(out.String(), "Demo organiser account: ada, password: ") {
		t.Errorf("demo password not printed: %q", out.String())
	}

	second, _, errb2 := child(t, "serve", "--listen", freePort(t), "--data", dir)
	err := second.Wait()
	want := "lernejo: data directory " + dir + " is in use by another lernejo process\n"
	if err == nil || errb2.String() != want {
		t.Errorf("second process: %v, stderr %q, want %q", err, errb2.String(), want)
	}

	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v; stderr:\n%s", err, errb)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	// Logs are JSON lines when asked.
	for _, line := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatalf("data directory not released after shutdown: %v", err)
	}
	s.Close()
}

func TestDiskSpaceFlags(t *testing.T) {
	env := map[string]string{"LERNEJO_MIN_FREE_DISK": "2GiB"}
	c, err := parseServe([]string{"--disk-reserve", "0"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil || c.minFreeDisk != 2<<30 || c.diskReserve != -1 {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = parseServe(nil, &bytes.Buffer{}, func(string) string { return "" })
	if err != nil || c.minFreeDisk != 512<<20 || c.diskReserve != 64<<20 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	for _, bad := range []string{"lots", "-5MiB", "0", "12 parsecs"} {
		if _, err := parseServe([]string{"--min-free-disk", bad}, &bytes.Buffer{}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--min-free-disk") {
			t.Errorf("--min-free-disk %q: %v", bad, err)
		}
	}
	for in, want := range map[string]int64{"100": 100, "1.5 KiB": 1536, "64MB": 64e6, "1gib": 1 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestMemoryLimitFlag: the node's soft memory limit defaults to
// node.DefaultMemoryLimit, unless the operator set GOMEMLIMIT (which the
// runtime read already) or --memory-limit (0: none).
func TestMemoryLimitFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want int64
	}{
		{nil, nil, node.DefaultMemoryLimit},
		{nil, map[string]string{"GOMEMLIMIT": "1GiB"}, -1},
		{[]string{"--memory-limit", "512MiB"}, map[string]string{"GOMEMLIMIT": "1GiB"}, 512 << 20},
		{nil, map[string]string{"LERNEJO_MEMORY_LIMIT": "1GiB"}, 1 << 30},
		{[]string{"--memory-limit", "0"}, nil, math.MaxInt64},
	} {
		c, err := parseServe(tc.args, &bytes.Buffer{}, func(k string) string { return tc.env[k] })
		if err != nil || c.memoryLimit != tc.want {
			t.Errorf("%v %v: memoryLimit %d, %v; want %d", tc.args, tc.env, c.memoryLimit, err, tc.want)
		}
	}
	if _, err := parseServe([]string{"--memory-limit", "lots"}, &bytes.Buffer{}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--memory-limit") {
		t.Errorf("a bad --memory-limit: %v", err)
	}
}

func TestLimitFlags(t *testing.T) {
	env := map[string]string{"LERNEJO_INBOX_BACKLOG": "50"}
	c, err := parseServe([]string{"--inbox-per-host", "100", "--requests-per-ip", "2000"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil || c.inboxPerHost != 100 || c.requestsPerIP != 2000 || c.inboxBacklog != 50 || c.inboxPerIP != 30000 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, args := range [][]string{{"--inbox-per-ip", "0"}, {"--inbox-backlog", "-3"}} {
		if _, err := parseServe(args, &bytes.Buffer{}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := parseServe(nil, &bytes.Buffer{}, func(k string) string { return map[string]string{"LERNEJO_INBOX_PER_IP": "lots"}[k] }); err == nil || !strings.Contains(err.Error(), "inbox-per-ip") {
		t.Errorf("a bad LERNEJO_INBOX_PER_IP: %v", err)
	}
}
