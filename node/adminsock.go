package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/outbox"
	"github.com/lernejo/lernejo/service"
	"github.com/lernejo/lernejo/web"
)

// AdminSocketName is the Unix socket, in the data directory, on which a
// running node answers `lernejo admin` and `lernejo backup`: Badger lets one
// process open the directory, so while the node runs the CLI asks it.
const AdminSocketName = "admin.sock"

// BackupTrailer is the HTTP trailer that ends a backup stream from the
// admin socket: "ok", or the error that cut the stream short.
const BackupTrailer = "Lernejo-Backup-Status"

// ErrDataDirInUse is returned by OpenAdmin when another process holds the
// data directory (HOSTILE B3).
var ErrDataDirInUse = errors.New("data directory in use")

// Admin holds the operator's commands. A running node has one (Node.Admin),
// served on its admin socket; OpenAdmin makes one on a stopped node's data
// directory.
type Admin struct {
	Store    *store.Store
	Services *service.Services
	owned    bool // OpenAdmin opened the store: Close closes it
}

// Admin returns the running node's admin commands.
func (n *Node) Admin() *Admin {
	return &Admin{Store: n.Store, Services: n.Services}
}

// OpenAdmin opens a stopped node's data directory for the admin commands.
// baseURL, when not "", is the node's public URL, so its own domain cannot be
// blocked. Close releases the directory.
func OpenAdmin(dir, baseURL string) (*Admin, error) {
	var urls federation.URLs
	if baseURL != "" {
		u, err := federation.NewURLs(strings.TrimRight(baseURL, "/"))
		if err != nil {
			return nil, fmt.Errorf("bad node URL: %s", domain.ErrorMessage(err))
		}
		urls = u
	}
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		// store.Open words the lock error for an operator; keep its words.
		if strings.Contains(err.Error(), "is in use by another") {
			return nil, fmt.Errorf("%w: %v", ErrDataDirInUse, err)
		}
		return nil, err
	}
	// The services as the node would build them, queueing what they send
	// for the node's next start.
	newID := newULID(time.Now)
	svc := service.New(service.Config{
		Store:   st,
		Queue:   outbox.New(outbox.Config{Store: st, URLs: urls, NewID: newID}),
		Docs:    federation.Documents{URLs: urls},
		Now:     time.Now,
		NewID:   newID,
		NewKeys: domain.GenerateKeyPair,
	})
	// As the node would on its first start, so that a directory prepared
	// offline (an operator created before the first start) is a node's.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := svc.Accounts.EnsureInstanceActor(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("create the node's actor: %w", err)
	}
	return &Admin{
		Store:    st,
		Services: svc,
		owned:    true,
	}, nil
}

// Close closes the store if OpenAdmin opened it.
func (a *Admin) Close() error {
	if a.owned {
		return a.Store.Close()
	}
	return nil
}

// AdminErrorMessage is an error as the operator should read it: a domain
// error's message, or the whole error (the operator may see internals).
func AdminErrorMessage(err error) string {
	var e *domain.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// Backup writes a full Badger backup of the store to w (HOSTILE B6): a
// consistent snapshot, taken while the node keeps running.
func (a *Admin) Backup(w io.Writer) error { return a.Store.Backup(w) }

// adminSocket serves the admin commands on DATA_DIR/admin.sock.
type adminSocket struct {
	srv      *http.Server
	mu       sync.Mutex
	closed   bool
	handlers sync.WaitGroup
}

// startAdminSocket listens on the admin socket. A failure is logged, not
// fatal: the node serves, and the CLI says it cannot reach it.
func (n *Node) startAdminSocket() {
	if n.cfg.DataDir == "" {
		return
	}
	path := filepath.Join(n.cfg.DataDir, AdminSocketName)
	ln, err := listenAdminSocket(path)
	if err != nil {
		n.log.Error("admin socket unavailable: lernejo admin and lernejo backup cannot reach this node",
			slog.String("path", path), slog.Any("err", err))
		return
	}
	s := &adminSocket{}
	s.srv = &http.Server{
		Handler:           s.guard(adminHandler(n.Admin(), n.log, n.cfg.Version)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	n.adminSock = s
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("admin socket stopped", slog.Any("err", err))
		}
	}()
}

// listenAdminSocket replaces a socket left by a crash (the caller holds the
// data directory's lock, so no live process serves it) and listens, for the
// owner only.
func listenAdminSocket(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	}
	return listenPrivate(path)
}

// guard counts running handlers, so stop can wait for them all before the
// store closes (a backup must not outlive the store, HOSTILE B8).
func (s *adminSocket) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			writeAdminError(w, http.StatusServiceUnavailable, "The node is shutting down.")
			return
		}
		s.handlers.Add(1)
		s.mu.Unlock()
		defer s.handlers.Done()
		h.ServeHTTP(w, r)
	})
}

// stopAdminSocket stops listening (removing the socket file) and waits for
// the handlers; when ctx ends first it cuts their connections.
func (n *Node) stopAdminSocket(ctx context.Context) error {
	s := n.adminSock
	if s == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close() // a backup in flight fails on its next write
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.handlers.Wait()
	if err != nil {
		return fmt.Errorf("shut down admin socket: %w", err)
	}
	return nil
}

// The admin socket's requests (JSON bodies).
type (
	AdminUserRequest struct {
		Handle   string `json:"handle"`
		Name     string `json:"name,omitempty"`
		Admin    bool   `json:"admin,omitempty"`
		Password string `json:"password"`
	}
	AdminSuspendRequest struct {
		Handle  string `json:"handle"`
		Suspend bool   `json:"suspend"` // false: unsuspend
	}
	// AdminSchoolRequest creates, edits or retires a school (retire needs
	// only the handle). In an edit, nil Organisers leaves them as they are.
	AdminSchoolRequest struct {
		Handle     string   `json:"handle"`
		Name       string   `json:"name,omitempty"`
		Summary    string   `json:"summary,omitempty"`
		Organisers []string `json:"organisers,omitempty"`
	}
	AdminBlockRequest struct {
		Domain string `json:"domain"`
		Reason string `json:"reason,omitempty"`
	}
	AdminBlockResponse struct {
		Domain string         `json:"domain"`
		Purged service.Purged `json:"purged"`
	}
	AdminError struct {
		Error string `json:"error"`
	}
)

// CreateSchool creates the school r describes, as the operator: the admin
// socket's POST /v1/schools and the offline command.
func CreateSchool(ctx context.Context, a *Admin, r AdminSchoolRequest) (*domain.School, error) {
	sc := &domain.School{Handle: r.Handle, Name: r.Name, Summary: r.Summary, Organisers: r.Organisers}
	if err := a.Services.Schools.Create(ctx, service.ByOperator, sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// EditSchool saves r's profile of a school, as the operator: the admin
// socket's POST /v1/schools/edit and the offline command.
func EditSchool(ctx context.Context, a *Admin, r AdminSchoolRequest) (*domain.School, error) {
	return a.Services.Schools.Edit(ctx, service.ByOperator, r.Handle,
		service.SchoolProfile{Name: r.Name, Summary: r.Summary, Organisers: r.Organisers})
}

func writeAdminError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(AdminError{Error: msg})
}

// adminHandler is the admin API: POST /v1/users, /v1/password,
// /v1/suspend, /v1/block, /v1/unblock, /v1/schools, /v1/schools/edit,
// /v1/schools/retire (JSON), GET /v1/users, /v1/schools, /v1/reports,
// /v1/backup, /v1/ping.
func adminHandler(a *Admin, log *slog.Logger, version string) http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			if domain.ErrorCode(err) == domain.EINTERNAL {
				log.Error("admin command failed", slog.Any("err", err))
			}
			writeAdminError(w, web.StatusOf(err), AdminErrorMessage(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	decode := func(w http.ResponseWriter, r *http.Request, v any) bool {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
			writeAdminError(w, http.StatusBadRequest, "bad request: "+err.Error())
			return false
		}
		return true
	}
	mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]string{"version": version}, nil)
	})
	mux.HandleFunc("POST /v1/users", func(w http.ResponseWriter, r *http.Request) {
		var req AdminUserRequest
		if !decode(w, r, &req) {
			return
		}
		p, err := a.Services.Accounts.Create(r.Context(), req.Handle, req.Name, req.Admin, req.Password)
		if err != nil {
			reply(w, nil, err)
			return
		}
		log.Info("admin: user created", slog.String("handle", p.Handle), slog.Bool("admin", p.Admin))
		reply(w, map[string]string{"handle": p.Handle}, nil)
	})
	mux.HandleFunc("GET /v1/users", func(w http.ResponseWriter, r *http.Request) {
		page, err := a.Services.Accounts.Users(r.Context(), r.URL.Query().Get("cursor"))
		reply(w, page, err)
	})
	mux.HandleFunc("POST /v1/suspend", func(w http.ResponseWriter, r *http.Request) {
		var req AdminSuspendRequest
		if !decode(w, r, &req) {
			return
		}
		var err error
		if req.Suspend {
			err = a.Services.Accounts.Suspend(r.Context(), "", req.Handle)
		} else {
			err = a.Services.Accounts.Unsuspend(r.Context(), req.Handle)
		}
		if err == nil {
			log.Info("admin: suspension changed", slog.String("handle", domain.NormaliseHandle(req.Handle)), slog.Bool("suspended", req.Suspend))
		}
		reply(w, map[string]string{"handle": domain.NormaliseHandle(req.Handle)}, err)
	})
	mux.HandleFunc("GET /v1/schools", func(w http.ResponseWriter, r *http.Request) {
		all, err := a.Services.Schools.List(r.Context())
		reply(w, all, err)
	})
	school := func(path, done string, do func(context.Context, AdminSchoolRequest) (any, error)) {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			var req AdminSchoolRequest
			if !decode(w, r, &req) {
				return
			}
			out, err := do(r.Context(), req)
			if err == nil {
				log.Info(done, slog.String("school", domain.NormaliseHandle(req.Handle)))
			}
			reply(w, out, err)
		})
	}
	school("/v1/schools", "admin: school created", func(ctx context.Context, req AdminSchoolRequest) (any, error) {
		return CreateSchool(ctx, a, req)
	})
	school("/v1/schools/edit", "admin: school edited", func(ctx context.Context, req AdminSchoolRequest) (any, error) {
		return EditSchool(ctx, a, req)
	})
	school("/v1/schools/retire", "admin: school retired", func(ctx context.Context, req AdminSchoolRequest) (any, error) {
		return map[string]string{"handle": domain.NormaliseHandle(req.Handle)}, a.Services.Schools.Retire(ctx, service.ByOperator, req.Handle)
	})
	mux.HandleFunc("POST /v1/password", func(w http.ResponseWriter, r *http.Request) {
		var req AdminUserRequest
		if !decode(w, r, &req) {
			return
		}
		err := a.Services.Accounts.ResetPassword(r.Context(), req.Handle, req.Password)
		if err == nil {
			log.Info("admin: password reset", slog.String("handle", domain.NormaliseHandle(req.Handle)))
		}
		reply(w, map[string]string{"handle": domain.NormaliseHandle(req.Handle)}, err)
	})
	mux.HandleFunc("POST /v1/block", func(w http.ResponseWriter, r *http.Request) {
		var req AdminBlockRequest
		if !decode(w, r, &req) {
			return
		}
		b, purged, err := a.Services.Moderation.BlockDomain(r.Context(), req.Domain, req.Reason)
		if err != nil {
			reply(w, nil, err)
			return
		}
		log.Info("admin: domain blocked", slog.String("domain", b.Domain))
		reply(w, AdminBlockResponse{Domain: b.Domain, Purged: purged}, nil)
	})
	mux.HandleFunc("POST /v1/unblock", func(w http.ResponseWriter, r *http.Request) {
		var req AdminBlockRequest
		if !decode(w, r, &req) {
			return
		}
		err := a.Services.Moderation.UnblockDomain(r.Context(), req.Domain)
		if err == nil {
			log.Info("admin: domain unblocked", slog.String("domain", req.Domain))
		}
		reply(w, map[string]string{"domain": req.Domain}, err)
	})
	mux.HandleFunc("GET /v1/reports", func(w http.ResponseWriter, r *http.Request) {
		rs, err := a.Services.Moderation.Reports(r.Context())
		if rs == nil {
			rs = []*domain.Report{}
		}
		reply(w, rs, err)
	})
	mux.HandleFunc("GET /v1/backup", func(w http.ResponseWriter, r *http.Request) {
		// The status is sent before the stream, so the outcome goes in a
		// trailer: a client keeps the file only if it reads "ok".
		w.Header().Set("Trailer", BackupTrailer)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		status := "ok"
		if err := a.Backup(w); err != nil {
			log.Error("admin: backup failed", slog.Any("err", err))
			status = "failed: " + strings.ReplaceAll(err.Error(), "\n", " ")
		} else {
			log.Info("admin: backup taken")
		}
		w.Header().Set(BackupTrailer, status)
	})
	return mux
}
