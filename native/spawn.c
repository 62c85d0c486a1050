/*
 * The spawner and reaper, called from JavaScript on Bun's main thread: clone a child that runs a
 * job's plan (child.c), optionally born into another PID namespace (exec), and a thread that
 * reaps it and writes its wait status to a pipe, so minic never waits for anyone else's child.
 */
#include "syscalls.h"
#include "protocol.h"
#include "child.h"

void *malloc(size_t n);
void free(void *p);
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
int pthread_sigmask(int how, const void *set, void *old);
int pthread_create(unsigned long *thread, const void *attr, void *(*fn)(void *), void *arg);
int pthread_detach(unsigned long thread);

#define WALL 0x40000000
#define STACK_SIZE (256 * 1024)

_Static_assert(sizeof(struct op) == 11 * 8, "struct op: eleven 8-byte members, as src/plan/encode.ts reads them");
_Static_assert(sizeof(struct job) == 24 * 8, "struct job: twenty-four 8-byte members");
_Static_assert(sizeof(struct report) == 12, "struct report: three ints");

/*
 * Every other fd of minic's goes now, not at execve: a created container's init waits for `start`
 * long after its creator exited, and must not hold its creator's pipes (Bun keeps duplicates of
 * its stdout and stderr) open for whoever reads them to the end.
 */
#define KEPT 6
static void close_all_but(long first, const long *kept) {
  long keep[KEPT], t;
  long from = first;
  int i, j;
  for (i = 0; i < KEPT; i++) keep[i] = kept[i];
  for (i = 0; i < KEPT; i++)
    for (j = i + 1; j < KEPT; j++)
      if (keep[j] < keep[i]) { t = keep[i]; keep[i] = keep[j]; keep[j] = t; }
  for (i = 0; i < KEPT; i++) {
    if (keep[i] < from) continue;
    if (keep[i] > from) sys3(SYS_close_range, from, keep[i] - 1, 0);
    from = keep[i] + 1;
  }
  sys3(SYS_close_range, from, ~0U, 0);
}

/*
 * The child's first acts, before any op: signal handlers back to their defaults (the mask stays
 * fully blocked until the plan unblocks it just before execve), not dumpable, the parent-death
 * signal, the parent's pipe ends closed, and the standard fds the job asks for.
 */
static int child_entry(void *arg) {
  struct job *job = (struct job *)arg;
  long fds[3], kept[KEPT];
  int i;
  reset_signal_handlers();
  /* Until execve the child is minic: no process of the container may open its /proc/PID/exe,
   * mem or fds (CVE-2019-5736 rewrote runc's binary that way). execve makes it dumpable again. */
  if (!job->dumpable) sys2(SYS_prctl, PR_SET_DUMPABLE, 0);
  if (job->pdeathsig) sys2(SYS_prctl, PR_SET_PDEATHSIG, job->pdeathsig);
  sys1(SYS_close, job->parent_report_fd);
  sys1(SYS_close, job->parent_sync_fd);
  fds[0] = job->stdin_fd; fds[1] = job->stdout_fd; fds[2] = job->stderr_fd;
  for (i = 0; i < 3; i++) {
    if (fds[i] >= 0 && fds[i] != i) sys_dup2(fds[i], i);
  }
  kept[0] = job->report_fd; kept[1] = job->sync_fd; kept[2] = job->start_fd;
  kept[3] = job->inherited_fd; kept[4] = job->inherited_fd2; kept[5] = job->terminal_socket;
  close_all_but(3 + job->preserve_fds, kept);
  return run_plan(job);
}

typedef void (*notify_fn)(int pid, int kind, int index, int value);

/* key: the pid the caller knows the child by; pid: the process to reap, which a fork-beside op
 * changes to the copy that goes on with the plan. */
struct watch { long key; long pid; long report_fd; long reap; char *stack; notify_fn notify; };

/*
 * The parent's eyes on its child, on a thread of its own so that JavaScript's event loop never
 * waits on a pipe: every report record as it comes, end of file (the child exec'd or died), then,
 * for a watched child, its wait status once reaped. Each is handed to `notify`, which bun:ffi
 * queues onto the JavaScript thread.
 */
static void *watch_thread(void *arg) {
  struct watch w = *(struct watch *)arg;
  struct report r;
  int status = 0;
  long n, got;
  free(arg);
  for (;;) {
    for (got = 0; got < (long)sizeof r; got += n) {
      do n = sys3(SYS_read, w.report_fd, (char *)&r + got, sizeof r - got); while (n == -EINTR);
      if (n <= 0) break;
    }
    if (got < (long)sizeof r) break;
    if (r.kind == REPORT_FORKED) {
      /* The first child ends as it reports: reaped now; its copy is the one to watch. */
      do n = sys4(SYS_wait4, w.pid, 0, WALL, 0); while (n == -EINTR);
      w.pid = r.value;
    }
    w.notify((int)w.key, r.kind, r.index, r.value);
  }
  sys1(SYS_close, w.report_fd);
  w.notify((int)w.key, REPORT_STARTED, 0, 0);
  if (!w.reap) return 0;
  do n = sys4(SYS_wait4, w.pid, &status, WALL, 0); while (n == -EINTR);
  if (n < 0) status = (int)n;
  /* With CLONE_VM the child ran on this stack until execve or exit. */
  free(w.stack);
  w.notify((int)w.key, REPORT_EXITED, 0, status);
  return 0;
}

/*
 * Clone the job's child and start its watch thread; returns the pid or -errno. With
 * job->watch_exit the thread reaps the child too, and the job and all it points to must stay
 * alive until the exit is notified. Without, the caller reaps it (minic_reap) or leaves it to its
 * own parent.
 */
EXPORT long minic_spawn(struct job *job) {
  unsigned char all[128], old[128];
  char *stack;
  struct watch *w;
  unsigned long thread;
  long pid, back = -1, back_net = -1, flags = job->clone_flags;
  int rc;
  if (job->share_memory) {
    if (!CLONE_VM_SUPPORTED || !job->watch_exit) return -EINVAL; /* its stack must outlive setup */
    flags |= CLONE_VM;
  }
  stack = malloc(STACK_SIZE);
  w = malloc(sizeof(struct watch));
  if (!stack || !w) { free(stack); free(w); return -ENOMEM; }
  if (job->pid_ns_fd >= 0) {
    /* setns(CLONE_NEWPID) changes only where this thread's children are born: go there for the
     * clone and come straight back, with no allocation and no thread made in between. */
    back = sys4(SYS_openat, AT_FDCWD, "/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC, 0);
    if (back < 0) { free(stack); free(w); return back; }
    pid = sys2(SYS_setns, job->pid_ns_fd, CLONE_NEWPID);
    if (pid < 0) { sys1(SYS_close, back); free(stack); free(w); return pid; }
  }
  if (job->net_ns_fd >= 0) {
    /* A child born into a new user namespace can no longer join a network namespace the host's
     * owns: this thread joins it for the clone (a network namespace is per thread) instead. */
    back_net = sys4(SYS_openat, AT_FDCWD, "/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC, 0);
    pid = back_net < 0 ? back_net : sys2(SYS_setns, job->net_ns_fd, CLONE_NEWNET);
    if (pid < 0) {
      if (back_net >= 0) sys1(SYS_close, back_net);
      if (back >= 0) { sys2(SYS_setns, back, CLONE_NEWPID); sys1(SYS_close, back); }
      free(stack); free(w); return pid;
    }
  }
  /* No signal may run a Bun handler in the child before it has reset them. */
  memset(all, 0xff, sizeof all);
  pthread_sigmask(SIG_SETMASK, all, old);
  pid = clone(child_entry, stack + STACK_SIZE, (int)flags, job);
  if (pid < 0) pid = -(long)*__errno_location();
  if (back >= 0) {
    sys2(SYS_setns, back, CLONE_NEWPID);
    sys1(SYS_close, back);
  }
  if (back_net >= 0) {
    sys2(SYS_setns, back_net, CLONE_NEWNET);
    sys1(SYS_close, back_net);
  }
  if (pid < 0) {
    pthread_sigmask(SIG_SETMASK, old, 0);
    free(stack);
    free(w);
    return pid;
  }
  w->key = pid;
  w->pid = pid;
  w->report_fd = job->parent_report_fd;
  w->reap = job->watch_exit;
  w->notify = (notify_fn)job->notify;
  w->stack = stack;
  if (!job->share_memory) {
    /* A fork-like child has its own copy of the stack. */
    free(stack);
    w->stack = 0;
  }
  /* Still inside the blocked region: the thread starts with every signal blocked, so none of
   * Bun's handlers ever runs on it. */
  rc = pthread_create(&thread, 0, watch_thread, w);
  pthread_sigmask(SIG_SETMASK, old, 0);
  if (rc != 0) {
    /* Nobody could ever report this child: stop it now, while its stack is still ours. */
    sys2(SYS_kill, pid, SIGKILL);
    while (sys4(SYS_wait4, pid, 0, WALL, 0) == -EINTR) {}
    free(w->stack);
    free(w);
    return -rc;
  }
  pthread_detach(thread);
  return pid;
}

/* Wait for a child spawned without a watch thread (a created container whose setup failed). */
EXPORT long minic_reap(long pid) {
  int status = 0;
  long rc;
  do rc = sys4(SYS_wait4, pid, &status, WALL, 0); while (rc == -EINTR);
  return rc < 0 ? rc : status;
}

/* open(2) of `path` resolved inside the directory `root_fd` as if it were "/" (openat2
 * RESOLVE_IN_ROOT): for reading a container's own files (its /etc/passwd) from the host. */
EXPORT long minic_open_in_root(long root_fd, const char *path, long flags) {
  return open_in_root(root_fd, path, flags);
}
