/*
 * loadgen: creates processes as fast as it can (or at a fixed rate) so that
 * proctrace's capture and overhead can be measured. Built by `make bench`.
 *
 *   loadgen [--mode fork|forkexec|spawn|vfork|threads|getppid|pingpong] [--count N]
 *           [--workers P] [--rate R] [--run ID] [--program PATH] [--cpu C]
 *
 * P worker processes each create N/P children (threads in `threads` mode)
 * one after another, waiting for each. Every exec'd child runs
 * `PROGRAM pt-mark-<run>-<worker>-<n>`, so a trace can be matched to what
 * was generated one for one. --rate R paces the workers to R children per
 * second in total (absolute deadlines, so the average rate is exact).
 *
 * Prints one JSON line: mode, workers, generated, failed, seconds, rate
 * (children per second), cpu_seconds (the workers' and their children's
 * user + system time), the run id and the worker PIDs (the parents of
 * every child, to find them in a trace).
 *
 * The system-call tax loads (no children, --workers and --rate ignored):
 * `getppid` makes N raw syscall(SYS_getppid) calls in one thread; `pingpong`
 * has two threads of one process pass a byte back and forth over two pipes N
 * times (two context switches and four system calls per round trip). Both run
 * in 50 equal chunks and print the median (and the fastest and slowest) over
 * the chunks of the CPU time per call or round trip (the thread's, for
 * getppid; the process's, both threads on one CPU, for pingpong): time the CPU
 * spent on other processes is not in it, so a loaded machine changes it much
 * less than the wall clock, whose median and fastest chunk are printed too
 * (a guest whose CPU clock ticks coarsely needs those). BPF programs run in
 * the traced task, so their time is in both.
 *
 * --cpu C pins the whole run (workers and children too) to CPU C.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum mode { FORK, FORKEXEC, SPAWN, VFORK, THREADS, GETPPID, PINGPONG };
static const char *mode_names[] = { "fork", "forkexec", "spawn", "vfork", "threads", "getppid", "pingpong" };
#define LAST_MODE PINGPONG
#define CHUNKS 50

struct shared {
	uint64_t generated[256];
	uint64_t failed[256];
};

static void *thread_main(void *arg)
{
	return arg;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_until(uint64_t deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000000000ull, .tv_nsec = deadline % 1000000000ull };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int pipes[2][2];

/* The far end of pingpong: answers every byte until the pipe closes. */
static void *pong(void *arg)
{
	char byte;
	while (read(pipes[0][0], &byte, 1) == 1) {
		if (write(pipes[1][1], &byte, 1) != 1)
			break;
	}
	return arg;
}

static int ping(uint64_t n)
{
	char byte = 'x';
	for (uint64_t i = 0; i < n; i++) {
		if (write(pipes[0][1], &byte, 1) != 1 || read(pipes[1][0], &byte, 1) != 1)
			return -1;
	}
	return 0;
}

/* getppid or pingpong: CHUNKS chunks of count / CHUNKS operations, one JSON line. */
static int syscall_load(enum mode mode, uint64_t count, int cpu)
{
	pthread_t thread;
	clockid_t clock = mode == GETPPID ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
	if (mode == PINGPONG) {
		if (pipe(pipes[0]) || pipe(pipes[1]) || pthread_create(&thread, NULL, pong, NULL)) {
			perror("pingpong");
			return 1;
		}
		if (ping(1000)) /* the far thread is running and waiting */
			return 1;
	}
	uint64_t chunk = count / CHUNKS ? count / CHUNKS : 1;
	double cpu_per_op[CHUNKS], wall_per_op[CHUNKS];
	for (int c = 0; c < CHUNKS; c++) {
		uint64_t cpu0 = clock_ns(clock), wall0 = now_ns();
		if (mode == GETPPID) {
			for (uint64_t i = 0; i < chunk; i++)
				syscall(SYS_getppid);
		} else if (ping(chunk)) {
			perror("pingpong");
			return 1;
		}
		cpu_per_op[c] = (double)(clock_ns(clock) - cpu0) / chunk;
		wall_per_op[c] = (double)(now_ns() - wall0) / chunk;
	}
	if (mode == PINGPONG) {
		close(pipes[0][1]);
		pthread_join(thread, NULL);
	}
	qsort(cpu_per_op, CHUNKS, sizeof(cpu_per_op[0]), compare_doubles);
	qsort(wall_per_op, CHUNKS, sizeof(wall_per_op[0]), compare_doubles);
	printf("{\"mode\":\"%s\",\"count\":%llu,\"cpu\":%d,\"cpu_ns_per_op\":%.2f,\"cpu_ns_per_op_min\":%.2f,"
	       "\"cpu_ns_per_op_max\":%.2f,\"wall_ns_per_op\":%.2f,\"wall_ns_per_op_min\":%.2f}\n",
	       mode_names[mode], (unsigned long long)(chunk * CHUNKS), cpu,
	       (cpu_per_op[CHUNKS / 2 - 1] + cpu_per_op[CHUNKS / 2]) / 2, cpu_per_op[0], cpu_per_op[CHUNKS - 1],
	       (wall_per_op[CHUNKS / 2 - 1] + wall_per_op[CHUNKS / 2]) / 2, wall_per_op[0]);
	return 0;
}

/* Kept out of line: after vfork the child shares this stack frame only. */
static __attribute__((noinline)) pid_t vfork_exec(const char *program, char **argv)
{
	pid_t pid = vfork();
	if (pid == 0) {
		execv(program, argv);
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void worker(enum mode mode, int index, uint64_t count, double rate, uint64_t start_ns,
		   const char *run, const char *program, struct shared *out)
{
	char marker[96];
	char *argv[] = { (char *)program, marker, NULL };
	uint64_t generated = 0, failed = 0;
	uint64_t interval = rate > 0 ? (uint64_t)(1e9 / rate) : 0;

	for (uint64_t n = 0; n < count; n++) {
		if (interval)
			sleep_until(start_ns + n * interval);
		snprintf(marker, sizeof(marker), "pt-mark-%s-%d-%llu", run, index, (unsigned long long)n);
		pid_t pid = -1;
		int ok = 0;
		switch (mode) {
		case FORK:
			pid = fork();
			if (pid == 0)
				_exit(0);
			break;
		case FORKEXEC:
			pid = fork();
			if (pid == 0) {
				execv(program, argv);
				_exit(127);
			}
			break;
		case VFORK:
			pid = vfork_exec(program, argv);
			break;
		case SPAWN:
			if (posix_spawn(&pid, program, NULL, NULL, argv, environ) != 0)
				pid = -1;
			break;
		case THREADS: {
			pthread_t thread;
			if (pthread_create(&thread, NULL, thread_main, NULL) == 0 && pthread_join(thread, NULL) == 0)
				ok = 1;
			break;
		}
		default: /* the system-call loads never get here */
			break;
		}
		if (mode != THREADS)
			ok = pid > 0 && reap(pid) == 0;
		if (ok)
			generated++;
		else
			failed++;
	}
	out->generated[index] = generated;
	out->failed[index] = failed;
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen [--mode fork|forkexec|spawn|vfork|threads|getppid|pingpong] [--count N] "
			"[--workers P] [--rate R] [--run ID] [--program PATH] [--cpu C]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	enum mode mode = FORKEXEC;
	uint64_t count = 10000;
	long workers = sysconf(_SC_NPROCESSORS_ONLN);
	double rate = 0;
	char run[32];
	const char *program = "/bin/true";
	int cpu = -1;
	snprintf(run, sizeof(run), "%d", (int)getpid());

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!value)
			usage();
		i++;
		if (!strcmp(arg, "--mode")) {
			int found = 0;
			for (int m = 0; m <= LAST_MODE; m++) {
				if (!strcmp(value, mode_names[m])) {
					mode = m;
					found = 1;
				}
			}
			if (!found)
				usage();
		} else if (!strcmp(arg, "--count")) {
			count = strtoull(value, NULL, 10);
		} else if (!strcmp(arg, "--workers")) {
			workers = strtol(value, NULL, 10);
		} else if (!strcmp(arg, "--rate")) {
			rate = strtod(value, NULL);
		} else if (!strcmp(arg, "--run")) {
			snprintf(run, sizeof(run), "%s", value);
		} else if (!strcmp(arg, "--program")) {
			program = value;
		} else if (!strcmp(arg, "--cpu")) {
			cpu = (int)strtol(value, NULL, 10);
		} else {
			usage();
		}
	}
	if (workers < 1 || workers > 256 || count < 1)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("sched_setaffinity");
			return 1;
		}
	}
	if (mode == GETPPID || mode == PINGPONG)
		return syscall_load(mode, count, cpu);

	struct shared *out = mmap(NULL, sizeof(*out), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (out == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	pid_t pids[256];
	uint64_t start = now_ns() + 20 * 1000000ull; /* workers start together */
	for (long w = 0; w < workers; w++) {
		uint64_t share = count / workers + ((uint64_t)w < count % workers ? 1 : 0);
		pids[w] = fork();
		if (pids[w] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[w] == 0) {
			sleep_until(start);
			worker(mode, (int)w, share, rate > 0 ? rate / workers : 0, start, run, program, out);
			_exit(0);
		}
	}
	for (long w = 0; w < workers; w++)
		reap(pids[w]);
	double seconds = (now_ns() - start) / 1e9;
	/* CPU of the workers and every child they reaped, user + system. */
	struct rusage usage;
	getrusage(RUSAGE_CHILDREN, &usage);
	double cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
			     (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;

	uint64_t generated = 0, failed = 0;
	for (long w = 0; w < workers; w++) {
		generated += out->generated[w];
		failed += out->failed[w];
	}
	printf("{\"mode\":\"%s\",\"workers\":%ld,\"requested\":%llu,\"generated\":%llu,\"failed\":%llu,"
	       "\"seconds\":%.6f,\"rate\":%.1f,\"cpu_seconds\":%.3f,\"run\":\"%s\",\"loadgen_pid\":%d,\"worker_pids\":[",
	       mode_names[mode], workers, (unsigned long long)count, (unsigned long long)generated,
	       (unsigned long long)failed, seconds, generated / seconds, cpu_seconds, run, (int)getpid());
	for (long w = 0; w < workers; w++)
		printf("%s%d", w ? "," : "", (int)pids[w]);
	printf("]}\n");
	return failed ? 1 : 0;
}
