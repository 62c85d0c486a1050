/*
 * minic's native executor. It runs a plan (a table of operations built in TypeScript)
 * inside the child made by clone(2), because no JavaScript can run there (ARCHITECTURE.md).
 *
 * `make` builds it into ffi/executor.so (cc -O2 -shared), which is embedded in the minic binary
 * and loaded with bun:ffi's dlopen. Header-free: the few libc prototypes and constants it needs
 * are declared by hand, so it builds with nothing but a C compiler, and so does bun:ffi's TinyCC
 * (`cc`), which compiled it at run time before that cost 3 ms a run.
 * The op layout below must match ffi/executor.ts.
 */

typedef unsigned long size_t;
typedef long ssize_t;

/*
 * The parent side (minic_spawn, the watch and relay threads) uses glibc. The child uses only sys6,
 * never a glibc wrapper: on x86_64 it shares the parent's memory (CLONE_VM, as posix_spawn
 * does), so it must not touch the parent thread's TLS (errno), heap (malloc) or locks.
 * Every call returns -errno on failure, so the child needs no errno at all.
 */
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
long syscall(long number, ...);
void *malloc(size_t n);
void free(void *p);
int pthread_sigmask(int how, const void *set, void *old);
int pthread_create(unsigned long *thread, const void *attr, void *(*fn)(void *), void *arg);
int pthread_detach(unsigned long thread);
int pthread_join(unsigned long thread, void **result);
struct pollfd { int fd; short events; short revents; };
int poll(struct pollfd *fds, unsigned long nfds, int timeout);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int *__errno_location(void);
size_t strlen(const char *s);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#if defined(__x86_64__)
/* Shares memory with the parent: no page-table copy, no copy-on-write faults in Bun's heap. */
long sys6(long n, long a, long b, long c, long d, long e, long f);
__asm__(
  ".text\n"
  ".globl sys6\n"
  "sys6:\n"
  "  movq %rdi, %rax\n"
  "  movq %rsi, %rdi\n"
  "  movq %rdx, %rsi\n"
  "  movq %rcx, %rdx\n"
  "  movq %r8, %r10\n"
  "  movq %r9, %r8\n"
  "  movq 8(%rsp), %r9\n"
  "  syscall\n"
  "  ret\n");
enum {
  SYS_read = 0, SYS_write = 1, SYS_open = 2, SYS_close = 3, SYS_ioctl = 16, SYS_dup2 = 33,
  SYS_socket = 41, SYS_execve = 59, SYS_exit_group = 231, SYS_kill = 62,
  SYS_wait4 = 61, SYS_chdir = 80, SYS_mkdir = 83, SYS_symlink = 88, SYS_mknod = 133,
  SYS_umask = 95, SYS_rt_sigaction = 13, SYS_rt_sigprocmask = 14, SYS_capset = 126,
  SYS_prctl = 157, SYS_pivot_root = 155, SYS_mount = 165, SYS_umount2 = 166,
  SYS_sethostname = 170, SYS_close_range = 436, SYS_openat = 257, SYS_mkdirat = 258,
  SYS_fstat = 5, SYS_openat2 = 437, SYS_mount_setattr = 442, SYS_setsid = 112,
  SYS_pidfd_open = 434, SYS_pidfd_getfd = 438, SYS_unshare = 272, SYS_open_tree = 428,
  SYS_move_mount = 429
};
#define CLONE_VM_IF_SAFE 0x00000100
#else
/* Elsewhere the child is a fork-like copy, so glibc's syscall() and its errno are safe. */
#define CLONE_VM_IF_SAFE 0
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  long rc = syscall(n, a, b, c, d, e, f);
  return rc == -1 ? -(long)*__errno_location() : rc;
}
#if defined(__aarch64__)
/* asm-generic numbers: no open, dup2, mkdir, mknod or symlink; their *at forms stand in. */
#define AT_FDCWD -100
enum {
  SYS_read = 63, SYS_write = 64, SYS_openat = 56, SYS_close = 57, SYS_ioctl = 29, SYS_dup3 = 24,
  SYS_socket = 198, SYS_execve = 221, SYS_exit_group = 94, SYS_kill = 129, SYS_wait4 = 260,
  SYS_chdir = 49, SYS_mkdirat = 34, SYS_symlinkat = 36, SYS_mknodat = 33, SYS_umask = 166,
  SYS_rt_sigaction = 134, SYS_rt_sigprocmask = 135, SYS_capset = 91, SYS_prctl = 167,
  SYS_pivot_root = 41, SYS_mount = 40, SYS_umount2 = 39, SYS_sethostname = 161,
  SYS_close_range = 436, SYS_fstat = 80, SYS_openat2 = 437, SYS_mount_setattr = 442,
  SYS_setsid = 157, SYS_pidfd_open = 434, SYS_pidfd_getfd = 438, SYS_unshare = 97,
  SYS_open_tree = 428, SYS_move_mount = 429
};
#else
#error "minic's executor knows the system call numbers of x86_64 and aarch64 only"
#endif
#endif

#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#if defined(__x86_64__)
#define sys_open(path, flags) sys3(SYS_open, path, flags, 0)
#define sys_dup2(from, to) sys2(SYS_dup2, from, to)
#define sys_mkdir(path, mode) sys2(SYS_mkdir, path, mode)
#define sys_mknod(path, mode, dev) sys3(SYS_mknod, path, mode, dev)
#define sys_symlink(target, path) sys2(SYS_symlink, target, path)
#else
#define sys_open(path, flags) sys4(SYS_openat, AT_FDCWD, path, flags, 0)
#define sys_dup2(from, to) sys3(SYS_dup3, from, to, 0)
#define sys_mkdir(path, mode) sys3(SYS_mkdirat, AT_FDCWD, path, mode)
#define sys_mknod(path, mode, dev) sys4(SYS_mknodat, AT_FDCWD, path, mode, dev)
#define sys_symlink(target, path) sys3(SYS_symlinkat, target, AT_FDCWD, path)
#endif

#define EEXIST 17
#define ENOENT 2
#define ENOTDIR 20
#define EACCES 13
#define EINTR 4
#define EINVAL 22
#define ENOMEM 12
#define MS_RDONLY 1
#define MS_BIND 4096
#define SIGKILL 9

#define CLOSE_RANGE_CLOEXEC 4
#define PR_SET_PDEATHSIG 1
#define PR_CAPBSET_DROP 24
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#define SIG_SETMASK 2
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define IFF_UP 1
#define AF_INET 2
#define SOCK_DGRAM 2
#define SOCK_CLOEXEC 02000000
#define WALL 0x40000000
#define ELOOP 40
#define O_WRONLY 01
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOFOLLOW 0400000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#define AT_EMPTY_PATH 0x1000
#define AT_RECURSIVE 0x8000
#define MOUNT_ATTR_RDONLY 1
#define MOUNT_ATTR_NOSUID 2
#define MOUNT_ATTR_NODEV 4
#define MOUNT_ATTR_NOEXEC 8
#define OPEN_TREE_CLONE 1
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define O_RDWR 02
#define O_NOCTTY 0400
#define TIOCSPTLCK 0x40045431
#define TIOCGPTN 0x80045430
#define TIOCSCTTY 0x540E
/* Not an errno: the destination resolved to the container's root directory itself. */
#define MINIC_EROOT 10001

/* Operation kinds: keep in step with OP_CODES in ffi/executor.ts. */
enum {
  OP_MOUNT = 1,
  OP_MKDIR = 2,
  OP_MKNOD = 3,
  OP_SYMLINK = 4,
  OP_CHDIR = 5,
  OP_PIVOT_ROOT = 6,
  OP_UMOUNT2 = 7,
  OP_SETHOSTNAME = 8,
  OP_WAIT_PARENT = 9,
  OP_SET_PDEATHSIG = 10,
  OP_UMASK = 11,
  OP_REDIRECT = 12,
  OP_LINK_UP = 13,
  OP_CAPABILITIES = 14,
  OP_RESET_SIGNALS = 15,
  OP_CLOSE_FDS = 16,
  OP_EXECVE = 17,
  OP_MASK = 18,
  OP_OPEN_ROOT = 19,
  OP_MKPATH_IN_ROOT = 20,
  OP_MOUNT_IN_ROOT = 21,
  OP_READONLY_IN_ROOT = 22,
  OP_TERMINAL = 23,
  OP_OPEN_CGROUP = 24,
  OP_JOIN_CGROUP = 25,
  OP_CLONE_TREE = 26,
  OP_ATTACH_TREE = 27,
  OP_UNSHARE = 28
};

/* Numbered fds an earlier op opened for a later one (a cgroup.procs file, a detached mount). */
#define SLOTS 16

/* Bit in op.opt: an ENOENT from this op is not an error (masking paths a kernel may lack). */
#define OPT_IGNORE_ENOENT 1

struct op {
  long kind;
  long opt;
  long n1, n2;
  const char *s1, *s2, *s3, *s4;
};

struct job {
  struct op *ops;
  long nops;
  int report_fd;   /* write end, close-on-exec: EOF at execve means success */
  int sync_fd;     /* read end: the parent writes one byte when it is ready */
  int parent_report_fd; /* the parent's ends, closed in the child first */
  int parent_sync_fd;
  int exit_fd;     /* write end: the watch thread writes the child's wait status here */
  int unused;
};

/* {op index, errno} when an op failed; {-1, fd} when the terminal's master is ready at fd. */
struct report { int index; int err; };
#define REPORT_TERMINAL -1

static void fail(struct job *job, long index, int err) {
  struct report r;
  r.index = (int)index;
  r.err = err;
  sys3(SYS_write, job->report_fd, &r, sizeof r);
  sys1(SYS_exit_group, 125);
}

/* mkdir -p: every missing component is made; an existing directory is fine. */
static long mkdir_all(const char *path, unsigned int mode) {
  char buf[4096];
  size_t n = strlen(path);
  size_t i;
  long rc;
  if (n == 0 || n >= sizeof buf) return -EINVAL;
  memcpy(buf, path, n + 1);
  for (i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == 0) {
      char saved = buf[i];
      buf[i] = 0;
      rc = sys_mkdir(buf, mode);
      if (rc != 0 && rc != -EEXIST) return rc;
      buf[i] = saved;
    }
  }
  return 0;
}

/* Bring a network interface up (ifreq: 16-byte name, then a short of flags at offset 16). */
static long link_up(const char *name) {
  char ifr[40];
  size_t n = strlen(name);
  long fd, rc;
  if (n >= 16) return -EINVAL;
  memset(ifr, 0, sizeof ifr);
  memcpy(ifr, name, n);
  fd = sys3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fd;
  rc = sys3(SYS_ioctl, fd, SIOCGIFFLAGS, ifr);
  if (rc == 0) {
    *(short *)(ifr + 16) |= IFF_UP;
    rc = sys3(SYS_ioctl, fd, SIOCSIFFLAGS, ifr);
  }
  sys1(SYS_close, fd);
  return rc;
}

/* Keep exactly the capabilities in `keep` (a bit per capability number). */
static long set_capabilities(unsigned long keep) {
  unsigned int header[2];
  unsigned int data[6];
  int cap;
  long rc;
  for (cap = 0; cap < 64; cap++) {
    if (keep & (1UL << cap)) continue;
    rc = sys2(SYS_prctl, PR_CAPBSET_DROP, cap);
    if (rc != 0 && rc != -EINVAL) return rc; /* EINVAL: this kernel has no such capability */
  }
  rc = sys2(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
  if (rc != 0) return rc;
  header[0] = 0x20080522; /* _LINUX_CAPABILITY_VERSION_3 */
  header[1] = 0;
  /* {effective, permitted, inheritable} for capabilities 0-31, then for 32-63.
   * Inheritable stays empty, as Docker has done since CVE-2022-24769. */
  data[0] = (unsigned int)keep;  data[1] = (unsigned int)keep;  data[2] = 0;
  data[3] = (unsigned int)(keep >> 32);  data[4] = (unsigned int)(keep >> 32);  data[5] = 0;
  return sys2(SYS_capset, header, data);
}

/* Every disposition back to SIG_DFL (Bun ignores SIGPIPE and SIGXFSZ, and that would survive
 * execve), then unblock everything. The kernel's sigaction: handler, flags, restorer, mask. */
static long reset_signals(void) {
  unsigned long action[4];
  unsigned long none = 0;
  int sig;
  memset(action, 0, sizeof action);
  for (sig = 1; sig < 65; sig++) {
    if (sig == 9 || sig == 19) continue;
    sys4(SYS_rt_sigaction, sig, action, 0, 8);
  }
  return sys4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);
}

/* execvpe without glibc: PATH lookup as a shell does it. Returns the -errno that best explains
 * the failure (-ENOENT: not found, -EACCES: not executable). */
static long exec_command(const char *file, const char *path, char *const argv[], char *const envp[]) {
  char buf[4096];
  const char *p = path;
  size_t flen = strlen(file);
  int seen_eacces = 0;
  long rc;
  int i;
  for (i = 0; file[i]; i++) {
    if (file[i] == '/') return sys3(SYS_execve, file, argv, envp);
  }
  if (flen == 0) return -ENOENT;
  while (1) {
    const char *end = p;
    size_t dlen;
    while (*end && *end != ':') end++;
    dlen = (size_t)(end - p);
    if (dlen + 1 + flen + 1 <= sizeof buf) {
      if (dlen == 0) { buf[0] = '.'; dlen = 1; } else memcpy(buf, p, dlen);
      buf[dlen] = '/';
      memcpy(buf + dlen + 1, file, flen + 1);
      rc = sys3(SYS_execve, buf, argv, envp);
      if (rc == -EACCES) seen_eacces = 1;
      else if (rc != -ENOENT && rc != -ENOTDIR) return rc;
    }
    if (*end == 0) break;
    p = end + 1;
  }
  return seen_eacces ? -EACCES : -ENOENT;
}

/*
 * Mount destinations chosen by the user are resolved inside the container's root, never on the
 * host: openat2 with RESOLVE_IN_ROOT treats "/" and ".." as the root's, so a rootfs whose /data
 * is a symlink to /etc or ../../.. gets the volume at its own /etc or root (CVE-2021-30465).
 */
struct open_how { unsigned long flags, mode, resolve; };

static long open_in_root(int root_fd, const char *path, long flags) {
  struct open_how how;
  how.flags = (unsigned long)(flags | O_CLOEXEC);
  how.mode = 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return sys4(SYS_openat2, root_fd, path, &how, sizeof how);
}

/* Create the missing components of `path` inside the root, each one relative to its parent's
 * resolved fd; the last one is an empty file when `last_is_file`. */
static long mkpath_in_root(int root_fd, const char *path, unsigned int mode, int last_is_file) {
  char buf[4096];
  size_t n = strlen(path);
  size_t i, start;
  long parent, fd, rc;
  if (n == 0 || n >= sizeof buf) return -EINVAL;
  memcpy(buf, path, n + 1);
  parent = open_in_root(root_fd, "/", O_PATH | O_DIRECTORY);
  if (parent < 0) return parent;
  i = 0;
  while (1) {
    int last;
    while (buf[i] == '/') i++;
    if (buf[i] == 0) break;
    start = i;
    while (buf[i] && buf[i] != '/') i++;
    last = buf[i] == 0 || (buf[i] == '/' && buf[i + 1] == 0);
    buf[i] = 0;
    fd = open_in_root(root_fd, buf, O_PATH);
    if (fd == -ENOENT) {
      if (last && last_is_file) {
        rc = sys4(SYS_openat, parent, buf + start, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0) sys1(SYS_close, rc);
      } else {
        rc = sys3(SYS_mkdirat, parent, buf + start, mode);
      }
      if (rc < 0 && rc != -EEXIST) { sys1(SYS_close, parent); return rc; }
      fd = open_in_root(root_fd, buf, O_PATH);
    }
    sys1(SYS_close, parent);
    if (fd < 0) return fd;
    parent = fd;
    if (last) break;
    buf[i] = '/';
    i++;
  }
  sys1(SYS_close, parent);
  return 0;
}

/* st_dev and st_ino open both x86_64's and the generic struct stat. */
static long same_inode(long a, long b) {
  unsigned long sa[18], sb[18];
  long rc = sys2(SYS_fstat, a, sa);
  if (rc < 0) return rc;
  rc = sys2(SYS_fstat, b, sb);
  if (rc < 0) return rc;
  return sa[0] == sb[0] && sa[1] == sb[1];
}

/* `prefix` followed by `number` in decimal: "/proc/self/fd/7", "/dev/pts/0" (no snprintf here). */
static void numbered_path(char *out, const char *prefix, unsigned long number) {
  char digits[24];
  int n = 0;
  do { digits[n++] = (char)('0' + number % 10); number /= 10; } while (number > 0);
  while (*prefix) *out++ = *prefix++;
  while (n > 0) *out++ = digits[--n];
  *out = 0;
}

static long mount_in_root(int root_fd, struct op *op) {
  char target[40];
  long fd = open_in_root(root_fd, op->s2, O_PATH);
  long rc;
  if (fd < 0) return fd;
  rc = same_inode(fd, root_fd);
  if (rc == 1) rc = -MINIC_EROOT;
  if (rc == 0) {
    /* The host's /proc is still mounted, so this names exactly the resolved inode. */
    numbered_path(target, "/proc/self/fd/", (unsigned long)fd);
    rc = sys5(SYS_mount, op->s1, target, op->s3, op->n1, op->s4);
  }
  sys1(SYS_close, fd);
  return rc;
}

struct mount_attr { unsigned long attr_set, attr_clr, propagation, userns_fd; };

/* Read-only for the mount at `path` and every mount below it, in one call. */
static long readonly_in_root(int root_fd, const char *path) {
  struct mount_attr attr;
  long fd = open_in_root(root_fd, path, O_PATH);
  long rc;
  if (fd < 0) return fd;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_RDONLY;
  rc = sys5(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
  sys1(SYS_close, fd);
  return rc;
}

static long wait_for_parent(struct job *job) {
  char byte;
  long rc;
  do rc = sys3(SYS_read, job->sync_fd, &byte, 1); while (rc == -EINTR);
  if (rc != 1) return rc < 0 ? rc : -EINTR; /* end of file: the parent went away */
  return 0;
}

/*
 * The container's terminal, from its own devpts instance (a pty of the host's would read "not a
 * tty" inside). The master goes to the parent, which takes it with pidfd_getfd while we wait;
 * the slave becomes the controlling terminal of a new session and fds 0, 1 and 2.
 */
static long setup_terminal(struct job *job) {
  char path[40];
  unsigned int number = 0, unlock = 0;
  struct report r;
  long master, slave, rc;
  int i;
  master = sys_open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return master;
  rc = sys3(SYS_ioctl, master, TIOCSPTLCK, &unlock);
  if (rc == 0) rc = sys3(SYS_ioctl, master, TIOCGPTN, &number);
  if (rc < 0) { sys1(SYS_close, master); return rc; }
  numbered_path(path, "/dev/pts/", number);
  slave = sys_open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) { sys1(SYS_close, master); return slave; }
  r.index = REPORT_TERMINAL;
  r.err = (int)master;
  rc = sys3(SYS_write, job->report_fd, &r, sizeof r);
  if (rc == sizeof r) rc = wait_for_parent(job);
  sys1(SYS_close, master);
  if (rc < 0) return rc;
  rc = sys0(SYS_setsid);
  if (rc < 0) return rc;
  rc = sys3(SYS_ioctl, slave, TIOCSCTTY, 0);
  for (i = 0; rc >= 0 && i < 3; i++) rc = sys_dup2(slave, i);
  sys1(SYS_close, slave);
  return rc < 0 ? rc : 0;
}

/* What ops leave for later ops: the container's root, and numbered fds. */
struct child_state {
  int root_fd;
  int slots[SLOTS];
};

static long take_slot(struct child_state *state, long slot) {
  long fd;
  if (slot < 0 || slot >= SLOTS || state->slots[slot] < 0) return -EINVAL;
  fd = state->slots[slot];
  state->slots[slot] = -1;
  return fd;
}

static long put_slot(struct child_state *state, long slot, long fd) {
  if (fd < 0) return fd;
  if (slot < 0 || slot >= SLOTS || state->slots[slot] >= 0) { sys1(SYS_close, fd); return -EINVAL; }
  state->slots[slot] = (int)fd;
  return 0;
}

/*
 * A detached copy of the mount at `path` (open_tree OPEN_TREE_CLONE): it survives pivot_root and
 * the detaching of the host's tree, so a host directory can be attached inside the container
 * after /sys exists there.
 */
static long clone_tree(const char *path, int readonly) {
  struct mount_attr attr;
  long fd = sys3(SYS_open_tree, -100 /* AT_FDCWD */, path, OPEN_TREE_CLONE | O_CLOEXEC);
  long rc;
  if (fd < 0 || !readonly) return fd;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  rc = sys5(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr);
  if (rc < 0) { sys1(SYS_close, fd); return rc; }
  return fd;
}

/* One operation: 0, or -errno. */
static long run_op(struct job *job, struct op *op, struct child_state *state) {
  long rc;
  switch (op->kind) {
  case OP_MOUNT:
    return sys5(SYS_mount, op->s1, op->s2, op->s3, op->n1, op->s4);
  case OP_MKDIR:
    return mkdir_all(op->s1, (unsigned int)op->n1);
  case OP_MKNOD:
    rc = sys_mknod(op->s1, op->n1, op->n2);
    return rc == -EEXIST ? 0 : rc;
  case OP_SYMLINK:
    rc = sys_symlink(op->s1, op->s2);
    return rc == -EEXIST ? 0 : rc;
  case OP_CHDIR:
    return sys1(SYS_chdir, op->s1);
  case OP_PIVOT_ROOT:
    return sys2(SYS_pivot_root, op->s1, op->s2);
  case OP_UMOUNT2:
    return sys2(SYS_umount2, op->s1, op->n1);
  case OP_SETHOSTNAME:
    return sys2(SYS_sethostname, op->s1, strlen(op->s1));
  case OP_WAIT_PARENT:
    /* The pipe stays open (close-on-exec): a terminal waits on it once more. */
    return wait_for_parent(job);
  case OP_TERMINAL:
    return setup_terminal(job);
  case OP_SET_PDEATHSIG:
    /* If the parent died before this call, wait-parent sees end of file and fails. */
    return sys2(SYS_prctl, PR_SET_PDEATHSIG, op->n1);
  case OP_UMASK:
    sys1(SYS_umask, op->n1);
    return 0;
  case OP_REDIRECT: {
    long fd = sys_open(op->s1, op->n1);
    if (fd < 0) return fd;
    if (fd != op->n2) {
      rc = sys_dup2(fd, op->n2);
      if (rc < 0) return rc;
      sys1(SYS_close, fd);
    }
    return 0;
  }
  case OP_LINK_UP:
    return link_up(op->s1);
  case OP_CAPABILITIES:
    return set_capabilities((unsigned long)op->n1);
  case OP_RESET_SIGNALS:
    return reset_signals();
  case OP_CLOSE_FDS:
    return sys3(SYS_close_range, op->n1, ~0U, CLOSE_RANGE_CLOEXEC);
  case OP_MASK:
    /* /dev/null over a file; a directory gets an empty read-only tmpfs instead */
    rc = sys5(SYS_mount, "/dev/null", op->s1, 0, MS_BIND, 0);
    if (rc != -ENOTDIR) return rc;
    return sys5(SYS_mount, "tmpfs", op->s1, "tmpfs", MS_RDONLY, 0);
  case OP_OPEN_ROOT:
    rc = sys4(SYS_openat, -100 /* AT_FDCWD */, op->s1, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (rc < 0) return rc;
    state->root_fd = (int)rc;
    return 0;
  case OP_MKPATH_IN_ROOT:
    return mkpath_in_root(state->root_fd, op->s1, (unsigned int)op->n1, op->n2 != 0);
  case OP_MOUNT_IN_ROOT:
    return mount_in_root(state->root_fd, op);
  case OP_READONLY_IN_ROOT:
    return readonly_in_root(state->root_fd, op->s1);
  case OP_OPEN_CGROUP:
    /* Opened while the host's cgroup file system is still reachable, written just before exec. */
    return put_slot(state, op->n1, sys_open(op->s1, O_WRONLY | O_CLOEXEC));
  case OP_JOIN_CGROUP:
    rc = take_slot(state, op->n1);
    if (rc < 0) return rc;
    {
      long fd = rc;
      rc = sys3(SYS_write, fd, "0", 1);
      sys1(SYS_close, fd);
    }
    return rc < 0 ? rc : 0;
  case OP_CLONE_TREE:
    return put_slot(state, op->n1, clone_tree(op->s1, op->n2 != 0));
  case OP_ATTACH_TREE:
    rc = take_slot(state, op->n1);
    if (rc < 0) return rc;
    {
      long fd = rc;
      rc = sys5(SYS_move_mount, fd, "", -100 /* AT_FDCWD */, op->s1, MOVE_MOUNT_F_EMPTY_PATH);
      sys1(SYS_close, fd);
    }
    return rc;
  case OP_UNSHARE:
    return sys1(SYS_unshare, op->n1);
  case OP_EXECVE:
    return exec_command(op->s1, op->s2, (char *const *)op->s3, (char *const *)op->s4);
  }
  return -EINVAL;
}

static int child_main(void *arg) {
  struct job *job = (struct job *)arg;
  long i, rc;
  struct child_state state;
  state.root_fd = -1;
  for (i = 0; i < SLOTS; i++) state.slots[i] = -1;
  sys1(SYS_close, job->parent_report_fd);
  sys1(SYS_close, job->parent_sync_fd);
  for (i = 0; i < job->nops; i++) {
    struct op *op = &job->ops[i];
    rc = run_op(job, op, &state);
    if (rc == 0) continue;
    if ((op->opt & OPT_IGNORE_ENOENT) && rc == -ENOENT) continue;
    fail(job, i, (int)-rc);
  }
  fail(job, job->nops, EINVAL); /* a plan must end in execve */
  return 0;
}

#define STACK_SIZE (256 * 1024)

struct watch { long pid; int fd; char *stack; };

/* Reap the child, then free its stack (it ran on it until execve or exit), then report. */
static void *watch_thread(void *arg) {
  struct watch w = *(struct watch *)arg;
  int status = 0;
  long rc;
  free(arg);
  do rc = sys4(SYS_wait4, w.pid, &status, WALL, 0); while (rc == -EINTR);
  if (rc < 0) status = (int)rc;
  free(w.stack);
  sys3(SYS_write, w.fd, &status, sizeof status);
  sys1(SYS_close, w.fd);
  return 0;
}

/*
 * Called from JavaScript on Bun's main thread: clone a child that runs job's plan, and a thread
 * that reaps it and writes its wait status to job->exit_fd. Returns the pid, or -errno.
 * The job and everything it points to must stay alive until that status has been written.
 */
long minic_spawn(struct job *job, long clone_flags) {
  unsigned char all[128], old[128];
  char *stack = malloc(STACK_SIZE);
  struct watch *w = malloc(sizeof(struct watch));
  unsigned long thread;
  long pid;
  int rc;
  if (!stack || !w) { free(stack); free(w); return -ENOMEM; }
  /* No signal may run a Bun handler in the child between clone and execve. */
  memset(all, 0xff, sizeof all);
  pthread_sigmask(SIG_SETMASK, all, old);
  pid = clone(child_main, stack + STACK_SIZE, (int)clone_flags | CLONE_VM_IF_SAFE, job);
  if (pid < 0) {
    pid = -(long)*__errno_location();
    pthread_sigmask(SIG_SETMASK, old, 0);
    free(stack);
    free(w);
    return pid;
  }
  w->pid = pid;
  w->fd = job->exit_fd;
  w->stack = stack;
  /* Still inside the blocked region: the thread starts with every signal blocked, so none of
   * Bun's handlers ever runs on it. */
  rc = pthread_create(&thread, 0, watch_thread, w);
  pthread_sigmask(SIG_SETMASK, old, 0);
  if (rc != 0) {
    /* Nobody could ever report this child: stop it now, while its stack is still ours. */
    sys2(SYS_kill, pid, SIGKILL);
    while (sys4(SYS_wait4, pid, 0, WALL, 0) == -EINTR) {}
    free(stack);
    free(w);
    return -rc;
  }
  pthread_detach(thread);
  return pid;
}

/* Called from JavaScript: a copy of the child's fd `fd`, as a new close-on-exec fd of ours. */
long minic_take_fd(long pid, long fd) {
  long pidfd = sys2(SYS_pidfd_open, pid, 0);
  long copy;
  if (pidfd < 0) return pidfd;
  copy = sys3(SYS_pidfd_getfd, pidfd, fd, 0);
  sys1(SYS_close, pidfd);
  return copy;
}

/*
 * The terminal relay: a thread that copies the container's output (the pty master) to `out` and,
 * with -i, minic's stdin to the master, until the container side is closed (read gives EIO).
 * Native, so that no byte waits for JavaScript's event loop.
 */
struct relay { int master; int in; int out; };

static void write_all(int fd, const char *buf, long n) {
  long done = 0, rc;
  while (done < n) {
    rc = write(fd, buf + done, (size_t)(n - done));
    if (rc < 0) {
      if (*__errno_location() == EINTR) continue;
      return; /* the reader is gone: drop this output, keep draining the container */
    }
    done += rc;
  }
}

static void *relay_thread(void *arg) {
  struct relay r = *(struct relay *)arg;
  char buf[65536];
  struct pollfd fds[2];
  long n;
  free(arg);
  for (;;) {
    fds[0].fd = r.master; fds[0].events = 1 /* POLLIN */; fds[0].revents = 0;
    fds[1].fd = r.in; fds[1].events = 1; fds[1].revents = 0;
    if (poll(fds, r.in >= 0 ? 2 : 1, -1) < 0) {
      if (*__errno_location() == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      n = read(r.master, buf, sizeof buf);
      if (n < 0 && *__errno_location() == EINTR) continue;
      if (n <= 0) break; /* EIO: every slave fd is closed, all output has been read */
      write_all(r.out, buf, n);
    }
    if (r.in >= 0 && fds[1].revents) {
      n = read(r.in, buf, sizeof buf);
      if (n < 0 && *__errno_location() == EINTR) continue;
      if (n <= 0) r.in = -1; /* end of minic's input: stop reading it */
      else write_all(r.master, buf, n);
    }
  }
  return 0;
}

/* Start the relay; returns a handle for minic_relay_join, or -errno. */
long minic_relay_start(int master, int in, int out) {
  unsigned char all[128], old[128];
  struct relay *r = malloc(sizeof(struct relay));
  unsigned long thread;
  int rc;
  if (!r) return -ENOMEM;
  r->master = master;
  r->in = in;
  r->out = out;
  memset(all, 0xff, sizeof all);
  pthread_sigmask(SIG_SETMASK, all, old);
  rc = pthread_create(&thread, 0, relay_thread, r);
  pthread_sigmask(SIG_SETMASK, old, 0);
  if (rc != 0) { free(r); return -rc; }
  return (long)thread;
}

/* Wait until the relay has copied the container's last byte (call after the container exited). */
void minic_relay_join(long handle) {
  pthread_join((unsigned long)handle, 0);
}

/* The terminal's entry points, linked from JavaScript only by runs that have a terminal. */
void minic_terminal_entry_points(void **out) {
  out[0] = (void *)minic_take_fd;
  out[1] = (void *)minic_relay_start;
  out[2] = (void *)minic_relay_join;
}
