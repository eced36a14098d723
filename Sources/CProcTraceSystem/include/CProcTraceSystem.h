#ifndef CPROCTRACESYSTEM_H
#define CPROCTRACESYSTEM_H

/* SIGINT/SIGTERM ask for a graceful stop (drain, write `stop`, flush); a
 * second one exits at once. SIGPIPE is ignored so a closed pipe is an error
 * from write(2), not a silent death. Handlers are installed without
 * SA_RESTART so a blocking poll returns EINTR. */
void pt_signals_install(void);

/* The first stop signal received, or 0. */
int pt_signals_received(void);

#endif
