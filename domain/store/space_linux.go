package store

import "syscall"

// freeBytes is the space available to unprivileged users on dir's disk (the
// blocks kept for root are not the node's to fill).
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
