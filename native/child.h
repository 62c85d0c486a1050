/* What spawn.c needs of the child interpreter. */
#ifndef MINIC_CHILD_H
#define MINIC_CHILD_H
#include "protocol.h"

/* Run the job's plan; never returns (the last op execs, a failure exits). */
int run_plan(struct job *job);
void reset_signal_handlers(void);
long open_in_root(long root_fd, const char *path, long flags);

#endif
