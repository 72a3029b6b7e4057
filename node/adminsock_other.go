//go:build !unix

package node

import "net"

// listenPrivate listens on the socket; where there are no Unix modes, the
// data directory's ACLs protect it.
func listenPrivate(path string) (net.Listener, error) { return net.Listen("unix", path) }
