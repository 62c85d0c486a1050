/*
 * Terminals: taking the container's pty master from the child (pidfd_getfd), and the relay thread
 * that copies it to minic's stdout (and minic's stdin to it with -i), so that no byte waits for
 * JavaScript's event loop. This side runs in minic's own process and may use glibc freely.
 */
#include "syscalls.h"

void *malloc(size_t n);
void free(void *p);
int pthread_sigmask(int how, const void *set, void *old);
int pthread_create(unsigned long *thread, const void *attr, void *(*fn)(void *), void *arg);
int pthread_join(unsigned long thread, void **result);
int poll(struct pollfd *fds, unsigned long nfds, int timeout);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);

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
    fds[0].fd = r.master; fds[0].events = POLLIN; fds[0].revents = 0;
    fds[1].fd = r.in; fds[1].events = POLLIN; fds[1].revents = 0;
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
EXPORT long minic_relay_start(int master, int in, int out) {
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
EXPORT void minic_relay_join(long handle) {
  pthread_join((unsigned long)handle, 0);
}

/* The terminal's entry points, linked from JavaScript only by processes that have a terminal. */
long minic_send_fd(const char *path, long fd);
long minic_connect_unix(const char *path, long type);
long minic_recv_fd(long sock);

EXPORT void minic_terminal_entry_points(void **out) {
  out[0] = (void *)minic_recv_fd;
  out[1] = (void *)minic_relay_start;
  out[2] = (void *)minic_relay_join;
  out[3] = (void *)minic_send_fd;
  out[4] = (void *)minic_connect_unix;
}
