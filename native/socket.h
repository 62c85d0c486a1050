/* Unix sockets and SCM_RIGHTS, for handing an fd to another process: the kernel's structures,
 * shared by the parent's side (console.c, over glibc) and the child's (child.c, raw calls). */
#ifndef MINIC_SOCKET_H
#define MINIC_SOCKET_H
#include "syscalls.h"

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_SEQPACKET 5
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define MSG_NOSIGNAL 0x4000
#define MSG_CTRUNC 0x08

struct sockaddr_un { unsigned short family; char path[108]; };
struct iovec { void *base; size_t length; };
struct msghdr { void *name; unsigned int namelen; struct iovec *iov; size_t iovlen; void *control; size_t controllen; int flags; };
struct cmsghdr { size_t len; int level; int type; };

/* Room for one SCM_RIGHTS message of one fd: CMSG_SPACE(sizeof(int)). */
union fd_control { struct cmsghdr header; char bytes[sizeof(struct cmsghdr) + 8]; };

/* A message carrying `fd`, with `data` (at least a byte) as its payload. */
static inline void fd_message(struct msghdr *message, struct iovec *iov, union fd_control *control, const char *data, size_t length, int fd) {
  iov->base = (void *)data;
  iov->length = length;
  memset(control, 0, sizeof *control);
  control->header.len = sizeof(struct cmsghdr) + sizeof(int);
  control->header.level = SOL_SOCKET;
  control->header.type = SCM_RIGHTS;
  *(int *)(control->bytes + sizeof(struct cmsghdr)) = fd;
  memset(message, 0, sizeof *message);
  message->iov = iov;
  message->iovlen = 1;
  message->control = control->bytes;
  message->controllen = sizeof control->bytes;
}
#endif
