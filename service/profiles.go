package service

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service/imaging"
)

// Profiles is the use cases of what people show of themselves and of what
// they organise: a person's display name, bio, avatar and header; a
// course's and a school's picture; and the avatars of remote actors,
// which the node fetches, re-encodes and serves itself, so that a page
// never loads a picture from another server (which would tell it who
// reads what) and never shows one this node did not decode.
type Profiles struct {
	*env
	accounts *Accounts
	// decoding bounds how many pictures are decoded at once: one decode
	// takes up to imaging.MaxPixels*4 bytes and a CPU.
	decoding chan struct{}
}

// Lifetimes of the remote avatars the node holds: one fetched is kept a
// week (Mastodon refreshes a remote account's avatar when its actor
// changes, which an Update tells us sooner); a failed fetch is not tried
// again for an hour.
const (
	remoteAvatarTTL = 7 * 24 * time.Hour
	failedAvatarTTL = time.Hour
)

// ProfileEdit is what a person changes on their profile page.
type ProfileEdit struct {
	DisplayName string
	Bio         string // plain text; links in it are made clickable
	// Avatar and Header are newly uploaded pictures, nil to keep the
	// present ones; RemoveAvatar and RemoveHeader take them away.
	Avatar, Header             []byte
	RemoveAvatar, RemoveHeader bool
}

// process decodes an uploaded picture (none: nil) under the decoding bound.
func (s *Profiles) process(ctx context.Context, data []byte, size imaging.Size, what domain.Phrase) (*domain.Image, error) {
	if data == nil {
		return nil, nil
	}
	select {
	case s.decoding <- struct{}{}:
		defer func() { <-s.decoding }()
	case <-ctx.Done():
		return nil, domain.Errorf(domain.EUNAVAILABLE, "The server is busy: try again in a moment.")
	}
	img, err := imaging.Process(data, size, what)
	if img != nil {
		img.Created = s.Now().UTC()
	}
	return img, err
}

// Edit saves the changes of the local person handle to their profile.
// Pictures are decoded, checked and re-encoded before the transaction;
// a change sends Update{Person} with their new actor to the servers that
// hold a copy of it (Accounts.sendActor), as Mastodon does on a profile
// edit. Saving what is already there changes and sends nothing.
func (s *Profiles) Edit(ctx context.Context, handle string, in ProfileEdit) error {
	avatar, err := s.process(ctx, in.Avatar, imaging.Avatar, domain.Phrase("avatar"))
	if err != nil {
		return err
	}
	header, err := s.process(ctx, in.Header, imaging.Header, domain.Phrase("header image"))
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx domain.Tx) error {
		p, err := person(tx, domain.NormaliseHandle(handle))
		if err != nil {
			return err
		}
		before := *p
		p.DisplayName, p.Bio = in.DisplayName, in.Bio
		p.Normalise()
		if err := p.Validate(); err != nil {
			return err
		}
		if p.Avatar, err = putPicture(tx, p.Avatar, avatar, in.RemoveAvatar); err != nil {
			return err
		}
		if p.Header, err = putPicture(tx, p.Header, header, in.RemoveHeader); err != nil {
			return err
		}
		if p.DisplayName == before.DisplayName && p.Bio == before.Bio && p.Avatar == before.Avatar && p.Header == before.Header {
			return nil
		}
		p.Updated = s.Now().UTC()
		if err := tx.PutPerson(p); err != nil {
			return err
		}
		return s.accounts.sendActor(tx, p)
	})
}

// putPicture stores a new picture and returns the file name the actor now
// holds: the new one's, "" when removed, or the present one. A replaced
// picture stays stored: its URL may be cached anywhere, and another actor
// may show the same bytes.
func putPicture(tx domain.ImageStore, present string, img *domain.Image, remove bool) (string, error) {
	switch {
	case img != nil:
		return img.Name(), tx.PutImage(img, 0)
	case remove:
		return "", nil
	}
	return present, nil
}

// CourseImage sets (or, with remove, takes away) the picture of the
// course handle, which editor organises: the course actor's icon, sent to
// its followers with Update{Group}.
func (s *Profiles) CourseImage(ctx context.Context, editor, handle string, data []byte, remove bool) error {
	img, err := s.process(ctx, data, imaging.Avatar, domain.Phrase("course image"))
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, domain.NormaliseHandle(handle), editor)
		if err != nil {
			return err
		}
		before := c.Image
		if c.Image, err = putPicture(tx, c.Image, img, remove); err != nil || c.Image == before {
			return err
		}
		c.Updated = s.Now().UTC()
		if err := tx.PutCourse(c); err != nil {
			return err
		}
		return s.sendCourseActor(tx, c)
	})
}

// SchoolImage sets (or, with remove, takes away) the picture of the
// school handle, which by organises (or operates the node): the school
// actor's icon, sent to its followers with Update{Organization}.
func (s *Profiles) SchoolImage(ctx context.Context, by, handle string, data []byte, remove bool) error {
	img, err := s.process(ctx, data, imaging.Avatar, domain.Phrase("school image"))
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx domain.Tx) error {
		sc, err := tx.School(domain.NormaliseHandle(handle))
		if err != nil {
			return err
		}
		op, err := isOperator(tx, by)
		if err != nil {
			return err
		}
		if err := sc.MayEdit(by, op); err != nil {
			return err
		}
		before := sc.Image
		if sc.Image, err = putPicture(tx, sc.Image, img, remove); err != nil || sc.Image == before {
			return err
		}
		sc.Updated = s.Now().UTC()
		if err := tx.PutSchool(sc); err != nil {
			return err
		}
		return s.sendSchoolActor(tx, sc)
	})
}

// Image is the image with the file name name (domain.Image.Name), as the
// node serves it at /images/NAME.
func (s *Profiles) Image(ctx context.Context, name string) (*domain.Image, error) {
	var img *domain.Image
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		img, err = tx.Image(domain.ImageHash(name))
		return err
	})
	if err == nil && img.Name() != name {
		return nil, domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	return img, err
}

// avatarQueue is the remote actors whose avatars pages asked for and the
// node does not hold yet: pages add to it without waiting (want), the
// fetchers started by FetchAvatars take from it. It is bounded: when full,
// a page's wish is dropped, and the next page that shows the actor asks
// again.
type avatarQueue struct {
	ch      chan string
	mu      sync.Mutex
	pending map[string]bool
}

func newAvatarQueue(size int) *avatarQueue {
	return &avatarQueue{ch: make(chan string, size), pending: map[string]bool{}}
}

// want asks for actor's avatar, once while it is waiting.
func (q *avatarQueue) want(actor string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending[actor] {
		return
	}
	select {
	case q.ch <- actor:
		q.pending[actor] = true
	default:
	}
}

// done forgets actor once its avatar was fetched (or failed).
func (q *avatarQueue) done(actor string) {
	q.mu.Lock()
	delete(q.pending, actor)
	q.mu.Unlock()
}

// avatarTx is what avatarOf reads.
type avatarTx interface {
	domain.PersonStore
	domain.CourseStore
	domain.SchoolStore
	domain.ActorCache
	domain.ImageStore
}

// avatarOf is the URL of the picture a page shows beside what actor (an
// id) wrote, always one this node serves: a local actor's uploaded
// picture or its generated icon; a remote actor's avatar once the node
// fetched it. For a remote actor it does not hold yet it asks the
// fetchers for it and returns "": the page shows a placeholder.
func (e *env) avatarOf(tx avatarTx, actor string) (string, error) {
	if h, typ, ok := e.URLs.LocalActor(actor); ok {
		var name string
		switch typ {
		case domain.ActorPerson:
			if p, found, err := domain.Found(tx.Person(h)); err != nil {
				return "", err
			} else if found {
				name = p.Avatar
			}
		case domain.ActorCourse:
			if c, found, err := domain.Found(tx.Course(h)); err != nil {
				return "", err
			} else if found {
				name = c.Image
			}
		case domain.ActorSchool:
			if sc, found, err := domain.Found(tx.School(h)); err != nil {
				return "", err
			} else if found {
				name = sc.Image
			}
		default:
			return "", nil
		}
		if name != "" {
			return e.URLs.Image(name), nil
		}
		return actor + "/icon.png", nil
	}
	ra, found, err := domain.Found(tx.RemoteActor(actor))
	if err != nil || !found || ra.IconURL == "" {
		return "", err
	}
	av, found, err := domain.Found(tx.RemoteAvatar(actor))
	if err != nil {
		return "", err
	}
	if found && av.Source == ra.IconURL {
		if av.Failed {
			return "", nil
		}
		return e.URLs.Image(av.Image), nil
	}
	if e.avatars != nil {
		e.avatars.want(actor)
	}
	return "", nil
}

// FetchAvatars runs the remote avatar fetchers, workers of them, until
// ctx ends: each fetch goes through the guarded federation client (its
// SSRF rules, deadline and 1 MiB cap), and the picture is decoded and
// re-encoded like an upload (imaging.Small), then kept for
// remoteAvatarTTL. node's serve starts it.
func (s *Profiles) FetchAvatars(ctx context.Context, workers int, log *slog.Logger) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case actor := <-s.avatars.ch:
					if err := s.fetchAvatar(ctx, actor); err != nil && ctx.Err() == nil {
						log.Warn("remote avatar", slog.String("actor", actor), slog.Any("err", err))
					}
					s.avatars.done(actor)
				}
			}
		}()
	}
	wg.Wait()
}

// fetchAvatar fetches, checks and stores the avatar of the remote actor.
// A picture that cannot be had is remembered as Failed for
// failedAvatarTTL; only a failure to write the store is an error.
func (s *Profiles) fetchAvatar(ctx context.Context, actor string) error {
	var ra *domain.RemoteActor
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		ra, err = tx.RemoteActor(actor)
		return err
	}); err != nil {
		if domain.IsNotFound(err) {
			return nil
		}
		return err
	}
	av := &domain.RemoteAvatar{Actor: actor, Source: ra.IconURL, Fetched: s.Now().UTC()}
	img, ferr := s.downloadAvatar(ctx, ra.IconURL)
	ttl := remoteAvatarTTL
	if ferr != nil {
		av.Failed, ttl = true, failedAvatarTTL
	} else {
		av.Image = img.Name()
	}
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		if img != nil {
			// The picture outlives its entry by a day, so a page read just
			// before the entry expired still finds it.
			if err := tx.PutImage(img, ttl+24*time.Hour); err != nil {
				return err
			}
		}
		return tx.PutRemoteAvatar(av, ttl)
	})
	if err != nil {
		return err
	}
	return ferr
}

// downloadAvatar GETs a remote avatar and returns it re-encoded.
func (s *Profiles) downloadAvatar(ctx context.Context, url string) (*domain.Image, error) {
	if s.Resolver == nil || s.Resolver.Client == nil {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "No fetch client.")
	}
	resp, body, err := s.Resolver.Client.Get(ctx, url, "image/png, image/jpeg, image/webp")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "image/") {
		return nil, domain.Errorf(domain.EINVALID, "GET %s: %s is no image", url, ct)
	}
	return s.process(ctx, body, imaging.Small, domain.Phrase("avatar"))
}
