/*
 * runc's --console-socket: the container's pty master handed to whoever listens on a unix socket
 * (conmon, containerd's shim), as one SCM_RIGHTS message whose data is the master's name, as
 * runc sends it. This side runs in minic's own process and may use glibc freely.
 */
#include "syscalls.h"

int socket(int domain, int type, int protocol);
int connect(int fd, const void *address, unsigned int length);
long sendmsg(int fd, const void *message, int flags);
int close(int fd);

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_SEQPACKET 5
#define SOL_SOCKET 1
#define SCM_RIGHTS 1

struct sockaddr_un { unsigned short family; char path[108]; };
struct iovec { void *base; size_t length; };
struct msghdr { void *name; unsigned int namelen; struct iovec *iov; size_t iovlen; void *control; size_t controllen; int flags; };
struct cmsghdr { size_t len; int level; int type; };

/* Send `fd` over a new connection to the unix socket at `path`: 0, or -errno. */
long minic_send_fd(const char *path, long fd) {
  struct sockaddr_un address;
  struct iovec iov;
  struct msghdr message;
  union { struct cmsghdr header; char bytes[sizeof(struct cmsghdr) + 8]; } control;
  const char *name = "/dev/ptmx";
  size_t length = strlen(path);
  int sock;
  long rc;
  if (length >= sizeof address.path) return -ENAMETOOLONG;
  sock = socket(AF_UNIX, SOCK_STREAM | O_CLOEXEC, 0);
  if (sock < 0) return -(long)*__errno_location();
  memset(&address, 0, sizeof address);
  address.family = AF_UNIX;
  memcpy(address.path, path, length);
  if (connect(sock, &address, sizeof address) < 0) {
    rc = -(long)*__errno_location();
    close(sock);
    return rc;
  }
  iov.base = (void *)name;
  iov.length = strlen(name);
  memset(&control, 0, sizeof control);
  control.header.len = sizeof(struct cmsghdr) + sizeof(int);
  control.header.level = SOL_SOCKET;
  control.header.type = SCM_RIGHTS;
  *(int *)(control.bytes + sizeof(struct cmsghdr)) = (int)fd;
  memset(&message, 0, sizeof message);
  message.iov = &iov;
  message.iovlen = 1;
  message.control = control.bytes;
  message.controllen = sizeof(struct cmsghdr) + 8; /* CMSG_SPACE(sizeof(int)) */
  rc = sendmsg(sock, &message, 0) < 0 ? -(long)*__errno_location() : 0;
  close(sock);
  return rc;
}

/*
 * A connection to the unix socket at `path` of `type` (SOCK_STREAM, or SOCK_SEQPACKET for
 * conmon's attach socket, where each packet is one read): the fd, or -errno.
 */
long minic_connect_unix(const char *path, long type) {
  struct sockaddr_un address;
  size_t length = strlen(path);
  int sock;
  long rc;
  if (length >= sizeof address.path) return -ENAMETOOLONG;
  sock = socket(AF_UNIX, (int)type | O_CLOEXEC, 0);
  if (sock < 0) return -(long)*__errno_location();
  memset(&address, 0, sizeof address);
  address.family = AF_UNIX;
  memcpy(address.path, path, length);
  if (connect(sock, &address, sizeof address) < 0) {
    rc = -(long)*__errno_location();
    close(sock);
    return rc;
  }
  return sock;
}
