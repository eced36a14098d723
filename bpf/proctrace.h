/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records the BPF programs send to user space, byte for byte.
 *
 * This header is the one contract between kernel and user side. It is
 * included by proctrace.bpf.c (with vmlinux.h types) and by the Swift C shim
 * (with <linux/types.h>). Every struct has fixed-width fields, explicit
 * padding and a static size assert; variable-length data (filename, argv,
 * paths) follows the fixed part, and hdr.size always says where the record
 * ends. The Swift decoder in
 * Sources/ProcTraceCore/Decoding/KernelRecordLayout.swift mirrors these offsets
 * and a test compares the two.
 */
#ifndef PROCTRACE_H
#define PROCTRACE_H

#define PT_COMM_LEN 16
#define PT_FILENAME_MAX 4096        /* PATH_MAX, a power of two */
#define PT_ARGS_CAP (256 * 1024)    /* hard cap on --max-args-bytes, a power of two */
#define PT_ARGS_DEFAULT (32 * 1024)
#define PT_PATH_MAX 4096            /* cwd, exe and cgroup paths, each; a power of two */
#define PT_ID_UNSET 0xffffffffu     /* loginuid and sessionid before a login sets them */

enum pt_record_kind {
	PT_FORK = 1,
	PT_EXEC = 2,
	PT_EXIT = 3,
	PT_REAP = 4,
	PT_THREAD_START = 5,
	PT_THREAD_EXIT = 6,
	PT_EXISTS = 7,
	PT_COMM = 8,
	PT_CRED = 9,
	PT_SESSION = 10,
	PT_EXEC_FAILED = 11,
};

/* Which kernel hooks follow reaps, credential and session changes and failed
 * execs (chosen by the loader at start, named in the start record). */
enum pt_hook_mode {
	PT_HOOKS_SYSCALL = 1, /* tp_btf/sys_exit: exact, but every system call of the host pays */
	PT_HOOKS_FENTRY = 2,  /* fentry/fexit on release_task and the few system calls that matter */
	PT_HOOKS_KPROBE = 3,  /* the same functions through kprobes/kretprobes */
	PT_HOOKS_SCHED = 4,   /* scheduler tracepoints only: reaps at free, changes seen at switch-out */
};

/* pt_reap.reason */
enum pt_reap_reason {
	PT_REAP_WAIT = 1,     /* the parent's wait4/waitid returned it; time is exact */
	PT_REAP_AUTO = 2,     /* parent ignores SIGCHLD / SA_NOCLDWAIT: released at exit */
	PT_REAP_FREED = 3,    /* seen only at sched_process_free (RCU-delayed) */
	PT_REAP_RECYCLED = 4, /* its PID was given to a new process: released before that fork */
};

/* pt_header.flags */
#define PT_FLAG_ARGS_TRUNCATED (1u << 0)
#define PT_FLAG_FILENAME_TRUNCATED (1u << 1)
#define PT_FLAG_ZOMBIE (1u << 2)
#define PT_FLAG_KERNEL_THREAD (1u << 3)

/* pt_audit.valid: what the kernel could read (a zombie has no mm, fs or
 * nsproxy any more; a kernel without CONFIG_AUDIT has no loginuid). */
#define PT_AUDIT_LOGINUID (1u << 0)  /* auid and sessionid */
#define PT_AUDIT_TTY (1u << 1)       /* tty (0: no controlling terminal) */
#define PT_AUDIT_CWD (1u << 2)
#define PT_AUDIT_EXE (1u << 3)       /* exe path, inode and device (none for a kernel thread) */
#define PT_AUDIT_CGROUP (1u << 4)
#define PT_AUDIT_NAMESPACES (1u << 5) /* mntns and netns (the nsproxy's) */
#define PT_AUDIT_NSPID (1u << 6)     /* nspid and pidns (the pid's) */
#define PT_AUDIT_EXE_VERSION (1u << 7) /* exe_size, exe_mtime_*, exe_ctime_* */
/* A path longer than PT_PATH_MAX - 1 or deeper than the walk's bound: what
 * was sent is only part of it (user space reports the path as unavailable). */
#define PT_AUDIT_CWD_TRUNCATED (1u << 8)
#define PT_AUDIT_EXE_TRUNCATED (1u << 9)
#define PT_AUDIT_CGROUP_TRUNCATED (1u << 10)

/* The first 40 bytes of every record. */
struct pt_header {
	__u16 kind;       /* enum pt_record_kind */
	__u16 flags;      /* PT_FLAG_* */
	__u32 size;       /* bytes in this record, header included */
	__u64 time_ns;    /* when it happened, CLOCK_BOOTTIME nanoseconds */
	__u64 start_time; /* the process's start, boot nanoseconds (task->start_boottime of the leader) */
	__u32 pid;        /* process id (TGID) */
	__u32 tid;        /* the thread that caused it */
	__u32 ppid;       /* TGID of real_parent */
	__u32 reserved;
};

/* Identity and credentials of a process, as the kernel has them (initial namespaces). */
struct pt_task_info {
	__u32 uid, euid, suid;
	__u32 gid, egid, sgid;
	__u32 sid, pgid;
	char comm[PT_COMM_LEN];
};

/* Who, where and which binary (issue 14), read in the kernel. The three
 * paths follow the record's other variable data, in this order, each
 * *_len bytes without a NUL: cwd, exe (both absolute, walked from the
 * dentry up through the mounts to the root of the process's mount
 * namespace) and cgroup (the default hierarchy's, from its root). */
struct pt_audit {
	__u32 auid;       /* task->loginuid */
	__u32 sessionid;  /* task->sessionid */
	__u32 tty;        /* the controlling terminal's dev_t (major << 20 | minor); 0: none */
	__u32 nspid;      /* the pid in the process's own pid namespace */
	__u32 pidns, mntns, netns, userns; /* ns_common.inum; userns from the credentials, always read */
	__u64 cgroup_id;  /* the cgroup v2 id (kernfs node id, as bpf_get_current_cgroup_id) */
	__u64 exe_inode;
	__u32 exe_dev;    /* dev_t of the exe's superblock (major << 20 | minor) */
	__u32 valid;      /* PT_AUDIT_* */
	__u16 cwd_len, exe_len, cgroup_len;
	__u16 reserved;
	/* The exe's version as stat(2) would report it, so that user space can
	 * find its hash in the cache without a system call. */
	__u64 exe_size;
	__s64 exe_mtime_sec, exe_ctime_sec;
	__u32 exe_mtime_nsec, exe_ctime_nsec;
};

/* Followed by the cgroup path (audit.cgroup_len bytes); the fork's cwd and
 * exe are its parent's, so their lengths are 0. */
struct pt_fork {
	struct pt_header hdr;
	struct pt_task_info info;
	__u64 parent_start_time;
	struct pt_audit audit;
};

/* Followed by filename_len bytes of filename (no NUL), then args_len bytes of
 * the NUL-separated argument area exactly as the new program sees it, then
 * the audit paths. */
struct pt_exec {
	struct pt_header hdr;
	struct pt_task_info info;
	__u32 old_pid;    /* tid that called execve; equals pid unless a non-leader thread exec'd */
	__u32 filename_len;
	__u32 args_len;   /* bytes captured */
	__u32 args_total; /* bytes the argument area really had */
	struct pt_audit audit;
};

struct pt_exit {
	struct pt_header hdr;
	__u32 exit_status; /* the wait(2) status word */
	__u32 reserved;
	char comm[PT_COMM_LEN];
};

struct pt_reap {
	struct pt_header hdr;
	__u32 reaper;      /* TGID of the waiter (0 when unknown) */
	__u32 reason;      /* enum pt_reap_reason */
};

/* thread_start / thread_exit carry only the header (pid = TGID, tid). */

/* One per process from the task iterator, after the probes are attached;
 * followed by the audit paths (hdr.size says where the next one starts). */
struct pt_exists {
	struct pt_header hdr;
	struct pt_task_info info;
	__u32 exit_status; /* meaningful when PT_FLAG_ZOMBIE */
	__u32 reserved;
	struct pt_audit audit;
};

struct pt_comm {
	struct pt_header hdr;
	char comm[PT_COMM_LEN];
};

struct pt_cred {
	struct pt_header hdr;
	struct pt_task_info info;
};

struct pt_session {
	struct pt_header hdr;
	struct pt_task_info info;
};

/* An execve/execveat that returned an error (fentry, kprobe and syscall hooks).
 * Followed by filename_len bytes of the filename as passed (no NUL), then
 * args_len bytes of the arguments, each NUL-terminated, as far as readable. */
#define PT_FAILED_ARGS_CAP 4096 /* a power of two */
#define PT_FAILED_ARGS_MAX 64   /* arguments read at most */
struct pt_exec_failed {
	struct pt_header hdr;
	char comm[PT_COMM_LEN];
	__u32 error;        /* the errno the call returned (positive) */
	__u32 filename_len;
	__u32 args_len;
	__u32 reserved;
};

#define PT_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
PT_STATIC_ASSERT(sizeof(struct pt_header) == 40, "pt_header layout");
PT_STATIC_ASSERT(sizeof(struct pt_task_info) == 48, "pt_task_info layout");
PT_STATIC_ASSERT(sizeof(struct pt_audit) == 96, "pt_audit layout");
PT_STATIC_ASSERT(sizeof(struct pt_fork) == 192, "pt_fork layout");
PT_STATIC_ASSERT(sizeof(struct pt_exec) == 200, "pt_exec layout");
PT_STATIC_ASSERT(sizeof(struct pt_exit) == 64, "pt_exit layout");
PT_STATIC_ASSERT(sizeof(struct pt_reap) == 48, "pt_reap layout");
PT_STATIC_ASSERT(sizeof(struct pt_exists) == 192, "pt_exists layout");
PT_STATIC_ASSERT(sizeof(struct pt_comm) == 56, "pt_comm layout");
PT_STATIC_ASSERT(sizeof(struct pt_cred) == 88, "pt_cred layout");
PT_STATIC_ASSERT(sizeof(struct pt_session) == 88, "pt_session layout");
PT_STATIC_ASSERT(sizeof(struct pt_exec_failed) == 72, "pt_exec_failed layout");

#endif /* PROCTRACE_H */
