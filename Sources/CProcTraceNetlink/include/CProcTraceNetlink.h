#ifndef CPROCTRACE_NETLINK_H
#define CPROCTRACE_NETLINK_H

/*
 * What Swift cannot import from the netlink proc connector headers: the
 * NLMSG_* macros, CN_* and PROC_CN_* constants, and the layout of
 * struct nlmsghdr / struct cn_msg / struct proc_event (ProcTraceCore mirrors
 * the offsets to parse datagrams without C; the tests compare the two).
 */

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h> /* struct sockaddr_nl */

enum {
	PTNL_NETLINK_CONNECTOR = 11,  /* NETLINK_CONNECTOR */
	PTNL_CN_IDX_PROC = 1,         /* CN_IDX_PROC: also the multicast group to bind to */
	PTNL_CN_VAL_PROC = 1,         /* CN_VAL_PROC */
	PTNL_PROC_CN_MCAST_LISTEN = 1,
	PTNL_PROC_CN_MCAST_IGNORE = 2,
	PTNL_SO_RCVBUFFORCE = 33,
};

/* Writes into `buffer` the datagram that subscribes (PTNL_PROC_CN_MCAST_LISTEN)
 * or unsubscribes (PTNL_PROC_CN_MCAST_IGNORE) `port_id` to process events.
 * Returns its length, or 0 when `capacity` is too small. */
size_t ptnl_build_mcast_message(void *buffer, size_t capacity, uint32_t op, uint32_t port_id);

/* Offsets and sizes as the C compiler lays them out. */
struct ptnl_layout {
	size_t nlmsg_header_length;    /* NLMSG_HDRLEN */
	size_t nlmsg_alignment;        /* NLMSG_ALIGNTO */
	size_t cn_msg_header_length;   /* sizeof(struct cn_msg) */
	size_t cn_msg_idx, cn_msg_val, cn_msg_len;
	size_t proc_event_what, proc_event_cpu, proc_event_timestamp, proc_event_data;
	size_t proc_event_size;        /* sizeof(struct proc_event) */
	size_t task_pid, task_tgid;    /* the first two fields of every event but ack */
	size_t fork_parent_pid, fork_parent_tgid, fork_child_pid, fork_child_tgid;
	size_t id_ruid, id_euid;
	size_t ptrace_tracer_pid, ptrace_tracer_tgid;
	size_t comm_comm;
	size_t coredump_parent_pid, coredump_parent_tgid;
	size_t exit_code, exit_signal, exit_parent_pid, exit_parent_tgid;
	size_t exit_size;              /* sizeof(struct exit_proc_event) */
};

struct ptnl_layout ptnl_layout(void);

#endif
