#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "CProcTraceSystem.h"

/* The scheduler keeps one clock per CPU, and on a virtual machine they can
 * drift seconds apart (1.75 s between two CPUs here, measured), so a task's
 * se.exec_start is only comparable with the clock of the CPU it ran on. The
 * calling thread moves to that CPU, reads its own se.exec_start (set when it
 * was scheduled in there, so "now" to a time slice), and moves back. */
long long pt_scheduler_clock_on_cpu(int cpu)
{
	cpu_set_t saved, only;
	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(saved), &saved) != 0)
		return -1;
	CPU_ZERO(&only);
	CPU_SET(cpu, &only);
	if (sched_setaffinity(0, sizeof(only), &only) != 0)
		return -1;
	sched_yield();
	long long result = -1;
	FILE *file = fopen("/proc/thread-self/sched", "re");
	if (file) {
		char line[256];
		while (fgets(line, sizeof(line), file)) {
			if (strncmp(line, "se.exec_start", 13) != 0)
				continue;
			const char *colon = strchr(line, ':');
			long long milliseconds = 0, fraction = 0;
			/* "se.exec_start   :   3226601.341294": milliseconds, six decimals. */
			if (colon && sscanf(colon + 1, " %lld.%6lld", &milliseconds, &fraction) >= 1)
				result = milliseconds * 1000000 + fraction;
			break;
		}
		fclose(file);
	}
	sched_setaffinity(0, sizeof(saved), &saved);
	return result;
}

/* Linux's nice value belongs to each thread (setpriority on its TID), so a
 * worker can run below the thread that drains the ring. Returns 0 or -errno. */
int pt_thread_set_nice(int nice)
{
	errno = 0;
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), nice) != 0)
		return -errno;
	return 0;
}

/* The calling thread's nice value raised by `delta` from what it inherited
 * (lowering its priority needs no privilege). Returns 0 or -errno. */
int pt_thread_lower_priority(int delta)
{
	errno = 0;
	int current = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (current == -1 && errno != 0)
		return -errno;
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), current + delta) != 0)
		return -errno;
	return 0;
}

int pt_thread_set_name(const char *name)
{
	char kept[16];

	snprintf(kept, sizeof kept, "%s", name);
	return -pthread_setname_np(pthread_self(), kept);
}
