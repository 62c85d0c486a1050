/* The raw system call the child uses instead of glibc's wrappers (see syscalls.h). */
#include "syscalls.h"

#if defined(__x86_64__)
__asm__(
  ".text\n"
  ".globl sys6\n"
  ".hidden sys6\n"
  "sys6:\n"
  "  movq %rdi, %rax\n"
  "  movq %rsi, %rdi\n"
  "  movq %rdx, %rsi\n"
  "  movq %rcx, %rdx\n"
  "  movq %r8, %r10\n"
  "  movq %r9, %r8\n"
  "  movq 8(%rsp), %r9\n"
  "  syscall\n"
  "  ret\n");
#else
long sys6(long n, long a, long b, long c, long d, long e, long f) {
  long rc = syscall(n, a, b, c, d, e, f);
  return rc == -1 ? -(long)*__errno_location() : rc;
}
#endif
