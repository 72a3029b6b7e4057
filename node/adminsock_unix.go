//go:build unix

package node

import (
	"net"
	"sync"
	"syscall"
)

var umaskMu sync.Mutex

// listenPrivate creates the socket 0600: under a umask of 177 for the moment
// of its creation, so that it is never, even briefly, open to anyone else
// (a chmod after listening leaves a window).
func listenPrivate(path string) (net.Listener, error) {
	umaskMu.Lock()
	defer umaskMu.Unlock()
	old := syscall.Umask(0o177)
	defer syscall.Umask(old)
	return net.Listen("unix", path)
}
