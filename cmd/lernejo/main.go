// Command lernejo runs a Lernejo node: a federated learning network where
// anyone can start a course, study group or challenge, and anyone on the
// fediverse can join it.
//
//	lernejo serve [--listen ADDR] [--url URL] [--data DIR] [--demo] [--allow-private-networks]
//	              [--smtp-host HOST --smtp-from ADDR [--smtp-port N] [--smtp-user U --smtp-password-file F] [--smtp-tls MODE]]
//	lernejo admin [--data DIR] create-user|reset-password|block|unblock|reports …
//	lernejo backup [--data DIR] FILE
//	lernejo restore [--data DIR] FILE
//	lernejo version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	// Time zones for study groups' meeting calendars, on servers without
	// the system's zoneinfo.
	_ "time/tzdata"

	"golang.org/x/term"

	"github.com/lernejo/lernejo/mail"
	"github.com/lernejo/lernejo/node"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Lernejo: a federated learning network node.

Usage:
  lernejo serve [flags]          run the node
  lernejo admin COMMAND [args]   create users, reset passwords, block domains,
                                 list reports (works while the node runs, too)
  lernejo backup FILE            back up the data (works while the node runs)
  lernejo restore FILE           restore a backup into an empty data directory
  lernejo verify-badge FILE|URL  check an Open Badges badge (a baked PNG or an
                                 assertion URL) against what its issuer hosts
  lernejo version                print the version
  lernejo help                   show this help

Run "lernejo COMMAND --help" for the flags of a command.
`

// run is main without the exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "admin":
		return admin(args[1:], os.Stdin, stdout, stderr)
	case "backup":
		return backup(args[1:], stdout, stderr)
	case "restore":
		return restore(args[1:], stdout, stderr)
	case "verify-badge":
		return verifyBadge(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "lernejo %s\n", Version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "lernejo: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// serveConfig is what the serve flags and LERNEJO_* variables set.
type serveConfig struct {
	listen, url, data, logFormat string
	demo, allowPrivate           bool
	allowSharedData              bool
	trustedProxies, metricsFrom  []*net.IPNet
	minFreeDisk, diskReserve     int64
	// memoryLimit is the Go runtime's soft memory limit; -1 leaves it as
	// GOMEMLIMIT (or nothing) set it.
	memoryLimit int64
	// per five minutes: page requests per address, inbox POSTs per
	// sending domain and per address; activities waiting per domain
	requestsPerIP, inboxPerHost, inboxPerIP, inboxBacklog, inboxJournal int
	// smtp is the mail server; no host: the node sends no mail.
	smtp mail.SMTP
}

// parseServe reads flags, with LERNEJO_* environment variables as defaults.
func parseServe(args []string, stderr io.Writer, env func(string) string) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(name, def string) string {
		if v := env(name); v != "" {
			return v
		}
		return def
	}
	boolean := func(name string) (bool, error) {
		v := env(name)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%s=%q is not a boolean (use true or false)", name, v)
		}
		return b, nil
	}
	demo, err := boolean("LERNEJO_DEMO")
	if err != nil {
		return c, err
	}
	allow, err := boolean("LERNEJO_ALLOW_PRIVATE_NETWORKS")
	if err != nil {
		return c, err
	}
	shared, err := boolean("LERNEJO_ALLOW_SHARED_DATA_DIR")
	if err != nil {
		return c, err
	}
	fs.StringVar(&c.listen, "listen", str("LERNEJO_LISTEN", "127.0.0.1:8080"), "address to listen on, host:port (env LERNEJO_LISTEN)")
	fs.StringVar(&c.url, "url", str("LERNEJO_URL", "http://localhost:8080"), "public base URL of the node; its host is the domain of every handle, so choose it once (env LERNEJO_URL)")
	fs.StringVar(&c.data, "data", str("LERNEJO_DATA", "./data"), "data directory (Badger); one lernejo process per directory (env LERNEJO_DATA)")
	fs.BoolVar(&c.demo, "demo", demo, "seed an empty node with demo content: the School of Webcraft, the study group gentle-python and the organiser ada, whose password is printed once (env LERNEJO_DEMO)")
	fs.BoolVar(&c.allowPrivate, "allow-private-networks", allow, "allow fetching from and delivering to loopback and private addresses, and plain http; for tests and local development only (env LERNEJO_ALLOW_PRIVATE_NETWORKS)")
	fs.BoolVar(&c.allowSharedData, "allow-shared-data-dir", shared, "start even if others may read or enter the data directory (its files are made private all the same); by default the node refuses (env LERNEJO_ALLOW_SHARED_DATA_DIR)")
	fs.StringVar(&c.logFormat, "log-format", str("LERNEJO_LOG_FORMAT", "auto"), "log format: text, json, or auto (text on a terminal, JSON otherwise) (env LERNEJO_LOG_FORMAT)")
	proxies := fs.String("trusted-proxies", str("LERNEJO_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of reverse proxies in front of the node, whose X-Forwarded-For names the client; set it when behind nginx or Caddy, e.g. 127.0.0.1 (env LERNEJO_TRUSTED_PROXIES)")
	metrics := fs.String("metrics-from", str("LERNEJO_METRICS_FROM", "127.0.0.0/8,::1/128"), "comma-separated addresses or CIDRs allowed to read /metrics (env LERNEJO_METRICS_FROM)")
	minFree := fs.String("min-free-disk", str("LERNEJO_MIN_FREE_DISK", "512MiB"), "free space the data directory's disk must keep: under it the inboxes and forms answer 503 until space is freed, under half of it nothing is written (env LERNEJO_MIN_FREE_DISK)")
	memLimit := fs.String("memory-limit", str("LERNEJO_MEMORY_LIMIT", ""), "soft limit of the node's memory (Go's GOMEMLIMIT): near it the garbage collector works harder, so that a burst of federation does not grow the process; 0 for none (default 160MiB, or GOMEMLIMIT when that is set) (env LERNEJO_MEMORY_LIMIT)")
	reserve := fs.String("disk-reserve", str("LERNEJO_DISK_RESERVE", "64MiB"), "size of the reserve file kept in the data directory and deleted when the disk fills up, so the store can finish its writes; 0 for none (env LERNEJO_DISK_RESERVE)")
	fs.StringVar(&c.smtp.Host, "smtp-host", str("LERNEJO_SMTP_HOST", ""), "SMTP server to send email through (notifications people opt in to, address confirmations, password resets); empty: the node sends no mail (env LERNEJO_SMTP_HOST)")
	smtpPort := fs.String("smtp-port", str("LERNEJO_SMTP_PORT", "587"), "port of the SMTP server: 587 for starttls, 465 for tls (env LERNEJO_SMTP_PORT)")
	fs.StringVar(&c.smtp.Username, "smtp-user", str("LERNEJO_SMTP_USER", ""), "user name to log in to the SMTP server with (AUTH PLAIN, over TLS); empty: no log-in (env LERNEJO_SMTP_USER)")
	smtpPasswordFile := fs.String("smtp-password-file", str("LERNEJO_SMTP_PASSWORD_FILE", ""), "file holding the SMTP password (one line); the password itself is never given on the command line, LERNEJO_SMTP_PASSWORD may hold it instead (env LERNEJO_SMTP_PASSWORD_FILE)")
	fs.StringVar(&c.smtp.From, "smtp-from", str("LERNEJO_SMTP_FROM", ""), "sender of the node's mail, e.g. \"Lernejo <lernejo@example.org>\" (env LERNEJO_SMTP_FROM)")
	smtpTLS := fs.String("smtp-tls", str("LERNEJO_SMTP_TLS", "starttls"), "how the SMTP connection is secured: starttls, tls, or none (none only to a loopback server or with --allow-private-networks) (env LERNEJO_SMTP_TLS)")
	limit := func(p *int, name, env string, def int, usage string) {
		v, err := strconv.Atoi(str(env, strconv.Itoa(def)))
		if err != nil || v <= 0 {
			v = -1 // reported after parsing
		}
		fs.IntVar(p, name, v, usage+" (env "+env+")")
	}
	limit(&c.requestsPerIP, "requests-per-ip", "LERNEJO_REQUESTS_PER_IP", 600, "page requests one client address may make per five minutes")
	limit(&c.inboxPerHost, "inbox-per-host", "LERNEJO_INBOX_PER_HOST", 3000, "activities one sending server (its registrable domain: subdomains share it) may POST to the inboxes per five minutes")
	limit(&c.inboxPerIP, "inbox-per-ip", "LERNEJO_INBOX_PER_IP", 30000, "POSTs to the inboxes one client address may make per five minutes")
	limit(&c.inboxBacklog, "inbox-backlog", "LERNEJO_INBOX_BACKLOG", 1000, "activities one sending server may have waiting to be processed; beyond it the inboxes answer 429")
	limit(&c.inboxJournal, "inbox-journal", "LERNEJO_INBOX_JOURNAL", 10000, "activities from all servers together that may wait to be processed; beyond it the inboxes answer 503 with Retry-After")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: lernejo serve [flags]\n\nRuns the node until SIGINT or SIGTERM.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err2 error
	if c.trustedProxies, err2 = parseNets(*proxies); err2 != nil {
		return c, fmt.Errorf("--trusted-proxies: %v", err2)
	}
	if c.metricsFrom, err2 = parseNets(*metrics); err2 != nil {
		return c, fmt.Errorf("--metrics-from: %v", err2)
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"requests-per-ip", c.requestsPerIP}, {"inbox-per-host", c.inboxPerHost}, {"inbox-per-ip", c.inboxPerIP}, {"inbox-backlog", c.inboxBacklog}, {"inbox-journal", c.inboxJournal}} {
		if l.v <= 0 {
			return c, fmt.Errorf("--%s must be a whole number above zero", l.name)
		}
	}
	if c.minFreeDisk, err2 = parseSize(*minFree); err2 != nil || c.minFreeDisk == 0 {
		return c, fmt.Errorf("--min-free-disk: %q is not a size above zero, e.g. 512MiB or 2GiB", *minFree)
	}
	if c.diskReserve, err2 = parseSize(*reserve); err2 != nil {
		return c, fmt.Errorf("--disk-reserve: %q is not a size, e.g. 64MiB or 0", *reserve)
	}
	if c.diskReserve == 0 {
		c.diskReserve = -1 // none (node.Config's 0 means the default)
	}
	switch {
	case *memLimit != "":
		if c.memoryLimit, err2 = parseSize(*memLimit); err2 != nil {
			return c, fmt.Errorf("--memory-limit: %q is not a size, e.g. 160MiB or 1GiB, or 0", *memLimit)
		}
		if c.memoryLimit == 0 {
			c.memoryLimit = math.MaxInt64 // none
		}
	case env("GOMEMLIMIT") != "":
		c.memoryLimit = -1 // the runtime read it at start
	default:
		c.memoryLimit = node.DefaultMemoryLimit
	}
	switch c.logFormat {
	case "auto", "text", "json":
	default:
		return c, fmt.Errorf("--log-format must be text, json or auto, not %q", c.logFormat)
	}
	if err := readSMTP(&c.smtp, *smtpPort, *smtpTLS, *smtpPasswordFile, env); err != nil {
		return c, err
	}
	return c, nil
}

// readSMTP completes the SMTP settings: the port, the TLS mode, and the
// password, read from its file (or LERNEJO_SMTP_PASSWORD), never from the
// command line, where every user of the machine could read it. The rest is
// checked by node.New (mail.SMTP.Validate).
func readSMTP(c *mail.SMTP, port, mode, passwordFile string, env func(string) string) error {
	if c.Host == "" {
		*c = mail.SMTP{}
		return nil
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("--smtp-port must be a port number, not %q", port)
	}
	c.Port, c.TLS = p, mail.TLSMode(strings.ToLower(mode))
	if c.From == "" {
		return fmt.Errorf("--smtp-from is needed with --smtp-host: the address the node's mail comes from")
	}
	c.Password = env("LERNEJO_SMTP_PASSWORD")
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("--smtp-password-file: %v", unwrapPath(err))
		}
		c.Password = strings.TrimRight(string(b), "\r\n")
	}
	return nil
}

// parseSize reads a size in bytes: a number with an optional unit, B, KB,
// MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[strings.ToLower(unit)]
	if mult == 0 || v*mult > 1<<62 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(v * mult), nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func serve(args []string, stdout, stderr io.Writer) int {
	c, err := parseServe(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "lernejo: %v\n", err)
		return 2
	}
	log := newLogger(c.logFormat, stderr)
	if c.memoryLimit >= 0 {
		debug.SetMemoryLimit(c.memoryLimit)
	}
	n, err := node.New(node.Config{
		Listen:               c.listen,
		URL:                  strings.TrimRight(c.url, "/"),
		DataDir:              c.data,
		Demo:                 c.demo,
		AllowPrivateNetworks: c.allowPrivate,
		TrustedProxies:       c.trustedProxies,
		MetricsFrom:          c.metricsFrom,
		AllowSharedDataDir:   c.allowSharedData,
		RequestsPerIP:        c.requestsPerIP,
		InboxPerHost:         c.inboxPerHost,
		InboxPerIP:           c.inboxPerIP,
		InboxBacklog:         c.inboxBacklog,
		InboxJournal:         c.inboxJournal,
		MinFreeDisk:          c.minFreeDisk,
		DiskReserve:          c.diskReserve,
		Version:              Version,
		Logger:               log,
		DemoOutput:           func(f string, a ...any) { fmt.Fprintf(stdout, f, a...) },
		SMTP:                 c.smtp,
	})
	if err != nil {
		fmt.Fprintf(stderr, "lernejo: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n.Start()
	code := 0
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err, ok := <-n.Served():
		if ok && err != nil {
			log.Error("server stopped", slog.Any("err", err))
			code = 1
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Close(shutdown); err != nil {
		log.Error("shutdown", slog.Any("err", err))
		code = 1
	}
	return code
}

// parseNets reads a comma-separated list of addresses and CIDRs.
func parseNets(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", part)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR", part)
		}
		out = append(out, n)
	}
	return out, nil
}
