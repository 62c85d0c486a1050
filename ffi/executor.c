/*
 * minic's native executor. It runs a plan (a table of operations built in TypeScript)
 * inside the child made by clone(2), because no JavaScript can run there (ARCHITECTURE.md).
 *
 * Header-free on purpose: bun:ffi's TinyCC compiles this at run time with no system
 * headers, so the few libc prototypes and constants it needs are declared by hand.
 * The op layout below must match ffi/executor.ts.
 */

typedef unsigned long size_t;
typedef long ssize_t;

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
long syscall(long number, ...);
int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data);
int umount2(const char *target, int flags);
int mkdir(const char *path, unsigned int mode);
int mknod(const char *path, unsigned int mode, unsigned long dev);
int symlink(const char *target, const char *linkpath);
int chdir(const char *path);
int sethostname(const char *name, size_t len);
int open(const char *path, int flags, ...);
int close(int fd);
int dup2(int oldfd, int newfd);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int execve(const char *path, char *const argv[], char *const envp[]);
void _exit(int status);
int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
unsigned int umask(unsigned int mask);
int socket(int domain, int type, int protocol);
int ioctl(int fd, unsigned long request, ...);
void *malloc(size_t n);
void free(void *p);
int pthread_sigmask(int how, const void *set, void *old);
int pthread_create(unsigned long *thread, const void *attr, void *(*fn)(void *), void *arg);
int pthread_detach(unsigned long thread);
int waitpid(int pid, int *status, int options);
void (*signal(int sig, void (*handler)(int)))(int);
int *__errno_location(void);
size_t strlen(const char *s);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#define errno (*__errno_location())
#define EEXIST 17
#define ENOENT 2
#define ENOTDIR 20
#define EACCES 13
#define EINTR 4
#define EINVAL 22
#define MS_RDONLY 1
#define MS_BIND 4096

#define SYS_capset 126
#define SYS_pivot_root 155
#define SYS_close_range 436
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
  OP_MASK = 18
};

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
};

struct report { int index; int err; };

static void fail(struct job *job, long index, int err) {
  struct report r;
  r.index = (int)index;
  r.err = err;
  write(job->report_fd, &r, sizeof r);
  _exit(125);
}

/* mkdir -p: every missing component is made; an existing directory is fine. */
static int mkdir_all(const char *path, unsigned int mode) {
  char buf[4096];
  size_t n = strlen(path);
  size_t i;
  if (n == 0 || n >= sizeof buf) { errno = EINVAL; return -1; }
  memcpy(buf, path, n + 1);
  for (i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == 0) {
      char saved = buf[i];
      buf[i] = 0;
      if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
      buf[i] = saved;
    }
  }
  return 0;
}

/* Bring a network interface up (ifreq: 16-byte name, then a short of flags at offset 16). */
static int link_up(const char *name) {
  char ifr[40];
  size_t n = strlen(name);
  int fd, rc;
  if (n >= 16) { errno = EINVAL; return -1; }
  memset(ifr, 0, sizeof ifr);
  memcpy(ifr, name, n);
  fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  rc = ioctl(fd, SIOCGIFFLAGS, ifr);
  if (rc == 0) {
    *(short *)(ifr + 16) |= IFF_UP;
    rc = ioctl(fd, SIOCSIFFLAGS, ifr);
  }
  close(fd);
  return rc;
}

/* Keep exactly the capabilities in `keep` (a bit per capability number). */
static int set_capabilities(unsigned long keep) {
  unsigned int header[2];
  unsigned int data[6];
  int cap;
  for (cap = 0; cap < 64; cap++) {
    if (keep & (1UL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -1;
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return -1;
  header[0] = 0x20080522; /* _LINUX_CAPABILITY_VERSION_3 */
  header[1] = 0;
  /* {effective, permitted, inheritable} for capabilities 0-31, then for 32-63.
   * Inheritable stays empty, as Docker has done since CVE-2022-24769. */
  data[0] = (unsigned int)keep;  data[1] = (unsigned int)keep;  data[2] = 0;
  data[3] = (unsigned int)(keep >> 32);  data[4] = (unsigned int)(keep >> 32);  data[5] = 0;
  return (int)syscall(SYS_capset, header, data);
}

static void reset_signals(void) {
  unsigned char none[128];
  int sig;
  for (sig = 1; sig < 65; sig++) {
    if (sig == 9 || sig == 19) continue;
    signal(sig, (void (*)(int))0); /* SIG_DFL; glibc refuses its internal ones, which is fine */
  }
  memset(none, 0, sizeof none);
  pthread_sigmask(SIG_SETMASK, none, 0);
}

/* execvpe without glibc's allocation: PATH lookup as a shell does it.
 * Returns the errno that best explains the failure (ENOENT: not found, EACCES: not executable). */
static int exec_command(const char *file, const char *path, char *const argv[], char *const envp[]) {
  char buf[4096];
  const char *p = path;
  size_t flen = strlen(file);
  int seen_eacces = 0;
  int i;
  for (i = 0; file[i]; i++) {
    if (file[i] == '/') {
      execve(file, argv, envp);
      return errno;
    }
  }
  if (flen == 0) return ENOENT;
  while (1) {
    const char *end = p;
    size_t dlen;
    while (*end && *end != ':') end++;
    dlen = (size_t)(end - p);
    if (dlen + 1 + flen + 1 <= sizeof buf) {
      if (dlen == 0) { buf[0] = '.'; dlen = 1; } else memcpy(buf, p, dlen);
      buf[dlen] = '/';
      memcpy(buf + dlen + 1, file, flen + 1);
      execve(buf, argv, envp);
      if (errno == EACCES) seen_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return errno;
    }
    if (*end == 0) break;
    p = end + 1;
  }
  return seen_eacces ? EACCES : ENOENT;
}

static int run_op(struct job *job, struct op *op) {
  switch (op->kind) {
  case OP_MOUNT:
    return mount(op->s1, op->s2, op->s3, (unsigned long)op->n1, op->s4);
  case OP_MKDIR:
    return mkdir_all(op->s1, (unsigned int)op->n1);
  case OP_MKNOD:
    if (mknod(op->s1, (unsigned int)op->n1, (unsigned long)op->n2) != 0 && errno != EEXIST) return -1;
    return 0;
  case OP_SYMLINK:
    if (symlink(op->s1, op->s2) != 0 && errno != EEXIST) return -1;
    return 0;
  case OP_CHDIR:
    return chdir(op->s1);
  case OP_PIVOT_ROOT:
    return (int)syscall(SYS_pivot_root, op->s1, op->s2);
  case OP_UMOUNT2:
    return umount2(op->s1, (int)op->n1);
  case OP_SETHOSTNAME:
    return sethostname(op->s1, strlen(op->s1));
  case OP_WAIT_PARENT: {
    char byte;
    ssize_t n;
    do n = read(job->sync_fd, &byte, 1); while (n < 0 && errno == EINTR);
    if (n != 1) { errno = n == 0 ? EINTR : errno; return -1; } /* the parent went away */
    close(job->sync_fd);
    return 0;
  }
  case OP_SET_PDEATHSIG:
    /* If the parent died before this call, wait-parent sees end of file and fails. */
    return prctl(PR_SET_PDEATHSIG, (unsigned long)op->n1, 0, 0, 0);
  case OP_UMASK:
    umask((unsigned int)op->n1);
    return 0;
  case OP_REDIRECT: {
    int fd = open(op->s1, (int)op->n1, 0);
    if (fd < 0) return -1;
    if (fd != (int)op->n2) {
      if (dup2(fd, (int)op->n2) < 0) return -1;
      close(fd);
    }
    return 0;
  }
  case OP_LINK_UP:
    return link_up(op->s1);
  case OP_CAPABILITIES:
    return set_capabilities((unsigned long)op->n1);
  case OP_RESET_SIGNALS:
    reset_signals();
    return 0;
  case OP_CLOSE_FDS:
    return (int)syscall(SYS_close_range, (unsigned int)op->n1, ~0U, CLOSE_RANGE_CLOEXEC);
  case OP_MASK:
    /* /dev/null over a file; a directory gets an empty read-only tmpfs instead */
    if (mount("/dev/null", op->s1, 0, MS_BIND, 0) == 0) return 0;
    if (errno != ENOTDIR) return -1;
    return mount("tmpfs", op->s1, "tmpfs", MS_RDONLY, 0);
  case OP_EXECVE:
    errno = exec_command(op->s1, op->s2, (char *const *)op->s3, (char *const *)op->s4);
    return -1;
  }
  errno = EINVAL;
  return -1;
}

static int child_main(void *arg) {
  struct job *job = (struct job *)arg;
  long i;
  close(job->parent_report_fd);
  close(job->parent_sync_fd);
  for (i = 0; i < job->nops; i++) {
    struct op *op = &job->ops[i];
    if (run_op(job, op) != 0) {
      if ((op->opt & OPT_IGNORE_ENOENT) && errno == ENOENT) continue;
      fail(job, i, errno);
    }
  }
  fail(job, job->nops, EINVAL); /* a plan must end in execve */
  return 0;
}

/* Called from JavaScript on Bun's main thread. Returns the child's pid, or -errno. */
long minic_spawn(struct job *job, long clone_flags) {
  unsigned char all[128], old[128];
  size_t stack_size = 256 * 1024;
  char *stack = malloc(stack_size);
  long pid;
  if (!stack) return -12;
  /* No signal may run a Bun handler in the child between clone and execve. */
  memset(all, 0xff, sizeof all);
  pthread_sigmask(SIG_SETMASK, all, old);
  pid = clone(child_main, stack + stack_size, (int)clone_flags, job);
  if (pid < 0) pid = -errno;
  pthread_sigmask(SIG_SETMASK, old, 0);
  free(stack);
  return pid;
}

struct watch { int pid; int fd; };

static void *watch_thread(void *arg) {
  struct watch w = *(struct watch *)arg;
  int status = 0;
  int rc;
  free(arg);
  do rc = waitpid(w.pid, &status, 0x40000000 /* __WALL */); while (rc < 0 && errno == EINTR);
  if (rc < 0) status = -errno;
  write(w.fd, &status, sizeof status);
  close(w.fd);
  return 0;
}

/* Reap `pid` on a native thread and write its wait status (4 bytes) to `fd`:
 * the event loop reads the pipe, so exit latency is one wake-up, not a poll interval. */
int minic_watch(int pid, int fd) {
  struct watch *w = malloc(sizeof(struct watch));
  unsigned long thread;
  int rc;
  if (!w) return -12;
  w->pid = pid;
  w->fd = fd;
  rc = pthread_create(&thread, 0, watch_thread, w);
  if (rc != 0) { free(w); return -rc; }
  pthread_detach(thread);
  return 0;
}
