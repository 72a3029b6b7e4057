package domain

import (
	"strings"
	"time"
)

// Image is a picture this node serves from its own store: one a person
// uploaded (an avatar, a profile header, a course's or a school's image)
// or a remote actor's avatar it fetched. Data is what the node encoded
// itself from the decoded pixels, never the bytes it was given, so it
// carries no metadata (EXIF, GPS) and no payload a browser could sniff as
// something else. Hash is the SHA-256 of Data in hex: its URL names it, so
// the URL of a picture never changes what it shows and can be cached for
// ever.
type Image struct {
	Hash      string
	MediaType string // image/png or image/jpeg
	Width     int
	Height    int
	Data      []byte
	Created   time.Time
}

// Name is the image's file name, its hash and the extension of its media
// type ("HASH.jpg"): what its URL ends with, and what the actors that show
// it hold (Person.Avatar…).
func (i *Image) Name() string {
	if i.MediaType == "image/jpeg" {
		return i.Hash + ".jpg"
	}
	return i.Hash + ".png"
}

// ImageMediaType is the media type an image's file name says, "" when it
// names none.
func ImageMediaType(name string) string {
	switch {
	case strings.HasSuffix(name, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(name, ".png"):
		return "image/png"
	}
	return ""
}

// ImageHash is the hash part of an image's file name.
func ImageHash(name string) string {
	hash, _, _ := strings.Cut(name, ".")
	return hash
}

// RemoteAvatar is what the node holds of a remote actor's avatar: the URL
// the actor's icon named when it was fetched, and the file name of the Image
// it re-encoded from it (Image.Name), or Failed when the fetch or the decoding failed (so
// that the node does not fetch it again before the entry expires). The
// store keeps it for a while only; pages show a placeholder meanwhile.
type RemoteAvatar struct {
	Actor   string
	Source  string
	Image   string
	Failed  bool
	Fetched time.Time
}
