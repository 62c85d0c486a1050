/*
 * Raw system calls for the child. On x86_64 the child may share the parent's memory (CLONE_VM, as
 * posix_spawn's child does), so it must not touch glibc's TLS (errno), heap or locks: sys6 is a
 * bare `syscall` instruction returning -errno. Elsewhere the child is a fork-like copy and glibc's
 * syscall() is safe. Header-free: the few prototypes and constants are declared by hand.
 */
#ifndef MINIC_SYSCALLS_H
#define MINIC_SYSCALLS_H

/* The library is built with -fvisibility=hidden: only the entry points JavaScript calls are exported. */
#define EXPORT __attribute__((visibility("default")))

typedef unsigned long size_t;
typedef long ssize_t;

long syscall(long number, ...);
int *__errno_location(void);
size_t strlen(const char *s);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#if defined(__x86_64__)
long sys6(long n, long a, long b, long c, long d, long e, long f);
#define CLONE_VM_SUPPORTED 1
enum {
  SYS_read = 0, SYS_write = 1, SYS_open = 2, SYS_close = 3, SYS_fstat = 5, SYS_poll = 7,
  SYS_rt_sigaction = 13, SYS_rt_sigprocmask = 14, SYS_ioctl = 16, SYS_access = 21, SYS_dup2 = 33,
  SYS_socket = 41, SYS_execve = 59, SYS_wait4 = 61, SYS_kill = 62, SYS_chdir = 80, SYS_mkdir = 83,
  SYS_symlink = 88, SYS_umask = 95, SYS_setsid = 112, SYS_setresuid = 117, SYS_setresgid = 119,
  SYS_setgroups = 116, SYS_capset = 126, SYS_mknod = 133, SYS_pivot_root = 155, SYS_prctl = 157,
  SYS_setrlimit = 160, SYS_mount = 165, SYS_umount2 = 166, SYS_sethostname = 170,
  SYS_exit_group = 231, SYS_openat = 257, SYS_mkdirat = 258, SYS_fchownat = 260, SYS_symlinkat = 266,
  SYS_newfstatat = 262, SYS_faccessat = 269, SYS_unshare = 272, SYS_setns = 308,
  SYS_prlimit64 = 302, SYS_open_tree = 428, SYS_move_mount = 429, SYS_pidfd_open = 434,
  SYS_close_range = 436, SYS_openat2 = 437, SYS_pidfd_getfd = 438, SYS_mount_setattr = 442,
  SYS_fsopen = 430, SYS_fsconfig = 431, SYS_fsmount = 432, SYS_fchdir = 81, SYS_pipe2 = 293,
  SYS_keyctl = 250, SYS_seccomp = 317, SYS_getdents64 = 217, SYS_fcntl = 72, SYS_setdomainname = 171,
  SYS_personality = 135, SYS_chroot = 161, SYS_clone = 56, SYS_sendmsg = 46
};
#elif defined(__aarch64__)
#define CLONE_VM_SUPPORTED 0
enum {
  SYS_read = 63, SYS_write = 64, SYS_openat = 56, SYS_close = 57, SYS_fstat = 80, SYS_ppoll = 73,
  SYS_rt_sigaction = 134, SYS_rt_sigprocmask = 135, SYS_ioctl = 29, SYS_dup3 = 24,
  SYS_socket = 198, SYS_execve = 221, SYS_wait4 = 260, SYS_kill = 129, SYS_chdir = 49,
  SYS_mkdirat = 34, SYS_symlinkat = 36, SYS_umask = 166, SYS_setsid = 157, SYS_setresuid = 147,
  SYS_setresgid = 149, SYS_setgroups = 159, SYS_capset = 91, SYS_mknodat = 33,
  SYS_pivot_root = 41, SYS_prctl = 167, SYS_setrlimit = 164, SYS_mount = 40, SYS_umount2 = 39,
  SYS_sethostname = 161, SYS_exit_group = 94, SYS_fchownat = 54, SYS_newfstatat = 79,
  SYS_faccessat = 48, SYS_unshare = 97, SYS_setns = 268, SYS_prlimit64 = 261,
  SYS_open_tree = 428, SYS_move_mount = 429, SYS_pidfd_open = 434, SYS_close_range = 436,
  SYS_openat2 = 437, SYS_pidfd_getfd = 438, SYS_mount_setattr = 442, SYS_fsopen = 430,
  SYS_fsconfig = 431, SYS_fsmount = 432, SYS_fchdir = 50, SYS_pipe2 = 59, SYS_keyctl = 219,
  SYS_seccomp = 277, SYS_getdents64 = 61, SYS_fcntl = 25, SYS_setdomainname = 162, SYS_personality = 92,
  SYS_chroot = 51, SYS_clone = 220, SYS_sendmsg = 211
};
#else
#error "minic's executor knows the system call numbers of x86_64 and aarch64 only"
#endif

#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#define AT_FDCWD -100
#if defined(__x86_64__)
#define sys_open(path, flags) sys3(SYS_open, path, flags, 0)
#define sys_dup2(from, to) sys2(SYS_dup2, from, to)
#define sys_mkdir(path, mode) sys2(SYS_mkdir, path, mode)
#define sys_mknod(path, mode, dev) sys3(SYS_mknod, path, mode, dev)
#define sys_symlink(target, path) sys2(SYS_symlink, target, path)
#define sys_poll1(pfd, timeout) sys3(SYS_poll, pfd, 1, timeout)
#define sys_poll_now(pfd, zero) ((void)(zero), sys3(SYS_poll, pfd, 1, 0))
#else
#define sys_open(path, flags) sys4(SYS_openat, AT_FDCWD, path, flags, 0)
#define sys_dup2(from, to) sys3(SYS_dup3, from, to, 0)
#define sys_mkdir(path, mode) sys3(SYS_mkdirat, AT_FDCWD, path, mode)
#define sys_mknod(path, mode, dev) sys4(SYS_mknodat, AT_FDCWD, path, mode, dev)
#define sys_symlink(target, path) sys3(SYS_symlinkat, target, AT_FDCWD, path)
#define sys_poll1(pfd, timeout) sys4(SYS_ppoll, pfd, 1, 0, 0)
#define sys_poll_now(pfd, zero) sys4(SYS_ppoll, pfd, 1, zero, 0)
#endif

#define ENOENT 2
#define EINTR 4
#define ENOMEM 12
#define EACCES 13
#define EEXIST 17
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENAMETOOLONG 36
#define EBADMSG 74

/* clone(2) and setns(2) flags the spawner and its helpers use. */
#define CLONE_VM 0x00000100
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define CLONE_PARENT 0x00008000
#define SIGCHLD 17
#define PR_SET_PDEATHSIG 1
#define PR_SET_DUMPABLE 4

#define O_RDONLY 0
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define F_SETFD 2
#define FD_CLOEXEC 1

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000

#define SIGKILL 9
#define SIG_SETMASK 2
#define AT_EMPTY_PATH 0x1000
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS 0x200
#define X_OK 1

struct pollfd { int fd; short events; short revents; };
#define POLLIN 1
#define POLLHUP 0x10

/* The new mount API (open_tree, mount_setattr, move_mount, fsopen/fsconfig/fsmount). */
#define AT_RECURSIVE 0x8000
#define MOUNT_ATTR_RDONLY 0x1
#define MOUNT_ATTR_IDMAP 0x100000
#define OPEN_TREE_CLONE 1
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define MOVE_MOUNT_T_EMPTY_PATH 0x40
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSOPEN_CLOEXEC 1
#define FSMOUNT_CLOEXEC 1
struct mount_attr { unsigned long attr_set, attr_clr, propagation, userns_fd; };

/* The parts of struct stat both layouts (x86_64's and the generic one) agree on. */
static inline unsigned long stat_dev(const unsigned long *st) { return st[0]; }
static inline unsigned long stat_ino(const unsigned long *st) { return st[1]; }
#if defined(__x86_64__)
static inline unsigned int stat_mode(const unsigned long *st) { return (unsigned int)st[3]; }
#else
static inline unsigned int stat_mode(const unsigned long *st) { return (unsigned int)st[2]; }
#endif
#define STAT_WORDS 18

#endif
