#ifndef CPROCTRACESYSTEM_H
#define CPROCTRACESYSTEM_H

#include <stddef.h>
#include <stdint.h>

/* SIGINT/SIGTERM ask for a graceful stop (drain, write `stop`, flush); a
 * second one exits at once. SIGPIPE is ignored so a closed pipe is an error
 * from write(2), not a silent death. Handlers are installed without
 * SA_RESTART so a blocking poll returns EINTR. */
void pt_signals_install(void);

/* The first stop signal received, or 0. */
int pt_signals_received(void);

/* SIGHUP asks to reopen the output files (logrotate's convention; it also
 * interrupts a blocking poll). Returns 1 once per request since the last call. */
int pt_signals_take_reopen(void);

/* Blocks (1) or unblocks (0) SIGINT, SIGTERM and SIGHUP in the calling
 * thread: threads created in between inherit the block, so those signals
 * reach the thread that waits for them and interrupt no other's calls. */
void pt_signals_hold(int hold);

/* Which step of pt_capabilities_limit failed. */
enum {
	PT_CAP_STEP_CAPGET = 1,
	PT_CAP_STEP_BOUNDING,
	PT_CAP_STEP_AMBIENT,
	PT_CAP_STEP_CAPSET,
	PT_CAP_STEP_NO_NEW_PRIVS,
};

/* Limits the calling thread to the capabilities in `keep` (bit N is
 * capability N): the bounding set loses the others (when CAP_SETPCAP allows),
 * the ambient and inheritable sets are cleared, permitted and effective
 * become keep & permitted, and no_new_privs is set. Returns 0, or -errno with
 * the step in *failed_step. */
int pt_capabilities_limit(uint64_t keep, int *failed_step);

/* Sends `fd` over the connected datagram `socket` (SCM_RIGHTS, no data):
 * how a journal entry too large for one datagram reaches journald. Returns 0
 * or -errno. EINTR is retried. */
int pt_send_descriptor(int socket, int fd);

/* A memfd holding `data`, sealed against change (journald accepts only
 * sealed ones), or -errno. */
int pt_sealed_memfd(const void *data, size_t length);

/* The scheduler's clock of `cpu` now, in nanoseconds (what se.exec_start of
 * a task that last ran there is measured in), or -1. */
long long pt_scheduler_clock_on_cpu(int cpu);

/* Sets the calling thread's nice value (not the process's). Returns 0 or -errno. */
int pt_thread_set_nice(int nice);
/* Raises the calling thread's nice value by `delta` from its current one (no privilege needed). Returns 0 or -errno. */
int pt_thread_lower_priority(int delta);

/* Names the calling thread (at most 15 bytes kept: /proc/PID/task/TID/comm, top -H). Returns 0 or -errno. */
int pt_thread_set_name(const char *name);

/* Blocks of `bytes` or more are mapped on their own (returned to the kernel
 * when freed) from now on, whatever was freed before. 0, or -1 if malloc
 * refused the setting. */
int pt_memory_keep_large_blocks_mapped(int bytes);

#endif
