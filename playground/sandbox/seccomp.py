"""A seccomp filter through libseccomp (ctypes, no Python binding needed).

Default allow, then deny what user code never needs: new programs and processes (threads
stay allowed), network sockets, and kernel interfaces that widen the attack surface. The
filter is built once in the warm zygote and only loaded in each forked run child.
"""
import ctypes
import ctypes.util
import errno

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE = 1
SCMP_CMP_MASKED_EQ = 7
CLONE_THREAD = 0x00010000
AF_UNIX = 1
NV_IOCTL_MASK, NV_IOCTL_TYPE = 0xFF00, ord("F") << 8  # the _IOC type byte of NVIDIA's ioctls


def SCMP_ACT_ERRNO(code):
    return 0x00050000 | (code & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


# Syscalls refused with EPERM: running programs, making processes, and kernel interfaces
# (namespaces, mounts, modules, tracing, bpf, io_uring, SysV IPC...) that a tensor snippet
# never needs.
DENIED = """
execve execveat fork vfork ptrace process_vm_readv process_vm_writev mount umount2
pivot_root chroot unshare setns kexec_load kexec_file_load init_module finit_module
delete_module bpf perf_event_open keyctl add_key request_key userfaultfd io_uring_setup
io_uring_enter io_uring_register reboot swapon swapoff acct quotactl open_by_handle_at
name_to_handle_at settimeofday clock_settime clock_adjtime adjtimex syslog vhangup
fanotify_init move_mount open_tree fsopen fsmount fsconfig fspick mknod mknodat
shmget shmat shmdt shmctl msgget msgsnd msgrcv msgctl semget semop semtimedop semctl ipc
mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr
""".split()
# SysV IPC and POSIX message queues: their memory is not the run's address space (five
# 512 MiB segments passed a 2 GiB RLIMIT_AS) and they outlive the process that made them,
# within the sandbox's IPC namespace that all runs of one zygote share. Refused outright,
# they are neither a way past the memory limit nor a channel to a later run.


class SeccompUnavailable(RuntimeError):
    pass


class SeccompFilter:
    """A compiled filter; ``load()`` applies it to the calling process (irreversibly)."""

    def __init__(self):
        path = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
        try:
            self._lib = lib = ctypes.CDLL(path, use_errno=True)
        except OSError as exc:
            raise SeccompUnavailable(f"libseccomp not found ({exc})") from None
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                               ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_load.argtypes = [ctypes.c_void_p]
        self._ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
        if not self._ctx:
            raise SeccompUnavailable("seccomp_init failed")
        eperm = SCMP_ACT_ERRNO(errno.EPERM)
        for name in DENIED:
            self._rule(eperm, name)
        # Threads yes, processes no: clone() without CLONE_THREAD is refused.
        self._rule(eperm, "clone", _ArgCmp(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0))
        # clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc fall
        # back to clone(), which the rule above checks.
        self._rule(SCMP_ACT_ERRNO(errno.ENOSYS), "clone3")
        # Only local (AF_UNIX) sockets; the network namespace already has no route out.
        self._rule(SCMP_ACT_ERRNO(errno.EACCES), "socket", _ArgCmp(0, SCMP_CMP_NE, AF_UNIX, 0))

    def deny_gpu_driver(self):
        """Refuse the NVIDIA driver's ioctls (type 'F', NV_IOCTL_MAGIC: every CUDA context
        starts with them): a CPU run on a host whose sandboxes carry the GPU nodes cannot
        use the GPU past the one-GPU-run gate. Added in the forked child, before ``load``."""
        self._rule(SCMP_ACT_ERRNO(errno.EPERM), "ioctl",
                   _ArgCmp(1, SCMP_CMP_MASKED_EQ, NV_IOCTL_MASK, NV_IOCTL_TYPE))

    def _rule(self, action, name, *conditions):
        nr = self._lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            return  # not a syscall on this architecture
        array = (_ArgCmp * len(conditions))(*conditions) if conditions else None
        rc = self._lib.seccomp_rule_add_array(self._ctx, action, nr, len(conditions), array)
        if rc < 0:
            raise SeccompUnavailable(f"seccomp rule for {name} failed: {errno.errorcode.get(-rc, rc)}")

    def load(self):
        rc = self._lib.seccomp_load(self._ctx)
        if rc < 0:
            raise SeccompUnavailable(f"seccomp_load failed: {errno.errorcode.get(-rc, rc)}")
