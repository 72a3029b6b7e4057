// Package password hashes and checks passwords with argon2id, in the PHC
// string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters from the OWASP Password Storage Cheat Sheet: argon2id with
// 19 MiB of memory, 2 iterations, 1 degree of parallelism.
const (
	memoryKiB = 19 * 1024
	time      = 2
	threads   = 1
	keyLen    = 32
	saltLen   = 16
	// MinLen and MaxLen bound a password's length in bytes. The upper bound
	// keeps hashing cost predictable.
	MinLen = 8
	MaxLen = 256
)

// ErrMismatch is returned by Check when the password is wrong.
var ErrMismatch = errors.New("password: mismatch")

// Hash returns the argon2id hash of pw in PHC format.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	sum := argon2.IDKey([]byte(pw), salt, time, memoryKiB, threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, time, threads, enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// Check compares pw with a PHC hash in constant time.
func Check(hash, pw string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("password: unknown hash format")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return errors.New("password: unknown argon2 version")
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 10 || p == 0 {
		return errors.New("password: bad argon2 parameters")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return errors.New("password: bad salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return errors.New("password: bad hash")
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// Generate returns a random password of 20 URL-safe characters.
func Generate() (string, error) {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("password: generate: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
