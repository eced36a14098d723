// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * proctrace's kernel side: process lifecycle records into one ring buffer.
 *
 * tp_btf programs and a task iterator for the lifecycle itself; reaps,
 * credential and session changes and failed execs come from the hooks the
 * loader chose for this kernel (hook_mode, docs/hooks.md): fentry/fexit,
 * kprobes, scheduler tracepoints only, or the sys_exit tracepoint. Every
 * record that cannot be reserved is counted in a per-CPU counter that user
 * space reports as a `lost` record.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "proctrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Settings, fixed by user space before load. */
const volatile __u32 max_args_bytes = PT_ARGS_DEFAULT;
const volatile bool trace_threads = false;
const volatile __u32 self_tgid = 0;
/* Wake the consumer only once this many bytes wait (0: on every record);
 * the consumer also polls on a short timeout, so nothing waits long. */
const volatile __u64 wakeup_bytes = 0;
/* Chosen by user space from the kernel's BTF (loader.c): whether
 * bpf_get_current_task_btf (5.11+) exists. Without it the current task is
 * a plain address, read through bpf_probe_read_kernel. */
const volatile bool have_current_task_btf = true;
/* enum pt_hook_mode, chosen by the loader; only that mode's programs load. */
const volatile __u32 hook_mode = PT_HOOKS_SYSCALL;

#define SIGCHLD 17
#define SIG_IGN ((void *)1)
#define SA_NOCLDWAIT 2
#define SIGNAL_GROUP_EXIT 0x00000004
#define EXIT_ZOMBIE 32
#define PF_KTHREAD 0x00200000
#define TS_COMPAT 0x0002
#define PIDTYPE_PGID 2
#define PIDTYPE_SID 3
#define WNOWAIT 0x01000000
#define CLD_EXITED 1
#define CLD_DUMPED 3

/* x86_64 system call numbers proctrace follows at sys_exit. */
#define NR_setpgid 109
#define NR_setsid 112
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_wait4 61
#define NR_waitid 247
#define NR_execve 59
#define NR_execveat 322

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024); /* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_records SEC(".maps");

/* Bounds of the path walks: dentries plus mount crossings for cwd and exe,
 * kernfs levels for the cgroup. Deeper paths are marked truncated. */
#ifndef PT_PATH_DEPTH
#define PT_PATH_DEPTH 32
#endif
#define PT_CGROUP_DEPTH 32
#define PT_NAME_LEN 256 /* NAME_MAX and its NUL: the longest cgroup name */

/* Where the paths are put together before they go into a record. */
struct path_scratch {
	/* A dentry path is built backwards, ending at PT_PATH_MAX; the second
	 * half only keeps the masked offsets' worst case inside the buffer. */
	char path[2 * PT_PATH_MAX];
	__u64 names[PT_CGROUP_DEPTH]; /* kernfs names, leaf first */
	__u64 name_count;
	__u64 spill; /* launder()'s */
};

/* exec and fork records: the fixed part, then their variable data. */
struct exec_scratch {
	struct pt_exec rec;
	char data[PT_FILENAME_MAX + PT_ARGS_CAP + 3 * PT_PATH_MAX];
	struct path_scratch paths;
};

/* One scratch buffer per CPU (too large for a per-CPU map); user space sets
 * max_entries to the number of possible CPUs. Tracepoints run with preemption
 * off and a program never nests on its CPU, so a slot is never shared (fork
 * and exec take turns in it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} exec_buffers SEC(".maps");

struct snapshot_scratch {
	struct pt_exists rec;
	char data[3 * PT_PATH_MAX];
	struct path_scratch paths;
};

/* The task iterator's own: it runs preemptible, so it cannot borrow a CPU's
 * exec slot; user space reads one snapshot at a time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct snapshot_scratch);
} snapshot_buffer SEC(".maps");

struct zombie {
	__u64 start_time;
	__u32 parent;
	__u32 reserved;
};

/* Processes that exited and are not yet reaped, so a reap is matched to
 * exactly one lifetime even when its PID is recycled. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * 1024 * 1024);
	__uint(map_flags, 1 /* BPF_F_NO_PREALLOC */);
	__type(key, __u32);
	__type(value, struct zombie);
} zombies SEC(".maps");

/* Processes whose exit was reported, so that when several threads see the
 * group dead at once (each decremented signal->live before any reached the
 * tracepoint) only the first reports it. Removed when the process is freed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * 1024 * 1024);
	__uint(map_flags, 1 /* BPF_F_NO_PREALLOC */);
	__type(key, __u32);
	__type(value, __u64); /* start_time */
} exits_reported SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_records, &zero);
	if (lost)
		*lost += 1;
}

static __always_inline void submit(void *record, __u64 size)
{
	__u64 flags = 0;
	if (wakeup_bytes) {
		__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		flags = waiting + size >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	if (bpf_ringbuf_output(&events, record, size, flags))
		count_lost();
}

/* In tp_btf and iterator programs task pointers are BTF-typed, so fields are
 * read with plain (CO-RE relocated, fault-safe) loads rather than a helper
 * call per field: this runs on every fork and exit of the machine. */
static __always_inline __u32 pid_nr_of(struct pid *pid)
{
	return pid ? pid->numbers[0].nr : 0;
}

static __always_inline void fill_header(struct pt_header *hdr, __u16 kind, __u32 size,
					struct task_struct *task)
{
	struct task_struct *leader = task->group_leader;
	hdr->kind = kind;
	hdr->size = size;
	hdr->time_ns = bpf_ktime_get_boot_ns();
	hdr->start_time = leader->start_boottime;
	hdr->pid = task->tgid;
	hdr->tid = task->pid;
	hdr->ppid = task->real_parent->tgid;
	if (task->flags & PF_KTHREAD)
		hdr->flags |= PT_FLAG_KERNEL_THREAD;
}

static __always_inline void fill_task_info(struct pt_task_info *info, struct task_struct *task)
{
	struct cred *cred = task->real_cred;
	struct signal_struct *signal = task->signal;
	info->uid = cred->uid.val;
	info->euid = cred->euid.val;
	info->suid = cred->suid.val;
	info->gid = cred->gid.val;
	info->egid = cred->egid.val;
	info->sgid = cred->sgid.val;
	info->sid = pid_nr_of(signal->pids[PIDTYPE_SID]);
	info->pgid = pid_nr_of(signal->pids[PIDTYPE_PGID]);
	bpf_probe_read_kernel_str(info->comm, sizeof(info->comm), task->group_leader->comm);
}

/* kernfs_node.parent became __parent in 6.15. */
static __always_inline struct kernfs_node *kernfs_parent_of(struct kernfs_node *kn)
{
	struct kernfs_node___old *old = (void *)kn;
	if (bpf_core_field_exists(old->parent)) {
		struct kernfs_node *parent = old->parent;
		/* Keeps clang from merging the two loads into one at a selected
		 * offset: the absent field's must stay in the branch the
		 * verifier drops. */
		barrier_var(parent);
		return parent;
	}
	return kn->__parent;
}

/* Stores v and reads it back: the verifier then knows only that it is a
 * number, so the paths out of a loop that differ only in v join into one
 * state instead of each being followed through everything after it. */
static __always_inline __u64 launder(__u64 *slot, __u64 v)
{
	*slot = v;
	return *(volatile __u64 *)slot;
}

/* The absolute path of (dentry, vfsmnt) as d_path walks it: up the dentries,
 * across each mount to where it is mounted, to the root of the mount
 * namespace. Built backwards in path[] so that it ends at PT_PATH_MAX;
 * returns where it starts. struct mount is reached by container_of, which
 * BTF-typed pointers cannot do, so the walk reads through probes. */
static __always_inline __u64 walk_path(struct path_scratch *scratch, void *dentry_ptr, void *vfsmnt_ptr,
				       __u32 *valid, __u32 truncated_flag)
{
	char *path = scratch->path;
	struct dentry *dentry = (void *)launder(&scratch->spill, (__u64)dentry_ptr);
	struct vfsmount *vfsmnt = (void *)launder(&scratch->spill, (__u64)vfsmnt_ptr);
	struct mount *mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	struct mount *parent_mnt = BPF_CORE_READ(mnt, mnt_parent);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	__u64 start = PT_PATH_MAX;
	int i;
	for (i = 0; i < PT_PATH_DEPTH; i++) {
		if (dentry == mnt_root) {
			if (mnt == parent_mnt)
				break;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent_mnt;
			parent_mnt = BPF_CORE_READ(mnt, mnt_parent);
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		struct qstr name;
		bpf_core_read(&name, sizeof(name), &dentry->d_name);
		__u64 len = name.len;
		if (len + 1 >= start) { /* start stays above 0: the length fits PT_PATH_MAX - 1 */
			*valid |= truncated_flag;
			break;
		}
		start -= len + 1;
		barrier_var(start); /* clang knows the mask below changes nothing; the verifier does not */
		start &= PT_PATH_MAX - 1;
		len &= PT_PATH_MAX - 1;
		path[start] = '/';
		bpf_probe_read_kernel(path + start + 1, len, name.name);
		/* A root that is no mount's (a pseudo file: memfd, pipe) is its name. */
		if (parent == dentry)
			break;
		dentry = parent;
	}
	if (i == PT_PATH_DEPTH)
		*valid |= truncated_flag;
	if (start == PT_PATH_MAX) {
		start -= 1;
		path[start] = '/';
	}
	return launder(&scratch->spill, start) & (PT_PATH_MAX - 1);
}

/* walk_path into dst; returns the bytes written. */
static __always_inline __u64 put_path(char *dst, struct path_scratch *scratch, void *dentry, void *vfsmnt,
				      __u32 *valid, __u32 truncated_flag)
{
	__u64 start = walk_path(scratch, dentry, vfsmnt, valid, truncated_flag);
	__u64 len = PT_PATH_MAX - start;
	if (bpf_probe_read_kernel(dst, len, scratch->path + start))
		len = 0;
	return launder(&scratch->spill, len) & (PT_PATH_MAX - 1);
}

/* The default hierarchy's path of a cgroup, from its root, into dst:
 * the kernfs names leaf first into names[], then written root first. */
static __always_inline __u64 put_cgroup_path(char *dst, struct path_scratch *scratch, struct kernfs_node *kn,
					     __u32 *valid)
{
	__u64 count = 0;
	int i;
	for (i = 0; i < PT_CGROUP_DEPTH; i++) {
		struct kernfs_node *parent = kernfs_parent_of(kn);
		if (!parent)
			break;
		scratch->names[i] = (__u64)kn->name;
		count++;
		kn = parent;
	}
	if (i == PT_CGROUP_DEPTH)
		*valid |= PT_AUDIT_CGROUP_TRUNCATED;
	/* The next name is counted down in memory, so the second loop is
	 * verified once, not once for every depth the first one found. */
	scratch->name_count = count;
	__u64 len = 0;
	for (i = 0; i < PT_CGROUP_DEPTH; i++) {
		__u64 left = *(volatile __u64 *)&scratch->name_count;
		if (left == 0)
			break;
		scratch->name_count = left - 1;
		if (len > PT_PATH_MAX - PT_NAME_LEN - 1) {
			*valid |= PT_AUDIT_CGROUP_TRUNCATED;
			break;
		}
		dst[len] = '/';
		long got = bpf_probe_read_kernel_str(dst + len + 1, PT_NAME_LEN,
						     (void *)scratch->names[(left - 1) & (PT_CGROUP_DEPTH - 1)]);
		if (got < 1) {
			*valid |= PT_AUDIT_CGROUP_TRUNCATED;
			break;
		}
		len += got; /* the '/' and the name, without its NUL */
		len &= PT_PATH_MAX - 1;
	}
	if (len == 0) { /* the root cgroup */
		dst[0] = '/';
		len = 1;
	}
	return launder(&scratch->spill, len) & (PT_PATH_MAX - 1);
}

/* What fork records carry too: login uid, session, pid namespace level and
 * cgroup. Plain BTF loads except for a pid namespace other than the first. */
static __always_inline __u64 fill_audit_ids(struct pt_audit *audit, struct task_struct *task, char *tail,
					    struct path_scratch *scratch)
{
	if (bpf_core_field_exists(task->loginuid)) {
		audit->auid = task->loginuid.val;
		audit->sessionid = task->sessionid;
		audit->valid |= PT_AUDIT_LOGINUID;
	}
	struct pid *pid = task->thread_pid;
	unsigned int level = pid->level;
	struct pid_namespace *pidns = pid->numbers[0].ns;
	audit->nspid = pid->numbers[0].nr;
	if (level > 0) {
		/* An index BTF-typed pointers cannot take (5.10): from a probed copy. */
		void *pid_addr = BPF_CORE_READ(task, thread_pid);
		struct upid *upid = pid_addr + bpf_core_field_offset(struct pid, numbers) +
				    (__u64)(level & 63) * bpf_core_type_size(struct upid);
		audit->nspid = BPF_CORE_READ(upid, nr);
		pidns = BPF_CORE_READ(upid, ns);
	}
	audit->valid |= PT_AUDIT_NSPID;
	audit->pidns = BPF_CORE_READ(pidns, ns.inum);

	struct cgroup *cgroup = task->cgroups->dfl_cgrp;
	struct kernfs_node *kn = cgroup ? cgroup->kn : NULL;
	if (!kn)
		return 0;
	audit->cgroup_id = kn->id;
	audit->valid |= PT_AUDIT_CGROUP;
	__u64 len = put_cgroup_path(tail, scratch, kn, &audit->valid);
	audit->cgroup_len = len;
	return len;
}

/* Since 6.13 the top bit of the ctime nanoseconds marks a ctime that was
 * read (multigrain timestamps); stat(2) masks it, and so do we. Bit 30 is
 * never part of a nanosecond count either. */
#define PT_NSEC_MASK 0x3fffffffu

/* The exe's size, mtime and ctime in the layout of the running kernel. */
static __always_inline void fill_exe_version(struct pt_audit *audit, struct inode *inode)
{
	struct inode___v67 *v67 = (void *)inode;
	struct inode___v66 *v66 = (void *)inode;
	struct inode___old *old = (void *)inode;

	if (bpf_core_field_exists(inode->i_mtime_sec) && bpf_core_field_exists(inode->i_ctime_nsec)) {
		audit->exe_mtime_sec = inode->i_mtime_sec;
		audit->exe_mtime_nsec = inode->i_mtime_nsec;
		audit->exe_ctime_sec = inode->i_ctime_sec;
		audit->exe_ctime_nsec = inode->i_ctime_nsec;
	} else if (bpf_core_field_exists(v67->__i_mtime)) {
		audit->exe_mtime_sec = v67->__i_mtime.tv_sec;
		audit->exe_mtime_nsec = v67->__i_mtime.tv_nsec;
		audit->exe_ctime_sec = v67->__i_ctime.tv_sec;
		audit->exe_ctime_nsec = v67->__i_ctime.tv_nsec;
	} else if (bpf_core_field_exists(v66->__i_ctime)) {
		audit->exe_mtime_sec = v66->i_mtime.tv_sec;
		audit->exe_mtime_nsec = v66->i_mtime.tv_nsec;
		audit->exe_ctime_sec = v66->__i_ctime.tv_sec;
		audit->exe_ctime_nsec = v66->__i_ctime.tv_nsec;
	} else if (bpf_core_field_exists(old->i_ctime)) {
		audit->exe_mtime_sec = old->i_mtime.tv_sec;
		audit->exe_mtime_nsec = old->i_mtime.tv_nsec;
		audit->exe_ctime_sec = old->i_ctime.tv_sec;
		audit->exe_ctime_nsec = old->i_ctime.tv_nsec;
	} else {
		return;
	}
	audit->exe_mtime_nsec &= PT_NSEC_MASK;
	audit->exe_ctime_nsec &= PT_NSEC_MASK;
	audit->exe_size = inode->i_size;
	audit->valid |= PT_AUDIT_EXE_VERSION;
}

/* Everything pt_audit has, for exec and exists; the paths go at tail, which
 * has room for three of PT_PATH_MAX. Returns the bytes written there. */
static __always_inline __u64 fill_audit(struct pt_audit *audit, struct task_struct *task, char *tail,
					struct path_scratch *scratch)
{
	struct tty_struct *tty = task->signal->tty;
	if (tty) {
		struct tty_driver *driver = tty->driver;
		audit->tty = ((__u32)driver->major << 20) | (__u32)(driver->minor_start + tty->index);
	}
	audit->valid |= PT_AUDIT_TTY;

	audit->userns = task->real_cred->user_ns->ns.inum;
	struct nsproxy *nsproxy = task->nsproxy;
	if (nsproxy) {
		audit->mntns = nsproxy->mnt_ns->ns.inum;
		audit->netns = nsproxy->net_ns->ns.inum;
		audit->valid |= PT_AUDIT_NAMESPACES;
	}

	__u64 used = 0;
	struct fs_struct *fs = task->fs;
	if (fs) {
		used = put_path(tail, scratch, fs->pwd.dentry, fs->pwd.mnt, &audit->valid, PT_AUDIT_CWD_TRUNCATED);
		audit->cwd_len = used;
		audit->valid |= PT_AUDIT_CWD;
	}

	struct mm_struct *mm = task->mm;
	struct file *exe = mm ? mm->exe_file : NULL;
	if (exe) {
		struct inode *inode = exe->f_inode;
		audit->exe_inode = inode->i_ino;
		audit->exe_dev = inode->i_sb->s_dev;
		fill_exe_version(audit, inode);
		__u64 len = put_path(tail + used, scratch, exe->f_path.dentry, exe->f_path.mnt, &audit->valid,
				     PT_AUDIT_EXE_TRUNCATED);
		audit->exe_len = len;
		used += len;
		audit->valid |= PT_AUDIT_EXE;
	} else if (task->flags & PF_KTHREAD) {
		audit->valid |= PT_AUDIT_EXE; /* known: it runs no file */
	}

	return used + fill_audit_ids(audit, task, tail + used, scratch);
}

/* The wait(2) status the parent will see, as wait_task_zombie computes it. */
static __always_inline __u32 wait_status_of(struct task_struct *task)
{
	struct signal_struct *signal = task->signal;
	if (signal->flags & SIGNAL_GROUP_EXIT)
		return signal->group_exit_code;
	return task->group_leader->exit_code;
}

static __always_inline void emit_reap(__u32 pid, __u64 start_time, __u32 reaper, __u32 reason)
{
	struct pt_reap rec = {};
	rec.hdr.kind = PT_REAP;
	rec.hdr.size = sizeof(rec);
	rec.hdr.time_ns = bpf_ktime_get_boot_ns();
	rec.hdr.start_time = start_time;
	rec.hdr.pid = pid;
	rec.hdr.tid = pid;
	rec.reaper = reaper;
	rec.reason = reason;
	submit(&rec, sizeof(rec));
}

/* Report and forget the zombie at pid if it is still tracked. */
static __always_inline void reap_tracked(__u32 pid, __u32 reaper, __u32 reason, __u64 only_start)
{
	struct zombie *z = bpf_map_lookup_elem(&zombies, &pid);
	if (!z)
		return;
	__u64 start_time = z->start_time;
	if (only_start && start_time != only_start)
		return;
	if (bpf_map_delete_elem(&zombies, &pid) == 0)
		emit_reap(pid, start_time, reaper, reason);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = child->tgid;
	if (self_tgid && tgid == self_tgid)
		return 0;

	if (child->pid != tgid) {
		if (trace_threads) {
			struct pt_header hdr = {};
			fill_header(&hdr, PT_THREAD_START, sizeof(hdr), child);
			submit(&hdr, sizeof(hdr));
		}
		return 0;
	}

	/* The PID was free, so whatever held it before was released by now. */
	reap_tracked(tgid, 0, PT_REAP_RECYCLED, 0);

	__u32 cpu = bpf_get_smp_processor_id();
	struct exec_scratch *buf = bpf_map_lookup_elem(&exec_buffers, &cpu);
	if (!buf) {
		count_lost();
		return 0;
	}
	struct pt_fork *rec = (void *)&buf->rec;
	__builtin_memset(rec, 0, sizeof(*rec));
	fill_header(&rec->hdr, PT_FORK, 0, child);
	fill_task_info(&rec->info, child);
	rec->parent_start_time = child->real_parent->group_leader->start_boottime;
	__u64 size = sizeof(*rec) + fill_audit_ids(&rec->audit, child, (char *)(rec + 1), &buf->paths);
	rec->hdr.size = size;
	if (size > sizeof(struct pt_fork) + PT_PATH_MAX)
		return 0; /* unreachable; keeps the verifier's bounds simple */
	submit(rec, size);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct exec_scratch *buf = bpf_map_lookup_elem(&exec_buffers, &cpu);
	if (!buf) {
		count_lost();
		return 0;
	}
	struct pt_exec *rec = &buf->rec;
	__builtin_memset(rec, 0, sizeof(*rec));
	fill_header(&rec->hdr, PT_EXEC, 0, task);
	fill_task_info(&rec->info, task);
	rec->old_pid = old_pid;

	long filename_len = bpf_probe_read_kernel_str(buf->data, PT_FILENAME_MAX, BPF_CORE_READ(bprm, filename));
	if (filename_len < 1)
		filename_len = 1;
	filename_len -= 1; /* without the NUL */
	if (filename_len >= PT_FILENAME_MAX - 1)
		rec->hdr.flags |= PT_FLAG_FILENAME_TRUNCATED;
	filename_len &= PT_FILENAME_MAX - 1;
	rec->filename_len = filename_len;

	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
	__u64 total = arg_end > arg_start ? arg_end - arg_start : 0;
	__u64 wanted = total;
	if (wanted > max_args_bytes) {
		wanted = max_args_bytes;
		rec->hdr.flags |= PT_FLAG_ARGS_TRUNCATED;
	}
	if (wanted > PT_ARGS_CAP) {
		wanted = PT_ARGS_CAP;
		rec->hdr.flags |= PT_FLAG_ARGS_TRUNCATED;
	}
	__u32 args_len = wanted;
	args_len &= (PT_ARGS_CAP * 2) - 1;
	if (args_len > PT_ARGS_CAP)
		args_len = PT_ARGS_CAP;
	if (args_len && bpf_probe_read_user(buf->data + filename_len, args_len, (void *)arg_start)) {
		args_len = 0;
		rec->hdr.flags |= PT_FLAG_ARGS_TRUNCATED;
	}
	rec->args_len = args_len;
	rec->args_total = total > 0xffffffffULL ? 0xffffffffU : (__u32)total;

	__u64 used = (__u64)filename_len + args_len;
	if (used > PT_FILENAME_MAX + PT_ARGS_CAP)
		return 0; /* unreachable; keeps the verifier's bounds simple */
	__u64 size = sizeof(*rec) + used + fill_audit(&rec->audit, task, buf->data + used, &buf->paths);
	rec->hdr.size = size;
	if (size > sizeof(*buf))
		return 0; /* unreachable; keeps the verifier's bounds simple */
	submit(buf, size);
	return 0;
}

/* True for exactly one caller per (tgid, start_time). */
static __always_inline bool claim_exit(__u32 tgid, __u64 start_time)
{
	__u64 *reported = bpf_map_lookup_elem(&exits_reported, &tgid);
	if (reported) {
		if (*reported == start_time)
			return false;
		/* An earlier process under this PID, not yet freed. */
		bpf_map_delete_elem(&exits_reported, &tgid);
	}
	long err = bpf_map_update_elem(&exits_reported, &tgid, &start_time, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another thread claimed it */)
		return false;
	if (err)
		count_lost(); /* map full: report, even at the risk of a second report */
	return true;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	if (self_tgid && tgid == self_tgid)
		return 0;

	/* signal->live is already decremented here: zero means the whole
	 * process is gone, not just this thread (which also covers the old
	 * leader that dies when a non-leader thread execs). Threads exiting
	 * together may all read zero; the first to claim the exit reports it. */
	bool group_dead = task->signal->live.counter == 0 && claim_exit(tgid, task->group_leader->start_boottime);
	if (!group_dead) {
		if (trace_threads) {
			struct pt_header hdr = {};
			fill_header(&hdr, PT_THREAD_EXIT, sizeof(hdr), task);
			submit(&hdr, sizeof(hdr));
		}
		return 0;
	}

	struct pt_exit rec = {};
	fill_header(&rec.hdr, PT_EXIT, sizeof(rec), task);
	rec.exit_status = wait_status_of(task);
	struct task_struct *leader = task->group_leader;
	bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), leader->comm);
	submit(&rec, sizeof(rec));

	/* Will the parent release it at once (SIGCHLD ignored or SA_NOCLDWAIT)? */
	struct k_sigaction *sigchld = &leader->real_parent->sighand->action[SIGCHLD - 1];
	void *handler = sigchld->sa.sa_handler;
	unsigned long sa_flags = sigchld->sa.sa_flags;
	bool autoreap = leader->exit_signal == SIGCHLD && !leader->ptrace &&
			(handler == SIG_IGN || (sa_flags & SA_NOCLDWAIT));
	if (autoreap) {
		emit_reap(tgid, rec.hdr.start_time, rec.hdr.ppid, PT_REAP_AUTO);
		return 0;
	}
	struct zombie z = { .start_time = rec.hdr.start_time, .parent = rec.hdr.ppid };
	if (bpf_map_update_elem(&zombies, &tgid, &z, BPF_ANY))
		count_lost();
	return 0;
}

/* RCU-delayed: the last chance to report a release no wait(2) showed us. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(handle_free, struct task_struct *task)
{
	__u32 pid = BPF_CORE_READ(task, pid);
	if (pid != BPF_CORE_READ(task, tgid))
		return 0;
	__u64 start_time = BPF_CORE_READ(task, start_boottime);
	__u64 *reported = bpf_map_lookup_elem(&exits_reported, &pid);
	if (reported && *reported == start_time)
		bpf_map_delete_elem(&exits_reported, &pid);
	/* With scheduler hooks only, free is where every wait(2) reap is seen:
	 * the releaser is the real parent at release (init or a subreaper once
	 * the first parent died), which the task still points to. */
	__u32 reaper = 0;
	if (hook_mode == PT_HOOKS_SCHED) {
		reaper = BPF_CORE_READ(task, real_parent, tgid);
		if (!reaper) {
			struct zombie *z = bpf_map_lookup_elem(&zombies, &pid);
			reaper = z ? z->parent : 0;
		}
	}
	reap_tracked(pid, reaper, PT_REAP_FREED, start_time);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(handle_rename, struct task_struct *task, const char *comm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (BPF_CORE_READ(task, pid) != tgid || (self_tgid && tgid == self_tgid))
		return 0;
	/* exec renames the task itself; its exec record carries the new comm. */
	if (bpf_core_field_exists(task->in_execve) && BPF_CORE_READ_BITFIELD_PROBED(task, in_execve))
		return 0;
	struct pt_comm rec = {};
	fill_header(&rec.hdr, PT_COMM, sizeof(rec), task);
	bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), comm);
	submit(&rec, sizeof(rec));
	return 0;
}

static __always_inline void handle_wait_return(struct task_struct *task, struct pt_regs *regs,
					       long nr, long ret)
{
	__u32 reaped = 0;
	if (nr == NR_wait4) {
		if (ret <= 0)
			return;
		reaped = ret;
	} else {
		if (ret != 0)
			return;
		unsigned long options = BPF_CORE_READ(regs, r10);
		if (options & WNOWAIT)
			return;
		void *infop = (void *)BPF_CORE_READ(regs, dx);
		if (!infop)
			return;
		int fields[6] = {}; /* si_signo, si_errno, si_code, pad, si_pid, si_uid */
		if (bpf_probe_read_user(fields, sizeof(fields), infop))
			return;
		if (fields[2] < CLD_EXITED || fields[2] > CLD_DUMPED)
			return;
		reaped = fields[4];
	}
	if (!reaped)
		return;
	/* Only a waiter in the initial PID namespace returns global PIDs, and
	 * only the zombie's parent (or init) releases it; anything else is left
	 * to sched_process_free. */
	if (BPF_CORE_READ(task, thread_pid, level) != 0)
		return;
	struct zombie *z = bpf_map_lookup_elem(&zombies, &reaped);
	if (!z)
		return;
	__u32 waiter = BPF_CORE_READ(task, tgid);
	if (z->parent != waiter && waiter != 1)
		return;
	reap_tracked(reaped, waiter, PT_REAP_WAIT, 0);
}

/* fill_header and fill_task_info for a task pointer that may not be
 * BTF-typed (the current task on kernels before 5.11): every field through
 * bpf_probe_read_kernel. Used only at the rare system calls sys_exit follows. */
static __always_inline void fill_header_probed(struct pt_header *hdr, __u16 kind, __u32 size,
					       struct task_struct *task)
{
	hdr->kind = kind;
	hdr->size = size;
	hdr->time_ns = bpf_ktime_get_boot_ns();
	hdr->start_time = BPF_CORE_READ(task, group_leader, start_boottime);
	hdr->pid = BPF_CORE_READ(task, tgid);
	hdr->tid = BPF_CORE_READ(task, pid);
	hdr->ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		hdr->flags |= PT_FLAG_KERNEL_THREAD;
}

static __always_inline __u32 pid_nr_probed(struct pid *pid)
{
	return pid ? BPF_CORE_READ(pid, numbers[0].nr) : 0;
}

static __always_inline void fill_task_info_probed(struct pt_task_info *info, struct task_struct *task)
{
	struct cred *cred = (struct cred *)BPF_CORE_READ(task, real_cred);
	info->uid = BPF_CORE_READ(cred, uid.val);
	info->euid = BPF_CORE_READ(cred, euid.val);
	info->suid = BPF_CORE_READ(cred, suid.val);
	info->gid = BPF_CORE_READ(cred, gid.val);
	info->egid = BPF_CORE_READ(cred, egid.val);
	info->sgid = BPF_CORE_READ(cred, sgid.val);
	info->sid = pid_nr_probed(BPF_CORE_READ(task, signal, pids[PIDTYPE_SID]));
	info->pgid = pid_nr_probed(BPF_CORE_READ(task, signal, pids[PIDTYPE_PGID]));
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	bpf_probe_read_kernel_str(info->comm, sizeof(info->comm), &leader->comm);
}

static __always_inline void emit_task_info_record(__u16 kind, struct task_struct *task)
{
	struct pt_cred rec = {};
	fill_header_probed(&rec.hdr, kind, sizeof(rec), task);
	fill_task_info_probed(&rec.info, task);
	submit(&rec, sizeof(rec));
}

/* A failed execve/execveat: the filename and arguments are re-read from the
 * caller's memory, which still holds them (the old image stays on failure). */
static __always_inline void emit_exec_failed(struct task_struct *task, const char *filename,
					     const char *const *argv, long ret)
{
	struct pt_exec_failed *rec = bpf_ringbuf_reserve(&events, sizeof(*rec) + PT_FILENAME_MAX + 2 * PT_FAILED_ARGS_CAP, 0);
	if (!rec) {
		count_lost();
		return;
	}
	char *data = (char *)(rec + 1);
	rec->hdr.flags = 0;
	fill_header_probed(&rec->hdr, PT_EXEC_FAILED, 0, task);
	rec->hdr.reserved = 0;
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	bpf_probe_read_kernel_str(rec->comm, sizeof(rec->comm), &leader->comm);
	rec->error = -ret;
	rec->reserved = 0;

	long filename_len = bpf_probe_read_user_str(data, PT_FILENAME_MAX, filename);
	if (filename_len < 1)
		filename_len = 1;
	filename_len -= 1;
	if (filename_len >= PT_FILENAME_MAX - 1)
		rec->hdr.flags |= PT_FLAG_FILENAME_TRUNCATED;
	filename_len &= PT_FILENAME_MAX - 1;
	rec->filename_len = filename_len;

	__u32 used = 0;
	for (int i = 0; i < PT_FAILED_ARGS_MAX && argv; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		if (used >= PT_FAILED_ARGS_CAP) {
			rec->hdr.flags |= PT_FLAG_ARGS_TRUNCATED;
			break;
		}
		__u32 at = (filename_len + used) & (PT_FILENAME_MAX + PT_FAILED_ARGS_CAP - 1);
		long n = bpf_probe_read_user_str(data + at, PT_FAILED_ARGS_CAP, arg);
		if (n < 1) {
			rec->hdr.flags |= PT_FLAG_ARGS_TRUNCATED;
			break;
		}
		used += n;
	}
	if (used > PT_FAILED_ARGS_CAP) {
		used = PT_FAILED_ARGS_CAP;
		rec->hdr.flags |= PT_FLAG_ARGS_TRUNCATED;
	}
	rec->args_len = used;
	rec->hdr.size = sizeof(*rec) + filename_len + used;

	__u64 flags = 0;
	if (wakeup_bytes) {
		__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		flags = waiting + rec->hdr.size >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	bpf_ringbuf_submit(rec, flags);
}

/* What a returning system call means for the log, whichever hook saw it
 * return: the sys_exit tracepoint, fexit or a kretprobe. regs are the
 * caller's saved registers (the arguments), ret the result. */
static __always_inline void follow_syscall(struct task_struct *task, struct pt_regs *regs,
					   long nr, long ret)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (self_tgid && tgid == self_tgid)
		return;
	if (nr == NR_execve || nr == NR_execveat) {
		if (ret >= 0 || !regs)
			return;
		if (nr == NR_execve)
			emit_exec_failed(task, (const char *)BPF_CORE_READ(regs, di),
					 (const char *const *)BPF_CORE_READ(regs, si), ret);
		else
			emit_exec_failed(task, (const char *)BPF_CORE_READ(regs, si),
					 (const char *const *)BPF_CORE_READ(regs, dx), ret);
		return;
	}
	if (ret < 0)
		return;
	if (nr == NR_setsid || nr == NR_setpgid) {
		/* setpgid may move a child; its own record follows from its pid. */
		if (nr == NR_setpgid && regs) {
			__u32 target = BPF_CORE_READ(regs, di);
			if (target && target != tgid) {
				struct pt_session rec = {};
				fill_header_probed(&rec.hdr, PT_SESSION, sizeof(rec), task);
				fill_task_info_probed(&rec.info, task);
				__u32 pgid = BPF_CORE_READ(regs, si);
				rec.hdr.pid = target;
				rec.hdr.tid = target;
				rec.hdr.ppid = tgid;
				rec.hdr.start_time = 0;
				rec.info.pgid = pgid ? pgid : target;
				submit(&rec, sizeof(rec));
				return;
			}
		}
		emit_task_info_record(PT_SESSION, task);
		return;
	}
	/* Credentials are per thread; glibc applies them to every thread, so
	 * the leader's change is the process's. */
	if (BPF_CORE_READ(task, pid) != tgid)
		return;
	emit_task_info_record(PT_CRED, task);
}

static __always_inline struct task_struct *current_task(void)
{
	return have_current_task_btf ? bpf_get_current_task_btf() : (struct task_struct *)bpf_get_current_task();
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	/* Runs on every system call of the machine: one plain load, then out. */
	long nr = regs->orig_ax;
	switch (nr) {
	case NR_wait4:
	case NR_waitid:
	case NR_setsid:
	case NR_setpgid:
	case NR_setuid:
	case NR_setgid:
	case NR_setreuid:
	case NR_setregid:
	case NR_setresuid:
	case NR_setresgid:
	case NR_execve:
	case NR_execveat:
		break;
	default:
		return 0;
	}
	struct task_struct *task = current_task();
	if (BPF_CORE_READ(task, thread_info.status) & TS_COMPAT)
		return 0; /* 32-bit system call numbers differ */
	if (nr == NR_wait4 || nr == NR_waitid) {
		handle_wait_return(task, regs, nr, ret);
		return 0;
	}
	follow_syscall(task, regs, nr, ret);
	return 0;
}

/* ---- fentry/fexit and kprobe modes: only the functions that matter ---- */

/* release_task runs in the releaser: the waiter inside wait(2) (the exact
 * reaper and time), the exiting task itself when its parent autoreaps
 * (already reported at exit), or a tracer or de_thread. Only a release by
 * the real parent's process (init or a subreaper after reparenting) is a
 * wait; anything else is left to sched_process_free, as at sys_exit. */
static __always_inline void follow_release(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (BPF_CORE_READ(p, pid) != tgid)
		return;
	__u32 parent = BPF_CORE_READ(p, real_parent, tgid);
	__u32 releaser = BPF_CORE_READ(current_task(), tgid);
	if (releaser != parent)
		return;
	reap_tracked(tgid, releaser, PT_REAP_WAIT, BPF_CORE_READ(p, start_boottime));
}

SEC("fentry/release_task")
int BPF_PROG(fentry_release_task, struct task_struct *p)
{
	follow_release(p);
	return 0;
}

#define FEXIT_SYSCALL(fn, nr)                                                        \
	SEC("fexit/" #fn)                                                            \
	int BPF_PROG(fexit_##fn, const struct pt_regs *regs, long ret)               \
	{                                                                            \
		follow_syscall(current_task(), (struct pt_regs *)regs, nr, ret);     \
		return 0;                                                            \
	}

FEXIT_SYSCALL(__x64_sys_setuid, NR_setuid)
FEXIT_SYSCALL(__x64_sys_setgid, NR_setgid)
FEXIT_SYSCALL(__x64_sys_setreuid, NR_setreuid)
FEXIT_SYSCALL(__x64_sys_setregid, NR_setregid)
FEXIT_SYSCALL(__x64_sys_setresuid, NR_setresuid)
FEXIT_SYSCALL(__x64_sys_setresgid, NR_setresgid)
FEXIT_SYSCALL(__x64_sys_setpgid, NR_setpgid)
FEXIT_SYSCALL(__x64_sys_execve, NR_execve)
FEXIT_SYSCALL(__x64_sys_execveat, NR_execveat)

/* 5.10's BTF gives these functions' argument as a pointer to a forward
 * declaration, which its verifier will not let a program read. The loader
 * then loads these instead: the caller's registers are where every system
 * call keeps them, at the top of its kernel stack (x86_64: 16 KiB, no padding
 * before FRED, which such kernels lack). Only the return value is read. */
#define X86_64_THREAD_SIZE (16 * 1024)
#define FEXIT_SYSCALL_STACK_ARGS(fn, nr)                                             \
	SEC("fexit/" #fn)                                                            \
	int fexit_stack_##fn(unsigned long long *ctx)                                \
	{                                                                            \
		struct task_struct *task = current_task();                           \
		char *stack = BPF_CORE_READ(task, stack);                            \
		struct pt_regs *regs = (struct pt_regs *)(stack + X86_64_THREAD_SIZE \
				       - bpf_core_type_size(struct pt_regs));        \
		follow_syscall(task, regs, nr, (long)ctx[1]);                        \
		return 0;                                                            \
	}

FEXIT_SYSCALL_STACK_ARGS(__x64_sys_setpgid, NR_setpgid)
FEXIT_SYSCALL_STACK_ARGS(__x64_sys_execve, NR_execve)
FEXIT_SYSCALL_STACK_ARGS(__x64_sys_execveat, NR_execveat)

/* setsid has no arguments, so its x64 wrapper is not in BTF everywhere. */
SEC("fexit/ksys_setsid")
int BPF_PROG(fexit_ksys_setsid, int ret)
{
	follow_syscall(current_task(), NULL, NR_setsid, ret);
	return 0;
}

/* A kretprobe sees only the result: the entry probe keeps the pointer to the
 * caller's saved registers (the arguments) for the return. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, __u64); /* const struct pt_regs * */
} syscall_regs SEC(".maps");

static __always_inline void keep_regs(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 regs = ctx->di;
	bpf_map_update_elem(&syscall_regs, &id, &regs, BPF_ANY);
}

static __always_inline struct pt_regs *take_regs(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *regs = bpf_map_lookup_elem(&syscall_regs, &id);
	if (!regs)
		return NULL;
	struct pt_regs *found = (struct pt_regs *)*regs;
	bpf_map_delete_elem(&syscall_regs, &id);
	return found;
}

SEC("kprobe/release_task")
int kprobe_release_task(struct pt_regs *ctx)
{
	follow_release((struct task_struct *)ctx->di);
	return 0;
}

#define KRETPROBE_SYSCALL(fn, nr)                                                    \
	SEC("kretprobe/" #fn)                                                        \
	int kretprobe_##fn(struct pt_regs *ctx)                                      \
	{                                                                            \
		follow_syscall(current_task(), NULL, nr, ctx->ax);                   \
		return 0;                                                            \
	}

#define KPROBE_SYSCALL_WITH_ARGS(fn, nr)                                             \
	SEC("kprobe/" #fn)                                                           \
	int kprobe_##fn(struct pt_regs *ctx)                                         \
	{                                                                            \
		keep_regs(ctx);                                                      \
		return 0;                                                            \
	}                                                                            \
	SEC("kretprobe/" #fn)                                                        \
	int kretprobe_##fn(struct pt_regs *ctx)                                      \
	{                                                                            \
		struct pt_regs *regs = take_regs();                                  \
		if (regs)                                                            \
			follow_syscall(current_task(), regs, nr, ctx->ax);           \
		return 0;                                                            \
	}

KRETPROBE_SYSCALL(__x64_sys_setuid, NR_setuid)
KRETPROBE_SYSCALL(__x64_sys_setgid, NR_setgid)
KRETPROBE_SYSCALL(__x64_sys_setreuid, NR_setreuid)
KRETPROBE_SYSCALL(__x64_sys_setregid, NR_setregid)
KRETPROBE_SYSCALL(__x64_sys_setresuid, NR_setresuid)
KRETPROBE_SYSCALL(__x64_sys_setresgid, NR_setresgid)
KRETPROBE_SYSCALL(ksys_setsid, NR_setsid)
KPROBE_SYSCALL_WITH_ARGS(__x64_sys_setpgid, NR_setpgid)
KPROBE_SYSCALL_WITH_ARGS(__x64_sys_execve, NR_execve)
KPROBE_SYSCALL_WITH_ARGS(__x64_sys_execveat, NR_execveat)

/* ---- sched mode: no hook on any system call ---- */

/* The credentials and session a process had when last looked at, kept with
 * the task (freed with it). Compared at every switch-out of a leader: a
 * change made by set*id, setsid or setpgid shows at the next one. */
struct task_ids {
	__u32 uid, euid, suid, gid, egid, sgid;
	__u32 sid, pgid;
	__u32 seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, 1 /* BPF_F_NO_PREALLOC */);
	__type(key, int);
	__type(value, struct task_ids);
} task_ids SEC(".maps");

static __always_inline void read_ids(struct task_ids *ids, struct task_struct *task)
{
	struct cred *cred = task->real_cred;
	struct signal_struct *signal = task->signal;
	ids->uid = cred->uid.val;
	ids->euid = cred->euid.val;
	ids->suid = cred->suid.val;
	ids->gid = cred->gid.val;
	ids->egid = cred->egid.val;
	ids->sgid = cred->sgid.val;
	ids->sid = pid_nr_of(signal->pids[PIDTYPE_SID]);
	ids->pgid = pid_nr_of(signal->pids[PIDTYPE_PGID]);
	ids->seen = 1;
}

/* Storage is created only in process context (fork, exec, the seeding
 * iterator): allocating under the scheduler's run-queue lock at a switch
 * could deadlock on kernels whose local storage uses kmalloc. */
static __always_inline struct task_ids *ids_of(struct task_struct *task, __u64 flags)
{
	if (task->pid != task->tgid || (task->flags & PF_KTHREAD))
		return NULL;
	if (self_tgid && task->tgid == self_tgid)
		return NULL;
	return bpf_task_storage_get(&task_ids, task, 0, flags);
}

/* Records what changed since the last look. */
static __always_inline void notice_changes(struct task_struct *task)
{
	struct task_ids *kept = ids_of(task, 0);
	if (!kept || !kept->seen)
		return;
	struct task_ids now = {};
	read_ids(&now, task);
	bool cred_changed = now.uid != kept->uid || now.euid != kept->euid || now.suid != kept->suid ||
			    now.gid != kept->gid || now.egid != kept->egid || now.sgid != kept->sgid;
	bool session_changed = now.sid != kept->sid || now.pgid != kept->pgid;
	if (!cred_changed && !session_changed)
		return;
	*kept = now;
	struct pt_cred rec = {};
	fill_header(&rec.hdr, cred_changed ? PT_CRED : PT_SESSION, sizeof(rec), task);
	fill_task_info(&rec.info, task);
	submit(&rec, sizeof(rec));
	if (cred_changed && session_changed) {
		rec.hdr.kind = PT_SESSION;
		submit(&rec, sizeof(rec));
	}
}

/* Whether the task is inside execve (5.10 to 6.18 have the bit; without
 * it, never). */
static __always_inline bool in_execve(struct task_struct *task)
{
	return bpf_core_field_exists(task->in_execve) && BPF_CORE_READ_BITFIELD(task, in_execve);
}

/* Only when the mode is sched: the loader attaches these before the
 * lifecycle programs, so a change made just before exit is written
 * before the exit record. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_mode_switch, bool preempt, struct task_struct *prev)
{
	if (prev->exit_state)
		return 0; /* its last switch-out; sched_mode_exit looked already */
	/* Inside execve the credentials may already be the new program's
	 * (set-uid): what came before was looked at when the exec renamed the
	 * task, what the exec sets is in its exec record. */
	if (in_execve(prev))
		return 0;
	notice_changes(prev);
	return 0;
}

/* An exec renames the task after its point of no return and before it
 * commits the new program's credentials (fs/exec.c begin_new_exec): the
 * last moment the process still has the ids it set before execve. A change
 * not yet seen is recorded here, before the exec record. */
SEC("tp_btf/task_rename")
int BPF_PROG(sched_mode_exec_rename, struct task_struct *task, const char *comm)
{
	if (in_execve(task))
		notice_changes(task);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_mode_exit, struct task_struct *task)
{
	notice_changes(task);
	return 0;
}

/* A child starts with what its fork record says. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_mode_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_ids *kept = ids_of(child, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (kept)
		read_ids(kept, child);
	return 0;
}

/* An exec (setuid or not) writes its credentials in the exec record. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_mode_exec, struct task_struct *task)
{
	struct task_ids *kept = ids_of(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (kept)
		read_ids(kept, task);
	return 0;
}

/* Run once by the loader after attaching: what every process already
 * running has now is its starting state. */
SEC("iter/task")
int sched_mode_seed(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	struct task_ids *kept = ids_of(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (kept && !kept->seen)
		read_ids(kept, task);
	return 0;
}

/* The task iterator never visits PID 1 (it starts from the next PID), so
 * init is reported through the first task whose real parent it is. User
 * space clears this before each snapshot. */
bool snapshot_saw_init = false;

static __always_inline void snapshot_one(struct seq_file *seq, struct task_struct *task)
{
	__u32 zero = 0;
	struct snapshot_scratch *buf = bpf_map_lookup_elem(&snapshot_buffer, &zero);
	if (!buf)
		return;
	struct pt_exists *rec = &buf->rec;
	__builtin_memset(rec, 0, sizeof(*rec));
	fill_header(&rec->hdr, PT_EXISTS, 0, task);
	fill_task_info(&rec->info, task);
	if (BPF_CORE_READ(task, exit_state) == EXIT_ZOMBIE && BPF_CORE_READ(task, signal, live.counter) == 0) {
		__u32 tgid = rec->hdr.pid;
		rec->hdr.flags |= PT_FLAG_ZOMBIE;
		rec->exit_status = wait_status_of(task);
		struct zombie z = { .start_time = rec->hdr.start_time, .parent = rec->hdr.ppid };
		bpf_map_update_elem(&zombies, &tgid, &z, BPF_NOEXIST);
	}
	__u64 size = sizeof(*rec) + fill_audit(&rec->audit, task, buf->data, &buf->paths);
	rec->hdr.size = size;
	if (size > sizeof(*rec) + sizeof(buf->data))
		return; /* unreachable; keeps the verifier's bounds simple */
	bpf_seq_write(seq, rec, size);
}

SEC("iter/task")
int snapshot_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	if (task->pid != task->tgid)
		return 0;
	if (!snapshot_saw_init) {
		/* real_parent is the thread that forked: compare its process. */
		struct task_struct *parent = task->real_parent;
		if (parent && BPF_CORE_READ(parent, tgid) == 1) {
			snapshot_saw_init = true;
			snapshot_one(seq, parent->group_leader);
		}
	}
	if (task->pid == 1)
		snapshot_saw_init = true;
	snapshot_one(seq, task);
	return 0;
}
