// Package node wires the pieces into one running Lernejo node: the store,
// the domain service, the web app and the listener. cmd/lernejo runs one;
// tests start several in one process on 127.0.0.1:0.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/inbox"
	"github.com/lernejo/lernejo/mail"
	"github.com/lernejo/lernejo/outbox"
	"github.com/lernejo/lernejo/priority"
	"github.com/lernejo/lernejo/service"
	"github.com/lernejo/lernejo/web"
)

// Config is the node's configuration, parsed and validated once by cmd.
type Config struct {
	Listen string // host:port; ":0" or "127.0.0.1:0" picks a free port
	// URL is the public base URL; "" means http://LISTEN-ADDRESS (tests).
	URL string
	// DataDir is the Badger directory; "" keeps everything in memory (tests).
	DataDir              string
	Demo                 bool
	AllowPrivateNetworks bool
	Version              string
	Logger               *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MetricsFrom are the networks allowed to read /metrics (default loopback).
	MetricsFrom []*net.IPNet
	// RequestsPerIP bounds each address's page requests per five minutes
	// (0: the web layer's default).
	RequestsPerIP int
	// InboxPerHost bounds the activities one sending host (a registrable
	// domain: subdomains share it) may POST to the inboxes per five minutes
	// (0: the web layer's default).
	InboxPerHost int
	// InboxPerIP bounds the POSTs to the inboxes from one client address
	// per five minutes (0: the web layer's default).
	InboxPerIP int
	// InboxBacklog bounds the activities one sending host may have waiting
	// to be processed (0: inbox.DefaultBacklog).
	InboxBacklog int
	// InboxJournal bounds the activities waiting to be processed from all
	// senders together (0: inbox.DefaultJournal).
	InboxJournal int
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
	// MinFreeDisk is the free space on the data directory's disk under which
	// the node takes no new work (0: store.DefaultMinFree); DiskReserve the
	// size of the reserve file it keeps for when the disk fills up (0:
	// store.DefaultReserve, negative: none).
	MinFreeDisk, DiskReserve int64
	// AllowSharedDataDir lets the node start on a data directory that
	// others may read or enter (its files are made private all the same).
	AllowSharedDataDir bool
	// DemoOutput receives the demo organiser's password; nil means stdout.
	DemoOutput func(format string, args ...any)
	// SMTP is the server the node sends email through; none (no Host):
	// the node sends no mail and offers no password reset by mail.
	SMTP mail.SMTP
}

// DefaultMemoryLimit is the soft memory limit (Go's GOMEMLIMIT) lernejo
// serve sets by default: under a full-speed burst of federation the node's
// peak resident memory stays under 192 MiB with it (docs/benchmarks.md),
// Badger's memory-mapped files included, which the Go runtime does not
// count.
const DefaultMemoryLimit = 160 << 20

// Node is one running Lernejo instance.
type Node struct {
	cfg   Config
	log   *slog.Logger
	URLs  federation.URLs
	Store *store.Store
	// Services are the use cases; web, inbox and the admin socket call them.
	Services *service.Services
	Web      *web.Server
	Inbox    *inbox.Inbox
	Outbox   *outbox.Outbox
	// Mail sends the mail queue; nil without an SMTP server.
	Mail *mail.Sender
	// Metrics is the registry /metrics serves.
	Metrics *prometheus.Registry
	// Resolver finds remote actors and keys (cached, or fetched signed).
	Resolver *fetch.Resolver
	// priority runs the inbox's work after the pages (see package priority).
	priority *priority.Scheduler
	docs     federation.Documents
	ln       net.Listener
	// adminSock serves lernejo admin and backup while the node runs.
	adminSock *adminSocket
	workers   sync.WaitGroup
	stop      context.CancelFunc
	ready     atomic.Bool
	served    chan error
	close     sync.Once
	closeEr   error
}

// New validates the configuration, takes the listening address, opens the
// store and prepares the app. Errors are one line, fit to show an operator.
func New(cfg Config) (*Node, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.URL != "" {
		if _, err := federation.NewURLs(cfg.URL); err != nil {
			return nil, fmt.Errorf("bad --url: %s", domain.ErrorMessage(err))
		}
	}
	if cfg.SMTP.Configured() {
		if err := cfg.SMTP.Validate(cfg.AllowPrivateNetworks); err != nil {
			return nil, err
		}
	}
	if cfg.DataDir != "" {
		if err := checkDataDir(cfg.DataDir, cfg.AllowSharedDataDir); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v", cfg.Listen, unwrapOpError(err))
	}
	if cfg.URL == "" {
		cfg.URL = "http://" + ln.Addr().String()
	}
	urls, err := federation.NewURLs(cfg.URL)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("bad --url: %s", domain.ErrorMessage(err))
	}
	st, err := store.Open(store.Options{Dir: cfg.DataDir, Logger: log, MinFree: cfg.MinFreeDisk, Reserve: cfg.DiskReserve})
	if err != nil {
		ln.Close()
		return nil, err
	}
	n := &Node{cfg: cfg, log: log, URLs: urls, Store: st, ln: ln, served: make(chan error, 1),
		priority: priority.New(0, 0)}
	fail := func(err error) (*Node, error) {
		ln.Close()
		st.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.wire(ctx); err != nil {
		return fail(err)
	}
	if cfg.Demo {
		if err := n.seedDemo(ctx); err != nil {
			return fail(fmt.Errorf("seed demo content: %w", err))
		}
	}
	n.Web, err = web.New(web.Config{
		Inbox:          n.Inbox,
		Space:          n.Store.Space,
		Services:       n.Services,
		Now:            n.cfg.Now,
		Resolver:       n.Resolver,
		Metrics:        n.Metrics,
		MetricsFrom:    n.cfg.MetricsFrom,
		RequestsPerIP:  n.cfg.RequestsPerIP,
		InboxPerHost:   n.cfg.InboxPerHost,
		InboxPerIP:     n.cfg.InboxPerIP,
		TrustedProxies: n.cfg.TrustedProxies,
		Docs:           n.docs,
		Logger:         log,
		Version:        cfg.Version,
		Ready:          n.ready.Load,
		Priority:       n.priority,
	})
	if err != nil {
		return fail(err)
	}
	return n, nil
}

// Start runs the inbox processor, the delivery workers, the remote
// avatar fetchers and the meetings' reminders, and serves HTTP on the
// listener, all in the background.
func (n *Node) Start() {
	ctx, stop := context.WithCancel(context.Background())
	n.stop = stop
	n.workers.Add(3)
	go func() { defer n.workers.Done(); n.Inbox.Run(ctx) }()
	// Two fetchers of remote actors' avatars, off the request path.
	go func() { defer n.workers.Done(); n.Services.Profiles.FetchAvatars(ctx, 2, n.log) }()
	go func() {
		defer n.workers.Done()
		if err := n.Outbox.Run(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("delivery stopped", slog.Any("err", err))
		}
	}()
	n.workers.Add(1)
	go func() { defer n.workers.Done(); n.runReminders(ctx) }()
	if n.Mail != nil {
		n.workers.Add(1)
		go func() { defer n.workers.Done(); n.Mail.Run(ctx) }()
	}
	n.startAdminSocket() // before /healthz answers, so the CLI finds it
	go func() {
		n.ready.Store(true)
		err := n.Web.App.Listener(n.ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			n.served <- err
		}
		close(n.served)
	}()
	n.log.Info("lernejo is serving", slog.String("url", n.URLs.Base()), slog.String("listen", n.ln.Addr().String()))
}

// Served reports a serving error, or closes when serving stops.
func (n *Node) Served() <-chan error { return n.served }

// Addr is the address the node listens on.
func (n *Node) Addr() string { return n.ln.Addr().String() }

// Close shuts down gracefully: stop accepting, let in-flight requests finish
// (until ctx ends), stop the workers (deliveries in flight stay queued),
// then close the store exactly once.
func (n *Node) Close(ctx context.Context) error {
	n.close.Do(func() {
		n.ready.Store(false)
		var errs []error
		if n.Web != nil {
			if err := n.Web.App.ShutdownWithContext(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shut down http: %w", err))
			}
		}
		n.ln.Close()
		if err := n.stopAdminSocket(ctx); err != nil {
			errs = append(errs, err)
		}
		if n.stop != nil {
			n.stop()
			n.workers.Wait()
		}
		if n.Inbox != nil {
			n.Inbox.Close()
		}
		if err := n.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		n.closeEr = errors.Join(errs...)
	})
	return n.closeEr
}

// checkDataDir creates the data directory if needed (0700) and checks that it
// is writable, and, unless shared is allowed, that no one but its owner may
// read or enter it: it holds private keys, password hashes and sessions. A
// directory with no store in it yet is made private; one that holds a store
// and is open to others is refused.
func checkDataDir(dir string, shared bool) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s cannot be created: %v", dir, unwrapPathError(err))
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory %s: %v", dir, unwrapPathError(err))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && !shared {
		if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, os.ErrNotExist) {
			// No store in it yet, so no secret either: make it private
			// before there is one (a fresh mkdir is 0755 under umask 022).
			if err := os.Chmod(dir, perm&^0o077); err != nil {
				return fmt.Errorf("data directory %s cannot be made private: %v", dir, unwrapPathError(err))
			}
		} else {
			return fmt.Errorf("data directory %s can be read by others (mode %04o), and it holds private keys and passwords: run chmod 700 %s (or pass --allow-shared-data-dir)", dir, perm, dir)
		}
	}
	probe := filepath.Join(dir, ".lernejo-write-test")
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %v", dir, unwrapPathError(err))
	}
	f.Close()
	return os.Remove(probe)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func unwrapOpError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}

// newULID returns a generator of monotonic ULIDs on the node's clock.
func newULID(now func() time.Time) func() string {
	var mu sync.Mutex
	entropy := ulid.Monotonic(cryptoReader{}, 0)
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return ulid.MustNew(ulid.Timestamp(now()), entropy).String()
	}
}
