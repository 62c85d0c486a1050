/*
 * A static test program run inside containers: `probe NAME...` tries each named system call the
 * way an attacker would and prints "NAME ok" or "NAME EPERM" (the errno's name), one per line.
 * `probe keyring` prints the session keyring's serial number. `probe chroot-escape PATH` tries
 * the classic chroot escape (chroot into a subdirectory, climb out with "..", chroot there) and
 * prints "escaped" if PATH, a host path the container must not see, is then reachable, else
 * "contained".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static const char *errno_name(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case EACCES: return "EACCES";
  case EINVAL: return "EINVAL";
  case ENOSYS: return "ENOSYS";
  case EFAULT: return "EFAULT";
  case ENOENT: return "ENOENT";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EBADF: return "EBADF";
  case ENODEV: return "ENODEV";
  default: return "other";
  }
}

static long attempt(const char *name) {
  if (!strcmp(name, "unshare-user")) return unshare(CLONE_NEWUSER);
  if (!strcmp(name, "unshare-mount")) return unshare(CLONE_NEWNS);
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "probe", "x", 1, KEY_SPEC_SESSION_KEYRING);
  if (!strcmp(name, "io_uring_setup")) {
    unsigned char params[120];
    memset(params, 0, sizeof params);
    return syscall(SYS_io_uring_setup, 1, params);
  }
  if (!strcmp(name, "perf_event_open")) {
    unsigned char attr[128];
    memset(attr, 0, sizeof attr);
    attr[4] = sizeof attr; /* attr.size */
    attr[0] = 1;           /* PERF_TYPE_SOFTWARE */
    return syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
  }
  if (!strcmp(name, "personality")) return personality(ADDR_NO_RANDOMIZE);
  if (!strcmp(name, "userfaultfd")) return syscall(SYS_userfaultfd, 0);
  if (!strcmp(name, "vsock")) return socket(AF_VSOCK, SOCK_STREAM, 0);
  if (!strcmp(name, "mount")) return mount("none", "/tmp", "tmpfs", 0, 0);
  if (!strcmp(name, "umount2")) return umount2("/proc", MNT_DETACH);
  if (!strcmp(name, "setns")) {
    int fd = open("/proc/self/ns/uts", O_RDONLY);
    return setns(fd, CLONE_NEWUTS);
  }
  errno = ENOENT;
  return -2;
}

int main(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    long rc;
    if (!strcmp(argv[i], "chroot-escape") && i + 1 < argc) {
      const char *marker = argv[++i];
      int j;
      if (chroot("/dev") != 0) { printf("chroot-escape %s\n", errno_name(errno)); continue; }
      for (j = 0; j < 64; j++) if (chdir("..") != 0) break;
      if (chroot(".") != 0) { printf("chroot-escape %s\n", errno_name(errno)); continue; }
      printf("%s\n", access(marker, F_OK) == 0 ? "escaped" : "contained");
      continue;
    }
    if (!strcmp(argv[i], "keyring")) {
      printf("keyring %ld\n", (long)syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
      continue;
    }
    /* Each in a child of its own, so that one that works (unshare) cannot change the next. */
    fflush(stdout);
    if (fork() == 0) {
      errno = 0;
      rc = attempt(argv[i]);
      if (rc == -2 && errno == ENOENT) { fprintf(stderr, "probe: unknown %s\n", argv[i]); _exit(2); }
      printf("%s %s\n", argv[i], rc < 0 ? errno_name(errno) : "ok");
      fflush(stdout);
      _exit(0);
    }
    wait(0);
  }
  return 0;
}
