//go:build unix

package repofile

import "syscall"

// noFollow makes an open fail on a symbolic link (ELOOP) instead of
// following it.
const noFollow = syscall.O_NOFOLLOW

// readPlain is read for the common case, a regular file that is no link
// in a directory resolved before: one open that refuses to follow a link
// at the last component (which Resolve's lstat would otherwise find), in
// system calls of its own. Through an os.File each file costs two more
// (Go offers it to its poller, which refuses a regular file, and a last
// read finds the end), in runs that read thousands. It reads up to limit
// bytes, or none when the stated size is over refuse (when refuse is not
// negative): err then says so. ok is false when it did not read the
// file, and the long way (open) says why.
func readPlain(root, name string, limit, refuse int64) (b []byte, ok bool, err error) {
	real, ok := plainPath(root, name)
	if !ok {
		return nil, false, nil
	}
	// O_NONBLOCK: opening a named pipe must not wait for a writer.
	const flags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	fd, err := syscall.Open(real, flags, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(real, flags, 0)
	}
	if err != nil {
		return nil, false, nil
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, false, nil
	}
	if refuse >= 0 && st.Size > refuse {
		return nil, true, tooLarge(name, st.Size, refuse)
	}
	if b, err = readFD(fd, st.Size, limit); err != nil {
		return nil, false, nil
	}
	return b, true, nil
}

// readFD reads fd, a regular file of the stated size, to its end or to
// limit bytes. A file of the size stated is read in one call that asks
// for a byte more: it returns the size, fewer bytes than asked, and the
// read that would return none is left out. A short read that ends
// anywhere else (a file system that returns less than it holds, a file
// that shrank) and a full one (a file that grew) read on to the end. A
// short read that ends at the stated size is taken as the end: a file
// that grew after its size was read, on a file system that returns short
// reads, is read as it stood then, and the next run reads it anew.
func readFD(fd int, size, limit int64) ([]byte, error) {
	buf := make([]byte, 0, max(0, min(size+1, limit)))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // room to grow: the file did
		}
		want := min(int64(cap(buf)), limit) - int64(len(buf))
		n, err := syscall.Read(fd, buf[len(buf):int64(len(buf))+want])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break // the end
		}
		buf = buf[:len(buf)+n]
		if int64(n) < want && int64(len(buf)) == size {
			break // the file as stated, whole
		}
	}
	return buf, nil
}
