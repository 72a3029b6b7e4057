package store

import (
	"errors"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// Images are stored whole, one key each, under their hash; remote
// avatars under the actor's id, with a TTL, so a stale one reads as
// missing and is fetched again.

func (t *tx) Image(hash string) (*domain.Image, error) {
	if !validHash(hash) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	return getAs[domain.Image](t, key(pImage, hash), "Image")
}

func (t *tx) PutImage(img *domain.Image, ttl time.Duration) error {
	if !validHash(img.Hash) || len(img.Data) == 0 {
		return errors.New("store: malformed image")
	}
	return t.putFor(key(pImage, img.Hash), img, ttl)
}

func (t *tx) RemoteAvatar(actor string) (*domain.RemoteAvatar, error) {
	return getAs[domain.RemoteAvatar](t, key(pRemoteAvatar, actor), "RemoteAvatar")
}

func (t *tx) PutRemoteAvatar(a *domain.RemoteAvatar, ttl time.Duration) error {
	if a.Actor == "" || ttl <= 0 {
		return errors.New("store: malformed remote avatar")
	}
	return t.putFor(key(pRemoteAvatar, a.Actor), a, ttl)
}

// validHash reports whether h is a SHA-256 in lower-case hex, as image
// keys are.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
