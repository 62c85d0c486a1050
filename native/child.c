/*
 * The child interpreter: runs a plan (a table of ops encoded by src/plan/encode.ts) inside the
 * process made by clone(2), where no JavaScript can run (ARCHITECTURE.md), and ends in execve.
 * Every op is a mechanism with its parameters in the record: what to mount, which capabilities,
 * which modes are decided by the plan. Only raw system calls are used (see syscalls.h).
 */
#include "syscalls.h"
#include "socket.h"
#include "protocol.h"
#include "child.h"

#define MS_RDONLY 1
#define CLOSE_RANGE_CLOEXEC 4
#define PR_SET_KEEPCAPS 8
#define PR_CAPBSET_DROP 24
#define PR_SET_NO_NEW_PRIVS 38
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define IFF_UP 1
#define AF_INET 2
#define SOCK_DGRAM 2
#define SOCK_CLOEXEC 02000000
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#define TIOCSPTLCK 0x40045431
#define TIOCGPTN 0x80045430
#define TIOCSCTTY 0x540E

static void report(struct job *job, int kind, long index, long value) {
  struct report r;
  r.kind = kind;
  r.index = (int)index;
  r.value = (int)value;
  sys3(SYS_write, job->report_fd, &r, sizeof r);
}

/*
 * An op failed: tell the parent which and why, and exit with Docker's code: 127 when the command
 * is not there, 126 when it cannot run, 125 for any other setup step. Signals are blocked first:
 * after a start from another process nobody may be reading, and SIGPIPE must not change the code.
 */
static void fail(struct job *job, long index, long err) {
  unsigned long all = ~0UL;
  long code = 125;
  if (index < job->nops && (job->ops[index].code == OP_EXECVE || job->ops[index].code == OP_CHECK_COMMAND))
    code = err == ENOENT ? 127 : 126;
  sys4(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, 8);
  report(job, REPORT_FAILED, index, err);
  sys1(SYS_exit_group, code);
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

/* Drop every capability not in `keep` from the bounding set. */
static long drop_bounding(unsigned long keep) {
  int cap;
  long rc;
  for (cap = 0; cap < 64; cap++) {
    if (keep & (1UL << cap)) continue;
    rc = sys2(SYS_prctl, PR_CAPBSET_DROP, cap);
    if (rc != 0 && rc != -EINVAL) return rc; /* EINVAL: this kernel has no such capability */
  }
  return 0;
}

/* The effective, permitted and inheritable sets, then the ambient set (which needs the others). */
static long set_capabilities(unsigned long effective, unsigned long permitted, unsigned long inheritable,
                             unsigned long ambient) {
  unsigned int header[2];
  unsigned int data[6];
  int cap;
  long rc;
  header[0] = 0x20080522; /* _LINUX_CAPABILITY_VERSION_3 */
  header[1] = 0;
  data[0] = (unsigned int)effective;  data[1] = (unsigned int)permitted;  data[2] = (unsigned int)inheritable;
  data[3] = (unsigned int)(effective >> 32);  data[4] = (unsigned int)(permitted >> 32);
  data[5] = (unsigned int)(inheritable >> 32);
  rc = sys2(SYS_capset, header, data);
  if (rc != 0) return rc;
  rc = sys2(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
  for (cap = 0; rc == 0 && cap < 64; cap++) {
    if (ambient & (1UL << cap)) rc = sys3(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap);
  }
  return rc;
}

/* setgroups, setresgid, setresuid, keeping the permitted capabilities for the capset after it. */
static long set_user(long uid, long gid, const unsigned int *groups, long group_bytes, long keep_groups) {
  long rc = sys2(SYS_prctl, PR_SET_KEEPCAPS, 1);
  if (rc == 0 && !keep_groups) rc = sys2(SYS_setgroups, group_bytes / 4, groups);
  if (rc == 0) rc = sys3(SYS_setresgid, gid, gid, gid);
  if (rc == 0) rc = sys3(SYS_setresuid, uid, uid, uid);
  if (rc == 0) rc = sys2(SYS_prctl, PR_SET_KEEPCAPS, 0);
  return rc;
}

/* Every disposition back to SIG_DFL: Bun ignores SIGPIPE and SIGXFSZ, and that survives execve.
 * The kernel's sigaction: handler, flags, restorer, mask. The mask itself stays as it is. */
void reset_signal_handlers(void) {
  unsigned long action[4];
  int sig;
  memset(action, 0, sizeof action);
  for (sig = 1; sig < 65; sig++) {
    if (sig == 9 || sig == 19) continue;
    sys4(SYS_rt_sigaction, sig, action, 0, 8);
  }
}

static long unblock_signals(void) {
  unsigned long none = 0;
  return sys4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);
}

/* True when `path` names an executable regular file for us. */
static long executable(const char *path) {
  unsigned long st[STAT_WORDS];
  long rc = sys4(SYS_newfstatat, AT_FDCWD, path, st, 0);
  if (rc < 0) return rc;
  if ((stat_mode(st) & S_IFMT) != S_IFREG) return -EACCES;
  return sys4(SYS_faccessat, AT_FDCWD, path, X_OK, 0);
}

/*
 * execvpe without glibc: PATH lookup as a shell does it. With `check_only`, finds the command
 * without running it. Returns the -errno that best explains a failure (-ENOENT: not found,
 * -EACCES: not executable).
 */
static long exec_command(const char *file, const char *path, char *const argv[], char *const envp[], int check_only) {
  char buf[4096];
  const char *p = path;
  size_t flen = strlen(file);
  int seen_eacces = 0;
  long rc;
  int i;
  for (i = 0; file[i]; i++) {
    if (file[i] == '/') return check_only ? executable(file) : sys3(SYS_execve, file, argv, envp);
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
      rc = check_only ? executable(buf) : sys3(SYS_execve, buf, argv, envp);
      if (check_only && rc == 0) return 0;
      if (rc == -EACCES) seen_eacces = 1;
      else if (rc != -ENOENT && rc != -ENOTDIR) return rc;
    }
    if (*end == 0) break;
    p = end + 1;
  }
  return seen_eacces ? -EACCES : -ENOENT;
}

/*
 * Mount destinations are resolved inside the container's root, never on the host: openat2 with
 * RESOLVE_IN_ROOT treats "/" and ".." as the root's, so a rootfs whose /data is a symlink to /etc
 * or ../../.. gets the mount at its own /etc or root (CVE-2021-30465).
 */
struct open_how { unsigned long flags, mode, resolve; };

long open_in_root(long root_fd, const char *path, long flags) {
  struct open_how how;
  how.flags = (unsigned long)(flags | O_CLOEXEC);
  how.mode = 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return sys4(SYS_openat2, root_fd, path, &how, sizeof how);
}

/* Whether the mount point for `source` is a file: it is when the source is not a directory. */
static long source_is_file(const char *source) {
  unsigned long st[STAT_WORDS];
  long rc;
  if (source == 0) return 0;
  rc = sys4(SYS_newfstatat, AT_FDCWD, source, st, 0);
  if (rc < 0) return rc;
  return (stat_mode(st) & S_IFMT) != S_IFDIR;
}

/* Create the missing components of `path` inside the root, each relative to its parent's resolved
 * fd; the last is an empty file of `file_mode` when `last_is_file`, else a directory. */
static long mkpath_in_root(long root_fd, const char *path, unsigned int dir_mode, unsigned int file_mode,
                           int last_is_file) {
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
        rc = sys4(SYS_openat, parent, buf + start, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, file_mode);
        if (rc >= 0) sys1(SYS_close, rc);
      } else {
        rc = sys3(SYS_mkdirat, parent, buf + start, dir_mode);
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

static long same_inode(long a, long b) {
  unsigned long sa[STAT_WORDS], sb[STAT_WORDS];
  long rc = sys2(SYS_fstat, a, sa);
  if (rc < 0) return rc;
  rc = sys2(SYS_fstat, b, sb);
  if (rc < 0) return rc;
  return stat_dev(sa) == stat_dev(sb) && stat_ino(sa) == stat_ino(sb);
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

static long mount_in_root(long root_fd, struct op *op) {
  char target[40];
  long fd = open_in_root(root_fd, op->s2, O_PATH);
  long rc;
  if (fd < 0) return fd;
  rc = same_inode(fd, root_fd);
  if (rc == 1) rc = -MINIC_EROOT;
  if (rc == 0) {
    /* /proc is mounted, so this names exactly the resolved inode. */
    numbered_path(target, "/proc/self/fd/", (unsigned long)fd);
    rc = sys5(SYS_mount, op->s1, target, op->s3, op->n1, op->s4);
  }
  sys1(SYS_close, fd);
  return rc;
}


/* Read-only for the mount at `path` and every mount below it, in one call. */
static long readonly_in_root(long root_fd, const char *path) {
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

static long read_byte(long fd) {
  char byte;
  long rc;
  do rc = sys3(SYS_read, fd, &byte, 1); while (rc == -EINTR);
  if (rc != 1) return rc < 0 ? rc : -EINTR; /* end of file: the other side went away */
  return 0;
}

/* Everything is set up: say so, then wait until a byte arrives on the start fd (a pipe from an
 * in-process start, or the exec fifo that `minic start` writes to from another process). */
static long wait_start(struct job *job) {
  struct pollfd pfd;
  long rc;
  if (job->start_fd < 0) return 0;
  report(job, REPORT_READY, 0, 0);
  pfd.fd = (int)job->start_fd;
  pfd.events = POLLIN;
  do {
    pfd.revents = 0;
    rc = sys_poll1(&pfd, -1);
  } while (rc == -EINTR || (rc >= 0 && !(pfd.revents & POLLIN)));
  if (rc < 0) return rc;
  rc = read_byte(job->start_fd);
  sys1(SYS_close, job->start_fd);
  return rc;
}

/*
 * The container's terminal, from its own devpts instance (a pty of the host's would read "not a
 * tty" inside). The master goes to the parent, which takes it with pidfd_getfd while we wait;
 * the slave becomes the controlling terminal of a new session and fds 0, 1 and 2.
 */
/* One SCM_RIGHTS message carrying `fd` on the connected socket `sock`. */
static long send_fd_on(long sock, long fd) {
  struct iovec iov;
  struct msghdr message;
  union fd_control control;
  long rc;
  fd_message(&message, &iov, &control, "t", 1, (int)fd);
  do rc = sys3(SYS_sendmsg, sock, &message, MSG_NOSIGNAL); while (rc == -EINTR);
  return rc < 0 ? rc : 0;
}

static long setup_terminal(struct job *job) {
  char path[40];
  unsigned int number = 0, unlock = 0;
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
  /* Sent, not taken with pidfd_getfd, which would need the child dumpable (an exec'd one never is). */
  rc = job->terminal_socket < 0 ? -EINVAL : send_fd_on(job->terminal_socket, master);
  if (rc < 0) { sys1(SYS_close, master); sys1(SYS_close, slave); return rc; }
  report(job, REPORT_TERMINAL, 0, -1);
  rc = read_byte(job->sync_fd);
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
  long root_fd;
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

/* A detached copy of the mount at `path` (open_tree OPEN_TREE_CLONE), with `attr` set on it: it
 * survives pivot_root, so a host directory can be attached inside the container later. */
static long clone_tree(const char *path, unsigned long attr_set) {
  struct mount_attr attr;
  long fd = sys3(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC);
  long rc;
  if (fd < 0 || attr_set == 0) return fd;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = attr_set;
  rc = sys5(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr);
  if (rc < 0) { sys1(SYS_close, fd); return rc; }
  return fd;
}

/* Attach the detached tree in `slot` at `target`, resolved inside the root. */
static long attach_tree_in_root(struct child_state *state, long slot, const char *target) {
  long tree = take_slot(state, slot);
  long fd, rc;
  if (tree < 0) return tree;
  fd = open_in_root(state->root_fd, target, O_PATH);
  if (fd < 0) { sys1(SYS_close, tree); return fd; }
  rc = sys5(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  sys1(SYS_close, fd);
  sys1(SYS_close, tree);
  return rc;
}

/*
 * Every fd from `from` up close-on-exec. close_range first; a seccomp profile written before it
 * existed (the conformance suite's, older engines') refuses it, so then each fd listed in
 * /proc/self/fd gets FD_CLOEXEC through fcntl, which every profile allows.
 */
static long close_fds_from(long from) {
  char buffer[4096];
  long dir, n, at, fd;
  if (sys3(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  dir = sys_open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return dir;
  while ((n = sys3(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
    for (at = 0; at < n;) {
      /* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name. */
      unsigned short reclen = *(unsigned short *)(buffer + at + 16);
      const char *name = buffer + at + 19;
      fd = 0;
      while (*name >= '0' && *name <= '9') fd = fd * 10 + (*name++ - '0');
      if (*name == 0 && fd >= from && fd != dir) sys3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
      at += reclen;
    }
  }
  sys1(SYS_close, dir);
  return n < 0 ? n : 0;
}

static long write_text(long fd, const char *text) {
  size_t n = strlen(text);
  long rc = sys3(SYS_write, fd, text, n);
  return rc < 0 ? rc : 0;
}

static long write_file(const char *path, const char *text) {
  long fd = sys_open(path, O_WRONLY | O_CLOEXEC);
  long rc;
  if (fd < 0) return fd;
  rc = write_text(fd, text);
  sys1(SYS_close, fd);
  return rc;
}

/* One operation: 0, or -errno. */
static long run_op(struct job *job, struct op *op, struct child_state *state) {
  long rc, fd;
  switch (op->code) {
  case OP_MOUNT:
    return sys5(SYS_mount, op->s1, op->s2, op->s3, op->n1, op->s4);
  case OP_MKDIR:
    return mkdir_all(op->s1, (unsigned int)op->n1);
  case OP_MKNOD:
    rc = sys_mknod(op->s1, op->n1, op->n2);
    if (rc == -EEXIST) return 0;
    if (rc < 0) return rc;
    return sys5(SYS_fchownat, AT_FDCWD, op->s1, op->n3 >> 32, op->n3 & 0xffffffffL, AT_SYMLINK_NOFOLLOW);
  case OP_SYMLINK:
    rc = sys_symlink(op->s1, op->s2);
    return rc == -EEXIST ? 0 : rc;
  case OP_CHDIR:
    return sys1(SYS_chdir, op->s1);
  case OP_PIVOT_ROOT:
    return sys2(SYS_pivot_root, op->s1, op->s2);
  case OP_CHROOT:
    return sys1(SYS_chroot, op->s1);
  case OP_UMOUNT2:
    return sys2(SYS_umount2, op->s1, op->n1);
  case OP_SETHOSTNAME:
    return sys2(SYS_sethostname, op->s1, strlen(op->s1));
  case OP_SETDOMAINNAME:
    return sys2(SYS_setdomainname, op->s1, strlen(op->s1));
  case OP_PERSONALITY:
    rc = sys1(SYS_personality, op->n1);
    return rc < 0 ? rc : 0;
  case OP_WAIT_PARENT:
    return read_byte(job->sync_fd);
  case OP_NO_DUMP:
    /* Its parent's helpers are done with its /proc files, and it has written its own: from here on
     * no process may open them. Not when sharing the parent's memory, whose flag it is: minic's own
     * would go with it (execve, soon, makes the child's new memory its own). */
    if (!job->share_memory) sys2(SYS_prctl, PR_SET_DUMPABLE, 0);
    return 0;
  case OP_WAIT_HOOKS:
    report(job, REPORT_HOOKS, 0, 0);
    return read_byte(job->sync_fd);
  case OP_TERMINAL:
    return setup_terminal(job);
  case OP_UMASK:
    sys1(SYS_umask, op->n1);
    return 0;
  case OP_REDIRECT:
    fd = sys_open(op->s1, op->n1);
    if (fd < 0) return fd;
    if (fd != op->n2) {
      rc = sys_dup2(fd, op->n2);
      sys1(SYS_close, fd);
      if (rc < 0) return rc;
    }
    return 0;
  case OP_LINK_UP:
    return link_up(op->s1);
  case OP_BOUNDING:
    return drop_bounding((unsigned long)op->n1);
  case OP_CAPABILITIES:
    return set_capabilities((unsigned long)op->n1, (unsigned long)op->n2, (unsigned long)op->n3,
                            op->data_len == 8 ? *(const unsigned long *)op->data : 0);
  case OP_USER:
    return set_user(op->n1, op->n2, (const unsigned int *)op->data, op->data_len, op->flags & OPF_KEEP_GROUPS);
  case OP_SESSION_KEYRING:
    rc = sys2(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, op->s1);
    return rc < 0 ? rc : 0;
  case OP_SECCOMP: {
    /* struct sock_fprog: the instruction count, then a pointer to them. */
    struct { unsigned short len; const void *filter; } program;
    program.len = (unsigned short)(op->data_len / 8);
    program.filter = op->data;
    return sys3(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, &program);
  }
  case OP_NO_NEW_PRIVS:
    return sys5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case OP_RLIMIT: {
    unsigned long limit[2];
    limit[0] = (unsigned long)op->n2;
    limit[1] = (unsigned long)op->n3;
    return sys4(SYS_prlimit64, 0, op->n1, limit, 0);
  }
  case OP_WRITE_FILE:
    return write_file(op->s1, op->s2);
  case OP_CLOSE_FDS:
    /* The caller's preserved fds (the job says how many) go on to the process. */
    return close_fds_from(op->n1 < 3 + job->preserve_fds ? 3 + job->preserve_fds : op->n1);
  case OP_MASK:
    /* A file gets s2 bound over it; a directory gets a mount of type s3 with flags n1. */
    rc = sys5(SYS_mount, op->s2, op->s1, 0, 4096 /* MS_BIND */, 0);
    if (rc != -ENOTDIR) return rc;
    return sys5(SYS_mount, op->s3, op->s1, op->s3, op->n1, 0);
  case OP_OPEN_ROOT:
    rc = sys4(SYS_openat, AT_FDCWD, op->s1, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (rc < 0) return rc;
    state->root_fd = rc;
    return 0;
  case OP_MKPATH_IN_ROOT:
    rc = source_is_file(op->s2);
    if (rc < 0) return rc;
    return mkpath_in_root(state->root_fd, op->s1, (unsigned int)op->n1, (unsigned int)op->n2, rc == 1);
  case OP_MOUNT_IN_ROOT:
    return mount_in_root(state->root_fd, op);
  case OP_READONLY_IN_ROOT:
    return readonly_in_root(state->root_fd, op->s1);
  case OP_OPEN_FILE:
    return put_slot(state, op->n2, sys_open(op->s1, op->n1 | O_CLOEXEC));
  case OP_WRITE_SLOT:
    fd = take_slot(state, op->n1);
    if (fd < 0) return fd;
    rc = write_text(fd, op->s1);
    sys1(SYS_close, fd);
    return rc;
  case OP_CLONE_TREE:
    return put_slot(state, op->n1, clone_tree(op->s1, (unsigned long)op->n2));
  case OP_ATTACH_TREE:
    return attach_tree_in_root(state, op->n1, op->s1);
  case OP_ATTACH_TREE_AT:
    fd = take_slot(state, op->n1);
    if (fd < 0) return fd;
    rc = sys5(SYS_move_mount, fd, "", AT_FDCWD, op->s1, MOVE_MOUNT_F_EMPTY_PATH);
    sys1(SYS_close, fd);
    return rc;
  case OP_ENTER_ROOT:
    return sys1(SYS_fchdir, state->root_fd);
  case OP_SYMLINK_IN_ROOT:
    fd = open_in_root(state->root_fd, op->s2, O_PATH | O_DIRECTORY);
    if (fd < 0) return fd;
    rc = sys3(SYS_symlinkat, op->s1, fd, op->s3);
    sys1(SYS_close, fd);
    return rc == -EEXIST ? 0 : rc;
  case OP_UNSHARE:
    return sys1(SYS_unshare, op->n1);
  case OP_SETNS:
    fd = sys_open(op->s1, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fd;
    rc = sys2(SYS_setns, fd, op->n1);
    sys1(SYS_close, fd);
    return rc;
  case OP_CHECK_COMMAND:
    return exec_command(op->s1, op->s2, 0, 0, 1);
  case OP_FORK_BESIDE: {
    /* A copy, born where this process's children are (a PID namespace joined with setns), goes on
     * with the plan as the parent's own child (CLONE_PARENT); this one says which and ends. The
     * copy waits for that end (end of file on `gate`, whose write end only this one keeps), so the
     * parent learns its pid before anything else it reports. */
    int gate[2];
    char byte;
    rc = sys2(SYS_pipe2, gate, O_CLOEXEC);
    if (rc < 0) return rc;
    rc = sys5(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (rc < 0) { sys1(SYS_close, gate[0]); sys1(SYS_close, gate[1]); return rc; }
    if (rc == 0) {
      sys1(SYS_close, gate[1]);
      if (job->pdeathsig) sys2(SYS_prctl, PR_SET_PDEATHSIG, job->pdeathsig);
      do rc = sys3(SYS_read, gate[0], &byte, 1); while (rc == -EINTR);
      sys1(SYS_close, gate[0]);
      /* minic gone before the death signal was set (its end of the sync pipe closed with it): this
       * copy would go on unwatched. */
      if (job->pdeathsig) {
        struct pollfd pfd;
        long zero[2] = {0, 0};
        pfd.fd = (int)job->sync_fd;
        pfd.events = 0;
        pfd.revents = 0;
        if (sys_poll_now(&pfd, zero) > 0 && (pfd.revents & POLLHUP)) sys1(SYS_exit_group, 125);
      }
      return 0;
    }
    report(job, REPORT_FORKED, 0, rc);
    sys1(SYS_exit_group, 0);
    return 0;
  }
  case OP_WAIT_START:
    return wait_start(job);
  case OP_UNBLOCK_SIGNALS:
    return unblock_signals();
  case OP_EXECVE:
    return exec_command(op->s1, op->s2, (char *const *)op->s3, (char *const *)op->s4, 0);
  }
  return -EINVAL;
}

/* The child's entry point (see spawn.c): every op in order; the last one execs. */
int run_plan(struct job *job) {
  long i, rc;
  struct child_state state;
  state.root_fd = -1;
  for (i = 0; i < SLOTS; i++) state.slots[i] = -1;
  if (job->inherited_fd >= 0 && put_slot(&state, job->inherited_slot, job->inherited_fd) < 0) fail(job, 0, EINVAL);
  if (job->inherited_fd2 >= 0 && put_slot(&state, job->inherited_slot2, job->inherited_fd2) < 0) fail(job, 0, EINVAL);
  for (i = 0; i < job->nops; i++) {
    struct op *op = &job->ops[i];
    rc = run_op(job, op, &state);
    if (rc == 0) continue;
    if ((op->flags & OPF_IGNORE_ENOENT) && rc == -ENOENT) continue;
    fail(job, i, -rc);
  }
  fail(job, job->nops, EINVAL); /* a plan must end in execve */
  return 0;
}
