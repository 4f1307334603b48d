"""What the zygote removes after every run (and kernel): everything the run left.

A run is hostile and its processes are dead by now, so what is left is only files, in any
shape: trees thousands of levels deep (``shutil.rmtree`` recurses and raised RecursionError),
directories of mode 000, names no path can spell (past PATH_MAX), a full tmpfs. Removal
here works on descriptors, keeps at most ``MAX_OPEN`` of them, and never recurses: a
directory deeper than that is moved up, whole, by one rename, and emptied on a later pass.

SysV IPC objects of the run's uid go too (seccomp refuses creating them; this is the layer
beneath it, for a host without libseccomp).
"""
import ctypes
import os

MAX_OPEN = 32      # directory descriptors held at once, whatever the depth
IPC_RMID = 0
# /proc/sysvipc/<table>: its removal call and arguments after the id, and the columns of the
# owner's and the creator's uid (either may remove it; the owner can be changed, not the creator)
_IPC_TABLES = (("shm", "shmctl", (IPC_RMID, None), (7, 9)),
               ("msg", "msgctl", (IPC_RMID, None), (7, 9)),
               ("sem", "semctl", (0, IPC_RMID), (4, 6)))


def remove_tree(path):
    """Remove ``path`` (a directory the zygote made) and everything under it; True when it
    is gone. Never raises: on False the caller starts a fresh sandbox (a new tmpfs)."""
    try:
        os.chmod(path, 0o700)  # the run may have made it 000
        root = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return True
    except OSError:
        return _gone(path)
    try:
        while _one_pass(root):  # True: some deep directory was moved up into root
            pass
    except OSError:  # out of descriptors or memory: whatever is left, _gone says so
        pass
    finally:
        os.close(root)
    return _gone(path)


def _gone(path):
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        try:
            os.unlink(path)  # a file or link where the directory was
        except OSError:
            return not os.path.lexists(path)
    return True


def _one_pass(root):
    """Depth-first removal under ``root`` down to MAX_OPEN levels; deeper directories are
    renamed into ``root`` for the next pass. True when anything was moved."""
    stack = [(root, iter(os.listdir(root)), None)]  # (fd, names left, its name in the parent)
    moved = False
    try:
        while stack:
            fd, names, _ = stack[-1]
            name = next(names, None)
            if name is None:
                _, _, emptied = stack.pop()
                if stack:  # an emptied subdirectory: remove it from its parent
                    os.close(fd)
                    _quietly(os.rmdir, emptied, dir_fd=stack[-1][0])
                continue
            try:
                os.unlink(name, dir_fd=fd)
                continue
            except FileNotFoundError:
                continue
            except (IsADirectoryError, PermissionError):  # Linux: EISDIR; EPERM elsewhere
                pass
            if len(stack) >= MAX_OPEN:
                os.rename(name, _free_name(root), src_dir_fd=fd, dst_dir_fd=root)
                moved = True
                continue
            try:
                os.chmod(name, 0o700, dir_fd=fd)  # mode 000: we own it, or are root
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                continue
            stack.append((sub, iter(os.listdir(sub)), name))
    finally:
        for fd, _, _ in stack[1:]:
            os.close(fd)
    return moved


_moved = 0


def _free_name(root):
    global _moved
    while True:
        _moved += 1
        name = f".removing-{_moved}"
        try:
            os.stat(name, dir_fd=root, follow_symlinks=False)
        except FileNotFoundError:
            return name


def _quietly(op, *args, **kwargs):
    try:
        op(*args, **kwargs)
    except FileNotFoundError:
        pass


def remove_ipc_objects(uid):
    """Remove the SysV shared memory segments, message queues and semaphore sets ``uid``
    owns in this IPC namespace. Call it as ``uid`` (the owner may remove its own)."""
    libc = ctypes.CDLL(None, use_errno=True)
    removed = 0
    for table, call, args, uid_columns in _IPC_TABLES:
        try:
            with open(f"/proc/sysvipc/{table}") as fh:
                rows = [line.split() for line in fh.readlines()[1:]]
        except OSError:
            continue
        ctl = getattr(libc, call)
        for row in rows:
            if uid in (int(row[c]) for c in uid_columns) and ctl(int(row[1]), *args) == 0:
                removed += 1
    return removed
