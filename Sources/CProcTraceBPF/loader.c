#include "CProcTraceBPF.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "proctrace.skel.h"

#define PT_MAX_LINKS 64

/* Records handed over per poll or consume at most. libbpf consumes until
 * the ring is empty, which under a sustained storm faster than the consumer
 * is never: the caller would not see a stop request (SIGTERM) or write the
 * lost counter. After this many it gets control back and polls again. */
#define PT_BATCH_RECORDS 8192
#define PT_BATCH_FULL (-ECANCELED)

struct pt_bpf {
	struct proctrace_bpf *skel;
	struct ring_buffer *ring;
	pt_record_fn on_record;
	void *ctx;
	int batch;
	struct bpf_link *links[PT_MAX_LINKS];
	struct bpf_link *iter_link;
	int link_count;
	int cpus;
	int current_task_btf;
	int hook_mode;
	int syscall_args_from_stack;
	/* One line per mode tried and refused: "mode: why". */
	char refused[1024];
};

static int pt_verbose;
static char pt_last_message[512];
/* libbpf's "prog 'NAME': failed to load" line: which program the kernel refused. */
static char pt_refused_program[160];

static int pt_print(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level <= LIBBPF_WARN) {
		va_list copy;
		va_copy(copy, args);
		vsnprintf(pt_last_message, sizeof(pt_last_message), format, copy);
		va_end(copy);
		size_t n = strlen(pt_last_message);
		while (n > 0 && (pt_last_message[n - 1] == '\n' || pt_last_message[n - 1] == ' '))
			pt_last_message[--n] = 0;
		const char *prog = strstr(pt_last_message, "prog '");
		if (prog && strstr(prog, "': failed to load"))
			snprintf(pt_refused_program, sizeof(pt_refused_program), "%s", prog);
	}
	if (!pt_verbose && level != LIBBPF_WARN)
		return 0;
	if (!pt_verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

const char *pt_bpf_last_message(void)
{
	return pt_last_message;
}

static void pt_teardown(struct pt_bpf *bpf);

static int pt_fail(struct pt_bpf *bpf, int err, int stage_value, int *stage, char *detail, size_t detail_len,
		   const char *what)
{
	if (stage)
		*stage = stage_value;
	if (detail && detail_len)
		snprintf(detail, detail_len, "%s%s%s%s%s", what ? what : "", (what && pt_last_message[0]) ? ": " : "",
			 pt_last_message, pt_refused_program[0] ? ", " : "", pt_refused_program);
	pt_teardown(bpf);
	return err < 0 ? err : -err;
}

/* Whether the running kernel's BTF names a BPF helper (enum bpf_func_id),
 * the test CO-RE's bpf_core_enum_value_exists makes, done here so the
 * choice can be set before load and reported. */
static int pt_kernel_has_helper(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return 0;
	int found = 0;
	__s32 id = btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM);
	const struct btf_type *type = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (type) {
		const struct btf_enum *values = btf_enum(type);
		for (int i = 0; i < btf_vlen(type) && !found; i++)
			found = strcmp(btf__name_by_offset(btf, values[i].name_off), name) == 0;
	}
	btf__free(btf);
	return found;
}

int pt_bpf_has_current_task_btf(const struct pt_bpf *bpf)
{
	return bpf->current_task_btf;
}

/* libbpf advances past a record before a negative return stops it, so the
 * record that fills the batch is delivered and none is skipped. */
static int pt_on_sample(void *ctx, void *data, size_t size)
{
	struct pt_bpf *bpf = ctx;
	int err = bpf->on_record(bpf->ctx, data, size);
	if (err)
		return err;
	return ++bpf->batch >= PT_BATCH_RECORDS ? PT_BATCH_FULL : 0;
}

static int pt_batch_result(struct pt_bpf *bpf, int result)
{
	return result == PT_BATCH_FULL && bpf->batch >= PT_BATCH_RECORDS ? bpf->batch : result;
}

const char *pt_bpf_hook_mode_name(int mode)
{
	switch (mode) {
	case PT_HOOKS_FENTRY: return "fentry";
	case PT_HOOKS_KPROBE: return "kprobe";
	case PT_HOOKS_SCHED: return "sched";
	case PT_HOOKS_SYSCALL: return "syscall";
	default: return "auto";
	}
}

/* Which mode a program belongs to (0: every mode loads it). */
static int pt_program_mode(const struct bpf_program *prog)
{
	const char *section = bpf_program__section_name(prog);
	if (!strncmp(section, "fentry/", 7) || !strncmp(section, "fexit/", 6))
		return PT_HOOKS_FENTRY;
	if (!strncmp(section, "kprobe/", 7) || !strncmp(section, "kretprobe/", 10))
		return PT_HOOKS_KPROBE;
	if (!strncmp(bpf_program__name(prog), "sched_mode_", 11))
		return PT_HOOKS_SCHED;
	if (!strcmp(section, "tp_btf/sys_exit"))
		return PT_HOOKS_SYSCALL;
	return 0;
}

/* Why this kernel cannot have the mode before trying it (NULL: try). The
 * functions fentry attaches to are looked up in the kernel's BTF, so one
 * object serves kernels that renamed or inlined one. */
static const char *pt_mode_refusal(struct proctrace_bpf *skel, int mode, char *why, size_t why_len)
{
	if (mode == PT_HOOKS_SCHED && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) != 1) {
		snprintf(why, why_len, "this kernel has no task storage for tracing programs (Linux 5.11)");
		return why;
	}
	if (mode != PT_HOOKS_FENTRY)
		return NULL;
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(why, why_len, "the kernel's BTF cannot be read");
		return why;
	}
	const char *missing = NULL;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		if (pt_program_mode(prog) != PT_HOOKS_FENTRY)
			continue;
		const char *target = strchr(bpf_program__section_name(prog), '/') + 1;
		if (btf__find_by_name_kind(btf, target, BTF_KIND_FUNC) < 0) {
			missing = target;
			break;
		}
	}
	if (missing)
		snprintf(why, why_len, "this kernel's BTF has no function %s", missing);
	btf__free(btf);
	return missing ? why : NULL;
}

static int pt_attach(struct pt_bpf *bpf, struct bpf_program *prog, int *stage, char *detail, size_t detail_len)
{
	struct bpf_link *link = bpf_program__attach(prog);
	if (!link) {
		int attach_err = -errno;
		char what[128];
		snprintf(what, sizeof(what), "attaching %s", bpf_program__name(prog));
		return pt_fail(bpf, attach_err, PT_BPF_STAGE_ATTACH, stage, detail, detail_len, what);
	}
	if (prog == bpf->skel->progs.snapshot_tasks)
		bpf->iter_link = link;
	else if (bpf->link_count < PT_MAX_LINKS)
		bpf->links[bpf->link_count++] = link;
	return 0;
}

/* sched mode: one pass of the seeding iterator gives every running process
 * its starting credentials and session (read() runs the program). */
static int pt_seed_task_ids(struct pt_bpf *bpf)
{
	struct bpf_link *link = bpf_program__attach_iter(bpf->skel->progs.sched_mode_seed, NULL);
	if (!link)
		return -errno;
	int err = 0;
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
	} else {
		char buf[64];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			;
		if (n < 0)
			err = -errno;
		close(fd);
	}
	bpf_link__destroy(link);
	return err;
}

/* Opens, loads and attaches the lifecycle programs and one mode's hooks. */
static int pt_start_mode(struct pt_bpf *bpf, const struct pt_bpf_settings *settings, int mode, int stack_args,
			 int *stage, char *detail, size_t detail_len)
{
	pt_last_message[0] = 0;
	pt_refused_program[0] = 0;
	bpf->skel = proctrace_bpf__open();
	if (!bpf->skel)
		return pt_fail(bpf, -errno, PT_BPF_STAGE_OPEN, stage, detail, detail_len, "opening the BPF object");

	struct proctrace_bpf *skel = bpf->skel;
	char why[256];
	if (pt_mode_refusal(skel, mode, why, sizeof(why))) {
		if (stage)
			*stage = PT_BPF_STAGE_KERNEL;
		snprintf(detail, detail_len, "%s", why);
		pt_teardown(bpf);
		return -EOPNOTSUPP;
	}
	uint32_t max_args = settings->max_args_bytes;
	if (max_args > PT_ARGS_CAP)
		max_args = PT_ARGS_CAP;
	skel->rodata->max_args_bytes = max_args;
	skel->rodata->trace_threads = settings->trace_threads != 0;
	skel->rodata->self_tgid = settings->self_tgid;
	skel->rodata->wakeup_bytes = settings->wakeup_bytes;
	skel->rodata->have_current_task_btf = bpf->current_task_btf;
	skel->rodata->hook_mode = mode;

	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		int owner = pt_program_mode(prog);
		int stack_variant = !strncmp(bpf_program__name(prog), "fexit_stack_", 12);
		int replaced = !stack_variant && owner == PT_HOOKS_FENTRY &&
			       (prog == skel->progs.fexit___x64_sys_setpgid || prog == skel->progs.fexit___x64_sys_execve ||
				prog == skel->progs.fexit___x64_sys_execveat);
		int wanted = owner == 0 || owner == mode;
		if (owner == PT_HOOKS_FENTRY)
			wanted = wanted && (stack_args ? !replaced : !stack_variant);
		bpf_program__set_autoload(prog, wanted);
	}
	/* Maps only one mode uses, so that a kernel without them runs the others. */
	bpf_map__set_autocreate(skel->maps.task_ids, mode == PT_HOOKS_SCHED);
	bpf_map__set_autocreate(skel->maps.syscall_regs, mode == PT_HOOKS_KPROBE);

	int err = bpf_map__set_max_entries(skel->maps.exec_buffers, bpf->cpus);
	if (!err && settings->ring_bytes)
		err = bpf_map__set_max_entries(skel->maps.events, settings->ring_bytes);
	/* A hash map's buckets are allocated for max_entries at once: 64 MiB each at 4M. */
	if (!err && settings->pid_entries)
		err = bpf_map__set_max_entries(skel->maps.zombies, settings->pid_entries);
	if (!err && settings->pid_entries)
		err = bpf_map__set_max_entries(skel->maps.exits_reported, settings->pid_entries);
	if (err)
		return pt_fail(bpf, err, PT_BPF_STAGE_OPEN, stage, detail, detail_len, "sizing the maps");

	err = proctrace_bpf__load(skel);
	if (err)
		return pt_fail(bpf, err, PT_BPF_STAGE_LOAD, stage, detail, detail_len, "loading the BPF programs");

	bpf->ring = ring_buffer__new(bpf_map__fd(skel->maps.events), pt_on_sample, bpf, NULL);
	if (!bpf->ring)
		return pt_fail(bpf, -errno, PT_BPF_STAGE_RING, stage, detail, detail_len, "creating the ring buffer");

	/* The mode's programs first: on a tracepoint both use (sched_process_exit)
	 * they then run first, so a change seen there precedes the exit record. */
	for (int pass = 0; pass < 2; pass++) {
		bpf_object__for_each_program(prog, skel->obj) {
			int owner = pt_program_mode(prog);
			if ((pass == 0) != (owner != 0) || (owner && owner != mode) || !bpf_program__autoload(prog))
				continue;
			if (prog == skel->progs.sched_mode_seed)
				continue; /* run once, below */
			err = pt_attach(bpf, prog, stage, detail, detail_len);
			if (err)
				return err;
		}
	}
	if (mode == PT_HOOKS_SCHED) {
		err = pt_seed_task_ids(bpf);
		if (err)
			return pt_fail(bpf, err, PT_BPF_STAGE_ATTACH, stage, detail, detail_len,
				       "seeding the task storage");
	}
	bpf->hook_mode = mode;
	bpf->syscall_args_from_stack = stack_args;
	return 0;
}

int pt_bpf_start(const struct pt_bpf_settings *settings, pt_record_fn on_record, void *ctx,
		 struct pt_bpf **out, int *stage, char *detail, size_t detail_len)
{
	pt_verbose = settings->verbose;
	pt_last_message[0] = 0;
	libbpf_set_print(pt_print);
	*out = NULL;

	struct pt_bpf *bpf = calloc(1, sizeof(*bpf));
	if (!bpf)
		return -ENOMEM;

	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0) {
		if (stage)
			*stage = PT_BPF_STAGE_KERNEL;
		snprintf(detail, detail_len, "this kernel has no BPF ring buffer (it came in Linux 5.8)");
		pt_bpf_stop(bpf);
		return -EOPNOTSUPP;
	}
	bpf->on_record = on_record;
	bpf->ctx = ctx;
	bpf->current_task_btf = pt_kernel_has_helper("BPF_FUNC_get_current_task_btf");
	bpf->cpus = libbpf_num_possible_cpus();
	if (bpf->cpus <= 0)
		bpf->cpus = 1;

	/* auto: the cheapest hooks that load; the sys_exit hook, which every
	 * system call of the host pays for, only when nothing else does. */
	static const int chain[] = { PT_HOOKS_FENTRY, PT_HOOKS_KPROBE, PT_HOOKS_SCHED, PT_HOOKS_SYSCALL };
	int only = settings->hook_mode;
	int err = -EINVAL;
	for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		int mode = chain[i];
		if (only && mode != only)
			continue;
		err = pt_start_mode(bpf, settings, mode, 0, stage, detail, detail_len);
		/* A verifier that cannot read the system call functions' argument (5.10). */
		if (err == -EACCES && mode == PT_HOOKS_FENTRY && strstr(detail, "prog 'fexit___x64_sys_"))
			err = pt_start_mode(bpf, settings, mode, 1, stage, detail, detail_len);
		if (!err)
			break;
		size_t used = strlen(bpf->refused);
		snprintf(bpf->refused + used, sizeof(bpf->refused) - used, "%s%s: %s (%s)", used ? "\n" : "",
			 pt_bpf_hook_mode_name(mode), detail, strerror(-err));
	}
	if (err) {
		pt_bpf_stop(bpf);
		return err;
	}
	*out = bpf;
	return 0;
}

int pt_bpf_syscall_args_from_stack(const struct pt_bpf *bpf)
{
	return bpf->syscall_args_from_stack;
}

int pt_bpf_hook_mode(const struct pt_bpf *bpf)
{
	return bpf->hook_mode;
}

const char *pt_bpf_hooks_refused(const struct pt_bpf *bpf)
{
	return bpf->refused;
}

int pt_bpf_poll(struct pt_bpf *bpf, int timeout_ms)
{
	/* The programs may submit without a wake-up (batching), so a timed-out
	 * wait still has to look at what is there. */
	bpf->batch = 0;
	int woken = pt_batch_result(bpf, ring_buffer__poll(bpf->ring, timeout_ms));
	if (woken < 0 || bpf->batch >= PT_BATCH_RECORDS)
		return woken;
	int ready = pt_batch_result(bpf, ring_buffer__consume(bpf->ring));
	return ready < 0 ? ready : bpf->batch;
}

int pt_bpf_consume(struct pt_bpf *bpf)
{
	bpf->batch = 0;
	return pt_batch_result(bpf, ring_buffer__consume(bpf->ring));
}

uint64_t pt_bpf_lost(struct pt_bpf *bpf)
{
	uint64_t values[bpf->cpus];
	uint32_t key = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(bpf->skel->maps.lost_records), &key, values))
		return 0;
	uint64_t total = 0;
	for (int i = 0; i < bpf->cpus; i++)
		total += values[i];
	return total;
}

int pt_bpf_snapshot_fd(struct pt_bpf *bpf)
{
	if (!bpf->iter_link)
		return -ENOENT;
	bpf->skel->bss->snapshot_saw_init = false;
	int fd = bpf_iter_create(bpf_link__fd(bpf->iter_link));
	return fd < 0 ? -errno : fd;
}

static void pt_teardown(struct pt_bpf *bpf)
{
	if (!bpf)
		return;
	for (int i = 0; i < bpf->link_count; i++)
		bpf_link__destroy(bpf->links[i]);
	bpf->link_count = 0;
	if (bpf->iter_link)
		bpf_link__destroy(bpf->iter_link);
	bpf->iter_link = NULL;
	if (bpf->ring)
		ring_buffer__free(bpf->ring);
	bpf->ring = NULL;
	if (bpf->skel)
		proctrace_bpf__destroy(bpf->skel);
	bpf->skel = NULL;
}

void pt_bpf_stop(struct pt_bpf *bpf)
{
	if (!bpf)
		return;
	pt_teardown(bpf);
	free(bpf);
}
