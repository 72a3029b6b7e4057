package node

import "crypto/rand"

// cryptoReader adapts crypto/rand for ulid.Monotonic.
type cryptoReader struct{}

func (cryptoReader) Read(p []byte) (int, error) { return rand.Read(p) }
