//go:build !linux

package store

import (
	"errors"
	"runtime"
)

// freeBytes is not implemented off Linux: the disk-space guard stays off
// there (DiskSpace.Known is false), and the node runs as it did without it.
func freeBytes(string) (int64, error) {
	return 0, errors.New("free disk space is not read on " + runtime.GOOS)
}
