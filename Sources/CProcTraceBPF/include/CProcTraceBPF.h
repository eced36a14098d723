#ifndef CPROCTRACEBPF_H
#define CPROCTRACEBPF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "../../../bpf/proctrace.h"

/* Where starting the BPF backend failed. */
enum pt_bpf_stage {
	PT_BPF_STAGE_OPEN = 1,   /* parsing the embedded object, BTF */
	PT_BPF_STAGE_LOAD = 2,   /* verifier, map creation */
	PT_BPF_STAGE_ATTACH = 3, /* attaching one program (named in the detail) */
	PT_BPF_STAGE_RING = 4,   /* ring buffer set-up */
	PT_BPF_STAGE_KERNEL = 6, /* the kernel lacks something proctrace cannot do without */
};

struct pt_bpf_settings {
	uint32_t max_args_bytes;
	uint32_t self_tgid;
	uint64_t wakeup_bytes;
	uint32_t ring_bytes;
	uint32_t pid_entries; /* entries of the maps keyed by PID; 0: as compiled (4M) */
	int trace_threads;
	int verbose;
	int hook_mode; /* enum pt_hook_mode; 0: auto, the cheapest that loads */
};

struct pt_bpf;

/* Called once per ring-buffer record; return non-zero to stop consuming. */
typedef int (*pt_record_fn)(void *ctx, void *data, size_t size);

/* Opens, loads and attaches every program and sets up the ring buffer.
 * Returns 0, or a negative errno with *stage and detail (a short text: the
 * failing program and libbpf's last message) filled in. */
int pt_bpf_start(const struct pt_bpf_settings *settings, pt_record_fn on_record, void *ctx,
		 struct pt_bpf **out, int *stage, char *detail, size_t detail_len);

/* Waits up to timeout_ms for records and consumes those ready, at most a
 * batch (8192) so that the caller regains control under any storm.
 * Returns records consumed or a negative errno (-EINTR when interrupted). */
int pt_bpf_poll(struct pt_bpf *bpf, int timeout_ms);

/* Consumes what is ready without waiting. */
int pt_bpf_consume(struct pt_bpf *bpf);

/* Records the kernel could not deliver so far (summed over CPUs). */
uint64_t pt_bpf_lost(struct pt_bpf *bpf);

/* A fresh task-iterator fd; read() it for struct pt_exists records. */
int pt_bpf_snapshot_fd(struct pt_bpf *bpf);

void pt_bpf_stop(struct pt_bpf *bpf);

/* What the loader chose for this kernel: 1 when the current task comes from
 * bpf_get_current_task_btf (5.11+), 0 when read through probes. */
int pt_bpf_has_current_task_btf(const struct pt_bpf *bpf);

/* The hooks the loader settled on (enum pt_hook_mode), and why the cheaper
 * ones it tried were refused: one "mode: why" per line ("" when none was). */
int pt_bpf_hook_mode(const struct pt_bpf *bpf);
const char *pt_bpf_hooks_refused(const struct pt_bpf *bpf);
const char *pt_bpf_hook_mode_name(int mode);
/* 1 when fexit reads the system call arguments from the kernel stack (5.10). */
int pt_bpf_syscall_args_from_stack(const struct pt_bpf *bpf);

/* libbpf messages are kept quiet unless verbose; this gives the last warning. */
const char *pt_bpf_last_message(void);

#endif
