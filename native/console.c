/*
 * runc's --console-socket: the container's pty master handed to whoever listens on a unix socket
 * (conmon, containerd's shim), as one SCM_RIGHTS message whose data is the master's name, as
 * runc sends it. This side runs in minic's own process and may use glibc freely.
 */
#include "socket.h"

#define MSG_CMSG_CLOEXEC 0x40000000

int socket(int domain, int type, int protocol);
int connect(int fd, const void *address, unsigned int length);
long sendmsg(int fd, const void *message, int flags);
long recvmsg(int fd, void *message, int flags);
int close(int fd);

/* Send `fd` over a new connection to the unix socket at `path`: 0, or -errno. */
long minic_send_fd(const char *path, long fd) {
  struct sockaddr_un address;
  struct iovec iov;
  struct msghdr message;
  union fd_control control;
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
  fd_message(&message, &iov, &control, name, strlen(name), (int)fd);
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

/* Receive an fd sent with SCM_RIGHTS on the connected socket `sock`: the fd, or -errno. */
long minic_recv_fd(long sock) {
  struct iovec iov;
  struct msghdr message;
  union fd_control control;
  char byte;
  long n;
  fd_message(&message, &iov, &control, &byte, 1, -1);
  /* What arrives must be the kernel's: nothing of the template may pass for it. */
  memset(&control, 0, sizeof control);
  do n = recvmsg((int)sock, &message, MSG_CMSG_CLOEXEC);
  while (n < 0 && *__errno_location() == EINTR);
  if (n < 0) return -(long)*__errno_location();
  if (n == 0 || (message.flags & MSG_CTRUNC) || message.controllen < sizeof(struct cmsghdr) + sizeof(int) ||
      control.header.level != SOL_SOCKET || control.header.type != SCM_RIGHTS || control.header.len < sizeof(struct cmsghdr) + sizeof(int))
    return -EBADMSG;
  return *(int *)(control.bytes + sizeof(struct cmsghdr));
}
