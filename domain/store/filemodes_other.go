//go:build !unix

package store

// makePrivate does nothing where there are no Unix modes: there the data
// directory's access is the operator's to set with the system's ACLs.
func makePrivate(string) error { return nil }
