/*
 * What the parent makes on the host, before clone, for a container in a user namespace of its
 * own. An idmapped mount needs CAP_SYS_ADMIN where the file system was mounted (the host), which
 * the child, root only inside its new namespace, no longer has. So the parent makes the mounts
 * detached (they appear in no mount table) and the child inherits the fd and attaches it inside
 * its own mount namespace. Which trees, maps and options: src/process/, not here.
 */
#include "syscalls.h"

void *malloc(size_t n);
void free(void *p);
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
int pthread_sigmask(int how, const void *set, void *old);

#define WALL 0x40000000
#define HOLDER_STACK (16 * 1024)

/* The holder waits in its new user namespace until its maps are written and its namespace is
 * open; it shares minic's memory, so it touches nothing but its own stack. */
static int hold(void *arg) {
  char byte;
  sys3(SYS_read, (long)arg, &byte, 1);
  return 0;
}

/* "/proc/PID/" followed by `tail`. */
static void proc_path(char *out, long pid, const char *tail) {
  char digits[24];
  int n = 0, at = 6;
  do digits[n++] = (char)('0' + pid % 10); while ((pid /= 10) > 0);
  memcpy(out, "/proc/", 6);
  while (n > 0) out[at++] = digits[--n];
  out[at++] = '/';
  memcpy(out + at, tail, strlen(tail) + 1);
}

static long write_proc_file(long pid, const char *name, const char *text) {
  char path[64];
  long fd, rc;
  proc_path(path, pid, name);
  fd = sys_open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fd;
  rc = sys3(SYS_write, fd, text, strlen(text));
  sys1(SYS_close, fd);
  return rc < 0 ? rc : 0;
}

/*
 * An fd of a new user namespace with these uid_map and gid_map contents, or -errno. Its holder
 * process is gone when this returns; the fd keeps the namespace alive.
 */
static long user_namespace(const char *uid_map, const char *gid_map) {
  unsigned char all[128], old[128];
  int gate[2];
  char path[64];
  char *stack = malloc(HOLDER_STACK);
  long pid, rc;
  if (!stack) return -ENOMEM;
  rc = sys2(SYS_pipe2, gate, O_CLOEXEC);
  if (rc < 0) { free(stack); return rc; }
  /* No Bun signal handler may run on the holder's small stack. */
  memset(all, 0xff, sizeof all);
  pthread_sigmask(SIG_SETMASK, all, old);
  pid = clone(hold, stack + HOLDER_STACK, CLONE_VM | CLONE_NEWUSER, (void *)(long)gate[0]);
  if (pid < 0) pid = -(long)*__errno_location();
  pthread_sigmask(SIG_SETMASK, old, 0);
  rc = pid;
  if (pid > 0) {
    rc = write_proc_file(pid, "uid_map", uid_map);
    if (rc == 0) rc = write_proc_file(pid, "gid_map", gid_map);
    if (rc == 0) {
      proc_path(path, pid, "ns/user");
      rc = sys_open(path, O_RDONLY | O_CLOEXEC);
    }
    sys3(SYS_write, gate[1], "x", 1);
    while (sys4(SYS_wait4, pid, 0, WALL, 0) == -EINTR) {}
  }
  sys1(SYS_close, gate[0]);
  sys1(SYS_close, gate[1]);
  free(stack);
  return rc;
}

/*
 * A detached, recursive copy of the tree at `path` whose owners are seen through the maps (an
 * idmapped mount: host uid hostID appears as containerID inside), or -errno.
 */
static long minic_idmapped_tree(const char *path, const char *uid_map, const char *gid_map) {
  struct mount_attr attr;
  long userns = user_namespace(uid_map, gid_map);
  long tree, rc;
  if (userns < 0) return userns;
  tree = sys3(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);
  if (tree >= 0) {
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = (unsigned long)userns;
    rc = sys5(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
    if (rc < 0) { sys1(SYS_close, tree); tree = rc; }
  }
  sys1(SYS_close, userns);
  return tree;
}

/*
 * A detached mount of a new `fstype` file system made with `options`, pairs of NUL-terminated
 * key and value ending with an empty key (fsopen, fsconfig, fsmount), with the MOUNT_ATTR_*
 * `attrs`, or -errno. With `netns_fd` >= 0 the file system is opened from inside that network
 * namespace (sysfs shows the one it was made in): this thread joins it for fsopen and comes back.
 */
static long minic_detached_mount(const char *fstype, const char *options, long netns_fd, long attrs) {
  long fs, back = -1, rc = 0, mount;
  const char *key = options, *value;
  if (netns_fd >= 0) {
    back = sys4(SYS_openat, AT_FDCWD, "/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC, 0);
    if (back < 0) return back;
    rc = sys2(SYS_setns, netns_fd, CLONE_NEWNET);
    if (rc < 0) { sys1(SYS_close, back); return rc; }
  }
  fs = sys2(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
  if (back >= 0) {
    sys2(SYS_setns, back, CLONE_NEWNET);
    sys1(SYS_close, back);
  }
  if (fs < 0) return fs;
  while (rc == 0 && *key) {
    value = key + strlen(key) + 1;
    rc = sys5(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
    key = value + strlen(value) + 1;
  }
  if (rc == 0) rc = sys5(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0);
  mount = rc < 0 ? rc : sys3(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  sys1(SYS_close, fs);
  return mount;
}

/* The entry points above, linked only by a process that makes such a container. */
EXPORT void minic_idmap_entry_points(void **out) {
  out[0] = (void *)minic_idmapped_tree;
  out[1] = (void *)minic_detached_mount;
}
