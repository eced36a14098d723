#include "CProcTraceNetlink.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <string.h>

_Static_assert(PTNL_NETLINK_CONNECTOR == NETLINK_CONNECTOR, "NETLINK_CONNECTOR");
_Static_assert(PTNL_CN_IDX_PROC == CN_IDX_PROC && PTNL_CN_VAL_PROC == CN_VAL_PROC, "CN_*_PROC");
_Static_assert(PTNL_PROC_CN_MCAST_LISTEN == PROC_CN_MCAST_LISTEN, "PROC_CN_MCAST_LISTEN");
_Static_assert(PTNL_PROC_CN_MCAST_IGNORE == PROC_CN_MCAST_IGNORE, "PROC_CN_MCAST_IGNORE");

size_t ptnl_build_mcast_message(void *buffer, size_t capacity, uint32_t op, uint32_t port_id)
{
	const size_t payload = sizeof(struct cn_msg) + sizeof(op);
	const size_t length = NLMSG_LENGTH(payload);
	if (capacity < NLMSG_SPACE(payload))
		return 0;
	memset(buffer, 0, NLMSG_SPACE(payload));

	struct nlmsghdr *header = buffer;
	header->nlmsg_len = length;
	header->nlmsg_type = NLMSG_DONE;
	header->nlmsg_pid = port_id;

	struct cn_msg *message = NLMSG_DATA(header);
	message->id.idx = CN_IDX_PROC;
	message->id.val = CN_VAL_PROC;
	message->len = sizeof(op);
	memcpy(message->data, &op, sizeof(op));
	return length;
}

struct ptnl_layout ptnl_layout(void)
{
	struct proc_event ev;
	const size_t data = offsetof(struct proc_event, event_data);
#define AT(member) (data + (size_t)((char *)&ev.event_data.member - (char *)&ev.event_data))
	return (struct ptnl_layout){
		.nlmsg_header_length = NLMSG_HDRLEN,
		.nlmsg_alignment = NLMSG_ALIGNTO,
		.cn_msg_header_length = sizeof(struct cn_msg),
		.cn_msg_idx = offsetof(struct cn_msg, id.idx),
		.cn_msg_val = offsetof(struct cn_msg, id.val),
		.cn_msg_len = offsetof(struct cn_msg, len),
		.proc_event_what = offsetof(struct proc_event, what),
		.proc_event_cpu = offsetof(struct proc_event, cpu),
		.proc_event_timestamp = offsetof(struct proc_event, timestamp_ns),
		.proc_event_data = data,
		.proc_event_size = sizeof(struct proc_event),
		.task_pid = AT(exec.process_pid),
		.task_tgid = AT(exec.process_tgid),
		.fork_parent_pid = AT(fork.parent_pid),
		.fork_parent_tgid = AT(fork.parent_tgid),
		.fork_child_pid = AT(fork.child_pid),
		.fork_child_tgid = AT(fork.child_tgid),
		.id_ruid = AT(id.r.ruid),
		.id_euid = AT(id.e.euid),
		.ptrace_tracer_pid = AT(ptrace.tracer_pid),
		.ptrace_tracer_tgid = AT(ptrace.tracer_tgid),
		.comm_comm = AT(comm.comm),
		.coredump_parent_pid = AT(coredump.parent_pid),
		.coredump_parent_tgid = AT(coredump.parent_tgid),
		.exit_code = AT(exit.exit_code),
		.exit_signal = AT(exit.exit_signal),
		.exit_parent_pid = AT(exit.parent_pid),
		.exit_parent_tgid = AT(exit.parent_tgid),
		.exit_size = sizeof(struct exit_proc_event),
	};
#undef AT
}
