#include "CProcTraceSystem.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int pt_capget(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return syscall(SYS_capget, &header, data) == 0 ? 0 : -errno;
}

int pt_capabilities_limit(uint64_t keep, int *failed_step)
{
	struct __user_cap_data_struct data[2];
	int err;

	*failed_step = PT_CAP_STEP_CAPGET;
	if ((err = pt_capget(data)) < 0)
		return err;
	uint64_t permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	uint64_t effective = (uint64_t)data[1].effective << 32 | data[0].effective;

	/* The bounding set can only shrink with CAP_SETPCAP in effect; without
	 * it (e.g. under systemd) it is already what the unit allowed. */
	if (effective & (1ULL << CAP_SETPCAP)) {
		*failed_step = PT_CAP_STEP_BOUNDING;
		for (int cap = 0; cap <= 63; cap++) {
			if (keep & (1ULL << cap))
				continue;
			if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
				continue; /* not in the set, or beyond this kernel's last capability */
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
				return -errno;
		}
	}

	*failed_step = PT_CAP_STEP_AMBIENT;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return -errno;

	uint64_t kept = keep & permitted;
	for (int i = 0; i < 2; i++) {
		uint32_t word = (uint32_t)(kept >> (32 * i));
		data[i].effective = word;
		data[i].permitted = word;
		data[i].inheritable = 0;
	}
	*failed_step = PT_CAP_STEP_CAPSET;
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	if (syscall(SYS_capset, &header, data) != 0)
		return -errno;

	/* No exec can give any of them back (proctrace never execs; this is a seal). */
	*failed_step = PT_CAP_STEP_NO_NEW_PRIVS;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	*failed_step = 0;
	return 0;
}
