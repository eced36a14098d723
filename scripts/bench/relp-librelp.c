/* relp-librelp: the relp:// output's job done with librelp's client, for
 * scripts/bench-syslog-tls.sh (issue 28: librelp against our RELP framing).
 *
 *   relp-librelp HOST PORT FILE
 *
 * Follows FILE (a recording the recorder is writing) and sends each line as
 * the RFC 5424 message relp:// sends (SyslogMessage.swift), with librelp's
 * API the way rsyslog's omrelp uses it: relpCltSendSyslog, and on a failure
 * relpCltReconnect (librelp then resends its window of unanswered messages
 * from its own memory) with the recorder's backoff (100 ms doubling to 2 s),
 * then the failed message again. SIGINT: send the rest of FILE within 5 s
 * (the recorder's stop grace), then close (relpEngineCltDestruct).
 *
 * librelp's defaults are kept (window 128, timeout 90 s, connect timeout
 * 10 s): they are what an application gets. On exit it prints one line:
 * lines read, messages librelp took, failed calls, and the longest time one
 * call of each kind held the caller. librelp says nothing about which
 * messages the collector answered: a message it took is answered, or in its
 * window, or (a `rsp` other than 200, a session that broke at the close)
 * gone without a word to the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <librelp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { GRACE_NS = 5000000000LL, FIRST_WAIT_NS = 100000000LL, LONGEST_WAIT_NS = 2000000000LL };

static volatile sig_atomic_t stopping;
static int64_t stop_deadline;

struct call_stats { const char *name; uint64_t calls, failed; int64_t longest_ns; };
static struct call_stats st_connect = {.name = "connect"}, st_send = {.name = "send"}, st_reconnect = {.name = "reconnect"},
	st_close = {.name = "close"};

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void on_stop(int sig) { (void)sig; stopping = 1; }

/* librelp calls its debug printer unconditionally: without one it calls NULL. */
static void no_debug(char *fmt, ...) { (void)fmt; }

static relpRetVal timed(struct call_stats *stats, relpRetVal ret, int64_t started)
{
	int64_t took = now_ns() - started;
	stats->calls++;
	if (ret != RELP_RET_OK)
		stats->failed++;
	if (took > stats->longest_ns)
		stats->longest_ns = took;
	return ret;
}

static int past_grace(void)
{
	if (stopping && stop_deadline == 0)
		stop_deadline = now_ns() + GRACE_NS;
	return stopping && now_ns() >= stop_deadline;
}

/* The recorder's backoff: each wait between half and all of a step that doubles from 100 ms to 2 s. */
static void backoff(int64_t *step)
{
	int64_t wait = *step / 2 + (int64_t)(drand48() * (double)(*step / 2));
	struct timespec t = {wait / 1000000000LL, wait % 1000000000LL};
	nanosleep(&t, NULL);
	*step = *step * 2 > LONGEST_WAIT_NS ? LONGEST_WAIT_NS : *step * 2;
}

struct client {
	relpClt_t *clt;
	char *host, *port;
	int ever_connected, connected;
	int64_t step;
};

/* One attempt: the first connection, or librelp's re-establishment (which resends its window). */
static int connect_once(struct client *c)
{
	relpRetVal ret;
	int64_t started = now_ns();
	if (!c->ever_connected)
		ret = timed(&st_connect, relpCltConnect(c->clt, 0, (unsigned char *)c->port, (unsigned char *)c->host), started);
	else
		ret = timed(&st_reconnect, relpCltReconnect(c->clt), started);
	if (ret != RELP_RET_OK)
		return 0;
	c->ever_connected = c->connected = 1;
	c->step = FIRST_WAIT_NS;
	return 1;
}

/* Hands one message to librelp, reconnecting as long as it takes (or until the stop's grace ends). */
static int send_message(struct client *c, unsigned char *msg, size_t len)
{
	while (!past_grace()) {
		if (!c->connected && !connect_once(c)) {
			backoff(&c->step);
			continue;
		}
		int64_t started = now_ns();
		if (timed(&st_send, relpCltSendSyslog(c->clt, msg, len), started) == RELP_RET_OK)
			return 1;
		c->connected = 0;
		backoff(&c->step);
	}
	return 0;
}

/* Copies the JSON string value of "key" (without quotes) to out; returns its length, 0 if absent. */
static size_t json_string(const char *line, const char *key, char *out, size_t size)
{
	const char *at = strstr(line, key), *end;
	if (at == NULL)
		return 0;
	at += strlen(key);
	if ((end = strchr(at, '"')) == NULL || (size_t)(end - at) >= size)
		return 0;
	memcpy(out, at, (size_t)(end - at));
	out[end - at] = '\0';
	return (size_t)(end - at);
}

/* `<30>1 TIME HOST proctrace - EVENT - JSON`, TIME cut to microseconds as SyslogMessage does. */
static size_t format_message(const char *host, const char *line, size_t len, char **buf, size_t *cap)
{
	char stamp[64] = "-", kind[64] = "-";
	size_t n = json_string(line, "\"time\":\"", stamp, sizeof stamp);
	if (n > 4 && stamp[n - 1] == 'Z') {
		stamp[n - 4] = 'Z';
		stamp[n - 3] = '\0';
	} else if (n == 0) {
		strcpy(stamp, "-");
	}
	if (json_string(line, "\"event\":\"", kind, sizeof kind) == 0)
		strcpy(kind, "-");
	size_t need = len + strlen(stamp) + strlen(host) + strlen(kind) + 64;
	if (need > *cap) {
		*cap = need * 2;
		if ((*buf = realloc(*buf, *cap)) == NULL) {
			perror("realloc");
			exit(1);
		}
	}
	int head = snprintf(*buf, *cap, "<30>1 %s %s proctrace - %s - ", stamp, host, kind);
	memcpy(*buf + head, line, len);
	return (size_t)head + len;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: relp-librelp HOST PORT FILE\n");
		return 2;
	}
	int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "relp-librelp: open %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char host[256] = "-";
	gethostname(host, sizeof host - 1);

	relpEngine_t *engine;
	struct client c = {.host = argv[1], .port = argv[2], .step = FIRST_WAIT_NS};
	if (relpEngineConstruct(&engine) != RELP_RET_OK
	    || relpEngineSetDbgprint(engine, no_debug) != RELP_RET_OK
	    || relpEngineSetEnableCmd(engine, (unsigned char *)"syslog", eRelpCmdState_Required) != RELP_RET_OK
	    || relpEngineCltConstruct(engine, &c.clt) != RELP_RET_OK) {
		fprintf(stderr, "relp-librelp: librelp's engine or client could not be made\n");
		return 1;
	}

	char *pending = NULL, *msg = NULL;
	size_t have = 0, cap = 0, msg_cap = 0;
	uint64_t lines = 0, taken = 0;
	for (;;) {
		if (cap - have < 65536 && (pending = realloc(pending, cap = cap * 2 + 65536)) == NULL) {
			perror("realloc");
			return 1;
		}
		ssize_t got = read(fd, pending + have, cap - have);
		if (got < 0 && errno != EINTR) {
			perror("read");
			return 1;
		}
		if (got > 0)
			have += (size_t)got;
		char *start = pending, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - pending))) != NULL) {
			*nl = '\0';
			lines++;
			size_t len = format_message(host, start, (size_t)(nl - start), &msg, &msg_cap);
			if (send_message(&c, (unsigned char *)msg, len))
				taken++;
			start = nl + 1;
		}
		have -= (size_t)(start - pending);
		memmove(pending, start, have);
		if (got == 0) {
			if (stopping)  /* the recorder has stopped: FILE is whole */
				break;
			usleep(10000);
		}
	}
	int64_t started = now_ns();
	timed(&st_close, relpEngineCltDestruct(engine, &c.clt), started);
	relpEngineDestruct(&engine);

	printf("librelp: %llu lines, %llu taken by librelp, %llu not taken (stop's grace over)",
	       (unsigned long long)lines, (unsigned long long)taken,
	       (unsigned long long)(lines - taken));
	struct call_stats *all[] = {&st_connect, &st_send, &st_reconnect, &st_close};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		printf("; %s: %llu calls, %llu failed, longest %.1f ms", all[i]->name, (unsigned long long)all[i]->calls,
		       (unsigned long long)all[i]->failed, (double)all[i]->longest_ns / 1e6);
	printf("\n");
	return 0;
}
