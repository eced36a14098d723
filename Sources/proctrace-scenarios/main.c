/*
 * Known process lifecycles for proctrace's integration tests. Each scenario
 * prints one line of JSON with the PIDs it created, so a test can find them
 * in the recording and assert the exact records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* `,"key":[n,n,...]`: the pids a scenario prints for its test to find. */
static void print_pids(const char *key, const pid_t *pids, int count)
{
	printf(",\"%s\":[", key);
	for (int i = 0; i < count; i++)
		printf("%s%d", i ? "," : "", pids[i]);
	printf("]");
}

static int wait_for(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* parent → two children → one grandchild each; everything waited for. */
static int scenario_tree(void)
{
	pid_t children[2], grandchildren[2];
	int pipes[2][2];
	for (int i = 0; i < 2; i++) {
		if (pipe(pipes[i]))
			return 1;
		children[i] = fork();
		if (children[i] == 0) {
			pid_t grandchild = fork();
			if (grandchild == 0)
				_exit(0);
			if (write(pipes[i][1], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
				_exit(1);
			wait_for(grandchild);
			_exit(0);
		}
		if (read(pipes[i][0], &grandchildren[i], sizeof(grandchildren[i])) != sizeof(grandchildren[i]))
			return 1;
		wait_for(children[i]);
	}
	printf("{\"pid\":%d,\"children\":[%d,%d],\"grandchildren\":[%d,%d]}\n", getpid(), children[0],
	       children[1], grandchildren[0], grandchildren[1]);
	return 0;
}

/* exec with a newline, invalid UTF-8, an empty argument and an ESC in argv. */
static int scenario_exec_argv(void)
{
	pid_t child = fork();
	if (child == 0) {
		char *argv[] = { "true", "line1\nline2", "bad\xff\xfeutf8", "", "esc\x1b[31m", "end", NULL };
		execv("/bin/true", argv);
		_exit(127);
	}
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

static int scenario_exit3(void)
{
	pid_t child = fork();
	if (child == 0)
		_exit(3);
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

static int scenario_sigkill(void)
{
	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	usleep(20000);
	kill(child, SIGKILL);
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

/* SIGSEGV with RLIMIT_CORE 0: killed by SIGSEGV, no core dumped. */
static int scenario_segv(void)
{
	pid_t child = fork();
	if (child == 0) {
		struct rlimit none = { 0, 0 };
		setrlimit(RLIMIT_CORE, &none);
		signal(SIGSEGV, SIG_DFL); /* no runtime crash handler in the way */
		raise(SIGSEGV);
		_exit(0);
	}
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	usleep(10000);
	return NULL;
}

/* A process with two threads: one fork, one exit, no thread in the default log. */
static int scenario_threads(void)
{
	pid_t child = fork();
	if (child == 0) {
		pthread_t threads[2];
		for (int i = 0; i < 2; i++)
			pthread_create(&threads[i], NULL, idle_thread, NULL);
		for (int i = 0; i < 2; i++)
			pthread_join(threads[i], NULL);
		_exit(7);
	}
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

static int exec_pipe[2];

static void *exec_from_thread(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid);
	if (write(exec_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	char *argv[] = { "true", "from-thread", NULL };
	execv("/bin/true", argv);
	_exit(127);
}

/* A non-leader thread execs: the process keeps its PID, old_pid is the thread. */
static int scenario_thread_exec(void)
{
	if (pipe(exec_pipe))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		pthread_t thread;
		pthread_create(&thread, NULL, exec_from_thread, NULL);
		for (;;)
			pause();
	}
	pid_t tid = 0;
	if (read(exec_pipe[0], &tid, sizeof(tid)) != sizeof(tid))
		return 1;
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d,\"thread\":%d}\n", getpid(), child, tid);
	return 0;
}

static int clone_parent_child(void *arg)
{
	(void)arg;
	_exit(0);
}

/* clone(CLONE_PARENT): the child's parent is our parent, not us. */
static int scenario_clone_parent(void)
{
	static char stack[64 * 1024];
	pid_t child = clone(clone_parent_child, stack + sizeof(stack), CLONE_PARENT | SIGCHLD, NULL);
	if (child < 0)
		return 1;
	printf("{\"pid\":%d,\"ppid\":%d,\"child\":%d}\n", getpid(), getppid(), child);
	fflush(stdout);
	/* Our parent (the test) reaps it. */
	return 0;
}

/* A zombie that lingers: the child exits, the parent waits a second before reaping. */
static int scenario_zombie(void)
{
	pid_t child = fork();
	if (child == 0)
		_exit(5);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	fflush(stdout);
	sleep(1);
	wait_for(child);
	return 0;
}

/* The parent ignores SIGCHLD: the child is released as it exits. */
static int scenario_autoreap(void)
{
	signal(SIGCHLD, SIG_IGN);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	usleep(50000);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

/* We become a subreaper; a child forks a grandchild and exits: the grandchild is ours. */
static int scenario_subreaper(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	int ready[2];
	if (pipe(ready))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			usleep(300000);
			_exit(0);
		}
		if (write(ready[1], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
			_exit(1);
		_exit(0);
	}
	pid_t grandchild = 0;
	if (read(ready[0], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
		return 1;
	wait_for(child);
	wait_for(grandchild);
	printf("{\"pid\":%d,\"child\":%d,\"grandchild\":%d}\n", getpid(), child, grandchild);
	return 0;
}

/* fork, setsid, fork, exit: the daemon's process is re-parented to init (or a subreaper). */
static int scenario_daemon(void)
{
	int ready[2];
	if (pipe(ready))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		setsid();
		pid_t daemon = fork();
		if (daemon == 0) {
			close(ready[1]);
			usleep(300000);
			_exit(0);
		}
		if (write(ready[1], &daemon, sizeof(daemon)) != sizeof(daemon))
			_exit(1);
		_exit(0);
	}
	pid_t daemon = 0;
	if (read(ready[0], &daemon, sizeof(daemon)) != sizeof(daemon))
		return 1;
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d,\"daemon\":%d}\n", getpid(), child, daemon);
	fflush(stdout);
	usleep(500000);
	return 0;
}

/* setuid/setsid/prctl(PR_SET_NAME) changes after fork. */
static int scenario_changes(void)
{
	pid_t child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "renamed\x1bname");
		setsid();
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(0);
	}
	wait_for(child);
	printf("{\"pid\":%d,\"child\":%d}\n", getpid(), child);
	return 0;
}

/* Two execs that fail: a missing file (ENOENT) and a file without execute
 * permission (EACCES); the child then exits 0. */
static int scenario_exec_failed(void)
{
	char noexec[] = "/tmp/proctrace-noexec-XXXXXX";
	int fd = mkstemp(noexec);
	if (fd < 0 || fchmod(fd, 0644))
		return 1;
	close(fd);
	pid_t child = fork();
	if (child == 0) {
		char *missing_argv[] = { "missing", "arg 1", NULL };
		char *noexec_argv[] = { "noexec", "x", NULL };
		char *envp[] = { NULL };
		int missing_errno = 0, noexec_errno = 0;
		if (execve("/nonexistent/proctrace-missing", missing_argv, envp) < 0)
			missing_errno = errno;
		if (execve(noexec, noexec_argv, envp) < 0)
			noexec_errno = errno;
		_exit(missing_errno == ENOENT && noexec_errno == EACCES ? 0 : 3);
	}
	int status = wait_for(child);
	unlink(noexec);
	printf("{\"pid\":%d,\"child\":%d,\"noexec\":\"%s\",\"status\":%d}\n", getpid(), child, noexec, status);
	return 0;
}

static void *busy_thread(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *exit_group_later(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
	usleep(2000);
	syscall(SYS_exit_group, 7);
	return NULL;
}

/* One process of thread-exits: `threads` busy threads, then exit_group(7),
 * so the kernel tears them down on every CPU at once. Odd ones let their
 * leader exit first (SYS_exit) and a thread end the group. */
static void thread_exits_child(int index, int threads)
{
	static int started;
	pthread_t thread;
	/* Busy, but never in the way of the recorder or anything else running. */
	setpriority(PRIO_PROCESS, 0, 19);
	for (int i = 0; i < threads; i++)
		pthread_create(&thread, NULL, (index & 1) && i == 0 ? exit_group_later : busy_thread, &started);
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < threads)
		;
	if (index & 1)
		syscall(SYS_exit, 0);
	syscall(SYS_exit_group, 7);
}

/* `count` processes of `threads` threads each ending with exit_group(7),
 * a few alive at once; prints every PID. */
static int scenario_thread_exits(int count, int threads)
{
	pid_t *children = calloc(count, sizeof(*children));
	if (!children)
		return 1;
	const int together = 4;
	for (int i = 0; i < count; i++) {
		if (i >= together)
			wait_for(children[i - together]);
		children[i] = fork();
		if (children[i] == 0)
			thread_exits_child(i, threads);
		if (children[i] < 0)
			return 1;
	}
	for (int i = count > together ? count - together : 0; i < count; i++)
		wait_for(children[i]);
	printf("{\"pid\":%d,\"threads\":%d", getpid(), threads);
	print_pids("children", children, count);
	printf("}\n");
	free(children);
	return 0;
}

/* N forks as fast as possible (each child exits at once). */
static int scenario_burst(int count)
{
	pid_t first = 0, last = 0;
	for (int i = 0; i < count; i++) {
		pid_t child = fork();
		if (child == 0)
			_exit(0);
		if (!first)
			first = child;
		last = child;
		wait_for(child);
	}
	printf("{\"pid\":%d,\"first\":%d,\"last\":%d,\"count\":%d}\n", getpid(), first, last, count);
	return 0;
}

/* A copy of /bin/sleep in a new directory under /tmp, set-uid to `owner`
 * (a tracer that reads the exec'd file after the exec finds it). */
static int make_setuid_sleep(char *path, size_t size, uid_t owner)
{
	char dir[] = "/tmp/proctrace-setuid-XXXXXX";
	if (!mkdtemp(dir) || chmod(dir, 0755))
		return -1;
	snprintf(path, size, "%s/sleep", dir);
	int in = open("/bin/sleep", O_RDONLY | O_CLOEXEC);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (in < 0 || out < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	if (n < 0 || fchown(out, owner, owner) || fchmod(out, 04755) || close(out))
		return -1;
	return 0;
}

/* Drops the file's pages from the page cache (where the file system lets
 * it), so that its exec reads them from disk: the exec then blocks after it
 * committed the new credentials, a switch-out the sched hooks must not take
 * for a change of their own. */
static void uncache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* What a child does between its fork and its exec of /bin/true (or of the set-uid copy). */
enum change_before_exec { SETSID_EXEC, SETRES_EXEC, SETRE_EXEC, SETUID_PROGRAM, SETEUID_EXEC, ROOT_SETUID_PROGRAM,
			  CHANGES };

static pid_t change_then_exec(enum change_before_exec change, const char *setuid_program,
			      const char *root_setuid_program, const char *setuid_seconds)
{
	pid_t child = fork();
	if (child != 0)
		return child;
	char *argv[] = { "true", NULL };
	char *setuid_argv[] = { "sleep", (char *)setuid_seconds, NULL };
	char *envp[] = { NULL };
	/* Nothing between the change and the exec: no output, no blocking call. */
	switch (change) {
	case SETSID_EXEC:
		if (setsid() < 0)
			_exit(2);
		break;
	case SETRES_EXEC:
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		break;
	case SETRE_EXEC:
		if (setregid(65534, 65534) || setreuid(65534, 65534))
			_exit(2);
		break;
	case SETUID_PROGRAM:
		execve(setuid_program, setuid_argv, envp);
		_exit(127);
	case SETEUID_EXEC:
		/* Only the effective (and saved) uid: the exec that follows is a secure one (AT_SECURE). */
		if (setresuid(-1, 65534, 65534))
			_exit(2);
		break;
	case ROOT_SETUID_PROGRAM:
		/* Run as nobody, settled (its own changes 0.2 s before), a program set-uid to root. */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		usleep(200000);
		execve(root_setuid_program, setuid_argv, envp);
		_exit(127);
	case CHANGES:
		break;
	}
	execve("/bin/true", argv, envp);
	_exit(127);
}

/* Issue 25: set*id and setsid right before execve, `rounds` times each, and
 * the exec of a set-uid program (its credentials change only in the exec),
 * which runs `setuid_seconds` (a tracer may look at it while it runs). */
static int scenario_changes_exec(int rounds, const char *setuid_seconds)
{
	char program[128], root_program[128];
	if (make_setuid_sleep(program, sizeof(program), 65534) || make_setuid_sleep(root_program, sizeof(root_program), 0))
		return 1;
	static const char *names[] = { "setsid", "setres", "setre", "setuid_program", "seteuid", "root_setuid_program" };
	pid_t *children[CHANGES];
	for (int kind = 0; kind < CHANGES; kind++) {
		children[kind] = calloc(rounds, sizeof(pid_t));
		if (!children[kind])
			return 1;
	}
	int failed = 0;
	for (int i = 0; i < rounds; i++) {
		for (int kind = 0; kind < CHANGES; kind++) {
			if (kind == SETUID_PROGRAM)
				uncache(program);
			if (kind == ROOT_SETUID_PROGRAM)
				uncache(root_program);
			children[kind][i] = change_then_exec(kind, program, root_program, setuid_seconds);
			int status = wait_for(children[kind][i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed = 1;
		}
	}
	for (char *path = program; path; path = path == program ? root_program : NULL) {
		unlink(path);
		*strrchr(path, '/') = 0;
		rmdir(path);
	}
	printf("{\"pid\":%d", getpid());
	for (int kind = 0; kind < CHANGES; kind++)
		print_pids(names[kind], children[kind], rounds);
	printf("}\n");
	return failed;
}

/* Issue 25: `count` times, as a subreaper, a parent that forks a child and
 * exits at once; the child exits as soon as it sees itself re-parented, and
 * is reaped at once. */
static int scenario_orphan_exits(int count)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		return 1;
	pid_t *parents = calloc(count, sizeof(pid_t)), *children = calloc(count, sizeof(pid_t));
	if (!parents || !children)
		return 1;
	for (int i = 0; i < count; i++) {
		int ready[2];
		if (pipe(ready))
			return 1;
		parents[i] = fork();
		if (parents[i] == 0) {
			pid_t parent = getpid();
			pid_t child = fork();
			if (child == 0) {
				while (getppid() == parent)
					;
				_exit(0);
			}
			if (write(ready[1], &child, sizeof(child)) != sizeof(child))
				_exit(1);
			_exit(0);
		}
		if (read(ready[0], &children[i], sizeof(children[i])) != sizeof(children[i]))
			return 1;
		close(ready[0]);
		close(ready[1]);
		wait_for(parents[i]);
		wait_for(children[i]);
	}
	printf("{\"pid\":%d", getpid());
	print_pids("parents", parents, count);
	print_pids("children", children, count);
	printf("}\n");
	return 0;
}

/* The thread of orphan-exits-first's parent that forks the child and ends the process. */
struct family {
	pid_t process;
	int ready;
	pid_t child;
};

static int thread_state(pid_t process, pid_t tid)
{
	char path[64], text[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", process, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = 0;
	char *end = strrchr(text, ')');
	return end && end[1] == ' ' ? end[2] : 0;
}

static void *family_last_thread(void *arg)
{
	struct family *family = arg;
	cpu_set_t cpu;
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	int armed[2];
	if (sched_setaffinity(0, sizeof(cpu), &cpu) || pipe(armed))
		syscall(SYS_exit, 1);
	pid_t child = fork();
	if (child == 0) {
		sigset_t usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		struct sched_param priority = { .sched_priority = 1 };
		if (sigprocmask(SIG_BLOCK, &usr1, NULL) || prctl(PR_SET_PDEATHSIG, SIGUSR1) ||
		    sched_setscheduler(0, SCHED_FIFO, &priority))
			_exit(3);
		if (getppid() != family->process || write(armed[1], "", 1) != 1)
			_exit(4);
		int signal;
		sigwait(&usr1, &signal);
		_exit(0);
	}
	char byte;
	if (child < 0 || read(armed[0], &byte, 1) != 1)
		syscall(SYS_exit, 1);
	/* The leader is gone first: this thread's exit ends the process, and is released at once. */
	while (thread_state(family->process, family->process) != 'Z')
		usleep(1000);
	/* Its /proc entry looked up: the release flushes it, and may reschedule there. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%ld/stat", family->process, (long)syscall(SYS_gettid));
	close(open(path, O_RDONLY | O_CLOEXEC));
	if (write(family->ready, &child, sizeof(child)) != sizeof(child))
		syscall(SYS_exit, 1);
	syscall(SYS_exit, 0);
	return NULL;
}

/* Issue 25: like orphan-exits, but each child exits before its parent's exit
 * is reported. The parent's leader exits first; its other thread forks the
 * child and ends the process. That thread's exit moves the child to the
 * subreaper, which sends the child its PR_SET_PDEATHSIG signal, and releases
 * the thread at once (it is no leader), flushing its /proc entry, where the
 * kernel may reschedule: the child, waiting for that signal at real-time
 * priority on the thread's CPU, runs there and exits first. Its exit names
 * the subreaper and is reported before the parent's, which the kernel sends
 * after that release. */
static int scenario_orphan_exits_first(int count)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		return 1;
	pid_t *parents = calloc(count, sizeof(pid_t)), *children = calloc(count, sizeof(pid_t));
	if (!parents || !children)
		return 1;
	int failed = 0;
	for (int i = 0; i < count; i++) {
		int ready[2];
		if (pipe(ready))
			return 1;
		parents[i] = fork();
		if (parents[i] == 0) {
			static struct family family;
			family.process = getpid();
			family.ready = ready[1];
			pthread_t thread;
			if (pthread_create(&thread, NULL, family_last_thread, &family))
				_exit(1);
			syscall(SYS_exit, 0);
		}
		if (read(ready[0], &children[i], sizeof(children[i])) != sizeof(children[i]))
			return 1;
		close(ready[0]);
		close(ready[1]);
		int status = wait_for(parents[i]);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		status = wait_for(children[i]);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	printf("{\"pid\":%d", getpid());
	print_pids("parents", parents, count);
	print_pids("children", children, count);
	printf("}\n");
	return failed;
}

/* Issue 25: `count` children exit, are left zombies for 0.1 s, then waited
 * for; the scenario then sends SIGINT to the recorder (pid `recorder`) at
 * once: their reaps must still be in its log before its stop. */
static int scenario_reaped_at_stop(int count, pid_t recorder)
{
	pid_t *children = calloc(count, sizeof(pid_t));
	if (!children || recorder <= 0)
		return 1;
	for (int i = 0; i < count; i++) {
		children[i] = fork();
		if (children[i] == 0)
			_exit(0);
	}
	usleep(100000);
	for (int i = 0; i < count; i++)
		wait_for(children[i]);
	/* To its main thread, which waits for the kernel: the stop begins at once
	 * (a process-directed signal may wake another thread first, and the stop
	 * then waits out the recorder's poll, in which the reaps arrive). */
	if (syscall(SYS_tgkill, recorder, recorder, SIGINT))
		return 1;
	printf("{\"pid\":%d", getpid());
	print_pids("children", children, count);
	printf("}\n");
	return 0;
}

/* A child that exits at once, returned once it is a zombie (waitid with
 * WNOWAIT: its exit is seen, it is not reaped); -1 on failure. */
static pid_t fork_zombie(void)
{
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	siginfo_t info;
	if (child < 0 || waitid(P_PID, child, &info, WEXITED | WNOWAIT))
		return -1;
	return child;
}

/* `count` children, one every 50 ms: each exits at once and is waited for
 * 20 ms after it is a zombie. Prints each child's pid and the
 * CLOCK_REALTIME nanoseconds its wait returned. */
static int scenario_reaped_soon(int count)
{
	pid_t *children = calloc(count, sizeof(pid_t));
	long long *reaped = calloc(count, sizeof(long long));
	if (!children || !reaped)
		return 1;
	for (int i = 0; i < count; i++) {
		children[i] = fork_zombie();
		if (children[i] < 0)
			return 1;
		usleep(20000);
		wait_for(children[i]);
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		reaped[i] = now.tv_sec * 1000000000LL + now.tv_nsec;
		usleep(30000);
	}
	printf("{\"pid\":%d", getpid());
	print_pids("children", children, count);
	printf(",\"reaped_at\":[");
	for (int i = 0; i < count; i++)
		printf("%s%lld", i ? "," : "", reaped[i]);
	printf("]}\n");
	return 0;
}

/* `count` children exit and are never waited for: once every one is a
 * zombie, prints its pid and sleeps until it is killed. */
static int scenario_lingering_zombies(int count)
{
	for (int i = 0; i < count; i++)
		if (fork_zombie() < 0)
			return 1;
	printf("{\"pid\":%d}\n", getpid());
	fflush(stdout);
	for (;;)
		pause();
}

static void *exit_thread_later(void *arg)
{
	usleep(100000);
	syscall(SYS_exit, (int)(long)arg);
	return NULL;
}

/* Issue 25: the leader ends first with SYS_exit(leader_code), the last
 * thread 0.1 s later with SYS_exit(thread_code); prints what wait(2) said. */
static int scenario_leader_exits_first(int leader_code, int thread_code)
{
	pid_t child = fork();
	if (child == 0) {
		pthread_t thread;
		if (pthread_create(&thread, NULL, exit_thread_later, (void *)(long)thread_code))
			_exit(1);
		syscall(SYS_exit, leader_code);
	}
	int status = wait_for(child);
	printf("{\"pid\":%d,\"child\":%d,\"exited\":%s,\"exit_code\":%d}\n", getpid(), child,
	       WIFEXITED(status) ? "true" : "false", WEXITSTATUS(status));
	return 0;
}

/* COUNT times seteuid(65534) then seteuid(0), as fast as it can: each change
 * is a uid event; a tracer that reads the ids from /proc later may show the
 * state after the next change under this one's event (netlink did). */
static int scenario_euid_flips(int count)
{
	for (int i = 0; i < count; i++) {
		if (seteuid(65534) || seteuid(0))
			return 1;
	}
	printf("{\"pid\":%d}\n", getpid());
	/* Alive while its events are handled: /proc shows the last state. Under
	 * qemu's emulation netlink's 400 reads of /proc took over half a second
	 * (6.12: every read came after a 0.5 s sleep, all 400 records null). */
	sleep(3);
	return 0;
}

/* COUNT children each exec this program as `renamed-child`, which renames
 * itself at once: a tracer that reads comm from /proc after the exec may see
 * the later name (netlink did). */
static int scenario_exec_rename(int count)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return 1;
	self[n] = 0;
	printf("{\"children\":[");
	for (int i = 0; i < count; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execl(self, "proctrace-scenarios", "renamed-child", (char *)NULL);
			_exit(127);
		}
		printf("%s%d", i ? "," : "", pid);
	}
	printf("]}\n");
	int failed = 0;
	for (int i = 0; i < count; i++) {
		int status;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: proctrace-scenarios NAME\n");
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "renamed-child")) {
		prctl(PR_SET_NAME, "renamed-at-once");
		usleep(200000);
		return 0;
	}
	if (!strcmp(name, "tree")) return scenario_tree();
	if (!strcmp(name, "exec-argv")) return scenario_exec_argv();
	if (!strcmp(name, "exit3")) return scenario_exit3();
	if (!strcmp(name, "sigkill")) return scenario_sigkill();
	if (!strcmp(name, "segv")) return scenario_segv();
	if (!strcmp(name, "threads")) return scenario_threads();
	if (!strcmp(name, "thread-exec")) return scenario_thread_exec();
	if (!strcmp(name, "clone-parent")) return scenario_clone_parent();
	if (!strcmp(name, "zombie")) return scenario_zombie();
	if (!strcmp(name, "autoreap")) return scenario_autoreap();
	if (!strcmp(name, "subreaper")) return scenario_subreaper();
	if (!strcmp(name, "daemon")) return scenario_daemon();
	if (!strcmp(name, "changes")) return scenario_changes();
	if (!strcmp(name, "exec-failed")) return scenario_exec_failed();
	if (!strcmp(name, "thread-exits"))
		return scenario_thread_exits(argc > 2 ? atoi(argv[2]) : 300, argc > 3 ? atoi(argv[3]) : 8);
	if (!strcmp(name, "burst")) return scenario_burst(argc > 2 ? atoi(argv[2]) : 1000);
	if (!strcmp(name, "changes-exec"))
		return scenario_changes_exec(argc > 2 ? atoi(argv[2]) : 10, argc > 3 ? argv[3] : "0.3");
	if (!strcmp(name, "orphan-exits")) return scenario_orphan_exits(argc > 2 ? atoi(argv[2]) : 20);
	if (!strcmp(name, "orphan-exits-first")) return scenario_orphan_exits_first(argc > 2 ? atoi(argv[2]) : 20);
	if (!strcmp(name, "reaped-at-stop"))
		return scenario_reaped_at_stop(argc > 2 ? atoi(argv[2]) : 20, argc > 3 ? atoi(argv[3]) : 0);
	if (!strcmp(name, "reaped-soon")) return scenario_reaped_soon(argc > 2 ? atoi(argv[2]) : 20);
	if (!strcmp(name, "lingering-zombies")) return scenario_lingering_zombies(argc > 2 ? atoi(argv[2]) : 1000);
	if (!strcmp(name, "leader-exits-first"))
		return scenario_leader_exits_first(argc > 2 ? atoi(argv[2]) : 7, argc > 3 ? atoi(argv[3]) : 5);
	if (!strcmp(name, "euid-flips")) return scenario_euid_flips(argc > 2 ? atoi(argv[2]) : 50);
	if (!strcmp(name, "exec-rename")) return scenario_exec_rename(argc > 2 ? atoi(argv[2]) : 50);
	fprintf(stderr, "proctrace-scenarios: unknown scenario %s\n", name);
	return 2;
}
