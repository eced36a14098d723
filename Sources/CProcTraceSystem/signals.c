#include "CProcTraceSystem.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pt_stop_signal;

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
	signal(SIGPIPE, SIG_IGN);
}

int pt_signals_received(void)
{
	return pt_stop_signal;
}
