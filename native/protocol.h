/*
 * The op protocol between minic's TypeScript side and its native executor: the one definition of
 * op codes, the op record, the job, and the report records. src/plan/encode.ts reads this file
 * (the enums and the member order of each struct), so neither side can drift from the other.
 * Rules for src/plan/encode.ts's reader: one `NAME = number,` per line inside an enum, and one
 * 8-byte member (long or pointer) per line inside `struct op` and `struct job`.
 */
#ifndef MINIC_PROTOCOL_H
#define MINIC_PROTOCOL_H

enum op_code {
  OP_MOUNT = 1,
  OP_MKDIR = 2,
  OP_MKNOD = 3,
  OP_SYMLINK = 4,
  OP_CHDIR = 5,
  OP_PIVOT_ROOT = 6,
  OP_UMOUNT2 = 7,
  OP_SETHOSTNAME = 8,
  OP_WAIT_PARENT = 9,
  OP_UMASK = 10,
  OP_REDIRECT = 11,
  OP_LINK_UP = 12,
  OP_BOUNDING = 13,
  OP_CAPABILITIES = 14,
  OP_CLOSE_FDS = 15,
  OP_EXECVE = 16,
  OP_MASK = 17,
  OP_OPEN_ROOT = 18,
  OP_MKPATH_IN_ROOT = 19,
  OP_MOUNT_IN_ROOT = 20,
  OP_READONLY_IN_ROOT = 21,
  OP_TERMINAL = 22,
  OP_OPEN_FILE = 23,
  OP_WRITE_SLOT = 24,
  OP_CLONE_TREE = 25,
  OP_ATTACH_TREE = 26,
  OP_UNSHARE = 27,
  OP_SETNS = 28,
  OP_USER = 29,
  OP_NO_NEW_PRIVS = 30,
  OP_RLIMIT = 31,
  OP_WRITE_FILE = 32,
  OP_CHECK_COMMAND = 33,
  OP_WAIT_START = 34,
  OP_UNBLOCK_SIGNALS = 35,
  OP_SYMLINK_IN_ROOT = 36,
  OP_ATTACH_TREE_AT = 37,
  OP_ENTER_ROOT = 38,
  OP_SESSION_KEYRING = 39,
  OP_SECCOMP = 40,
  OP_SETDOMAINNAME = 41,
  OP_PERSONALITY = 42,
  OP_WAIT_HOOKS = 43,
  OP_CHROOT = 44,
  OP_FORK_BESIDE = 45,
  OP_NO_DUMP = 46,
};

/* Bits of op.flags. */
enum op_flag {
  OPF_IGNORE_ENOENT = 1,
  OPF_KEEP_GROUPS = 2,  /* user: no setgroups (a user namespace whose setgroups is "deny") */
};

/* One operation: what each field means depends on the code (see src/plan/encode.ts). */
struct op {
  long code;
  long flags;
  long n1;
  long n2;
  long n3;
  const char *s1;
  const char *s2;
  const char *s3;
  const char *s4;
  const void *data;
  long data_len;
};

/* A child to make: its plan and how it is started. */
struct job {
  struct op *ops;
  long nops;
  long clone_flags;
  long share_memory;   /* CLONE_VM: only while the parent outlives setup and waits for it */
  long pdeathsig;      /* 0: none (a created container outlives its creator) */
  long report_fd;      /* write end, close-on-exec: end of file at execve means success */
  long sync_fd;        /* read end: wait-parent reads one byte from it */
  long start_fd;       /* wait-start: -1 to go straight on, else a byte here lets the child exec */
  long watch_exit;     /* 1: the watch thread also reaps the child and reports its exit */
  long stdin_fd;       /* -1 keeps the parent's fd 0; else dup'd onto 0 in the child */
  long stdout_fd;
  long stderr_fd;
  long pid_ns_fd;      /* -1, or a PID namespace the child is born into (exec, namespaces[].path) */
  long net_ns_fd;      /* -1, or a network namespace the child is born into, before its new user namespace */
  long parent_report_fd; /* the parent's read end of the report pipe: read by the watch thread */
  long parent_sync_fd; /* the parent's write end of the sync pipe, closed in the child */
  long notify;         /* void notify(int pid, int kind, int index, int value), callable from any thread */
  long inherited_fd;   /* -1, or a detached mount the parent made before clone (an idmapped root) */
  long inherited_slot; /* the slot the child finds inherited_fd in */
  long inherited_fd2;  /* -1, or a second one (a sysfs made in a joined network namespace) */
  long inherited_slot2;
  long preserve_fds;   /* fds 3 .. 3+N-1 are the caller's, passed on to the process (runc's --preserve-fds) */
  long dumpable;       /* 1: dumpable until its no-dump op, for an unprivileged parent's helpers (newuidmap, slirp4netns) to reach its /proc files */
  long terminal_socket; /* the socket a terminal op sends its master over (SCM_RIGHTS); -1: the plan has none */
};

/* What the child tells the parent on the report pipe before it execs or fails. */
enum report_kind {
  REPORT_FAILED = 1,    /* index: the op; value: errno */
  REPORT_TERMINAL = 2,  /* value: the terminal master's fd in the child (take it with pidfd_getfd) */
  REPORT_READY = 3,     /* everything is set up; waiting on start_fd */
  REPORT_STARTED = 4,   /* from the watch thread: end of file on the report pipe (execve, or death) */
  REPORT_EXITED = 5,    /* from the watch thread: value is the wait status */
  REPORT_HOOKS = 6,     /* the namespaces and mounts are made: run createRuntime and createContainer hooks */
  REPORT_FORKED = 7,    /* value: the pid (the parent's view) of the copy that goes on with the plan */
};

struct report {
  int kind;
  int index;
  int value;
};

/* Not an errno: a mount destination resolved to the container's root directory itself. */
#define MINIC_EROOT 10001

#define SLOTS 32

#endif
