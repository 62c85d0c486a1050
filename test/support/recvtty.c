/*
 * The other end of runc's --console-socket, as conmon or containerd's shim are: `recvtty SOCKET`
 * listens, receives one terminal master over SCM_RIGHTS, prints "received NAME", then copies
 * what the container writes to its terminal to stdout until the terminal closes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  char name[64] = { 0 }, control[CMSG_SPACE(sizeof(int))], buffer[4096];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
  struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  int listener, connection, master;
  ssize_t n;
  if (argc != 2) return 2;
  strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
  unlink(argv[1]);
  listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1)) { perror("listen"); return 1; }
  printf("listening\n");
  fflush(stdout);
  connection = accept(listener, 0, 0);
  if (connection < 0 || recvmsg(connection, &message, 0) < 0) { perror("recvmsg"); return 1; }
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  if (header == 0 || header->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no fd\n"); return 1; }
  memcpy(&master, CMSG_DATA(header), sizeof master);
  printf("received %s\n", name);
  fflush(stdout);
  while ((n = read(master, buffer, sizeof buffer)) > 0) {
    fwrite(buffer, 1, (size_t)n, stdout);
    fflush(stdout);
  }
  return 0;
}
