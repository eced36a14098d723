#include "CProcTraceSystem.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pt_stop_signal;
static volatile sig_atomic_t pt_reopen_requested;

static void pt_on_reopen_signal(int sig)
{
	(void)sig;
	pt_reopen_requested = 1;
}

static void pt_on_stop_signal(int sig)
{
	if (pt_stop_signal)
		_exit(128 + sig);
	pt_stop_signal = sig;
}

void pt_signals_install(void)
{
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = pt_on_stop_signal;
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	/* SA_RESTART: a reopen request must not fail a read or write under way;
	 * poll(2) returns EINTR all the same, so the record loop sees it at once. */
	action.sa_handler = pt_on_reopen_signal;
	action.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &action, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* A parent may have started us with these blocked (the mask is inherited). */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
}

int pt_signals_received(void)
{
	return pt_stop_signal;
}

int pt_signals_take_reopen(void)
{
	if (!pt_reopen_requested)
		return 0;
	pt_reopen_requested = 0;
	return 1;
}

void pt_signals_hold(int hold)
{
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &signals, NULL);
}
