/* stallfs: a FUSE filesystem with one executable file, `prog`, whose first
 * MiB is read from SOURCE (padded with zeros to SIZE bytes) and whose reads
 * past that never return — a dead NFS hard mount, for the test that a
 * recorder hashing the file never stops recording (issue 23).
 *
 * With `getattr`, it is `stat` of the file that never returns once the file
 * has been opened, for any caller but the threads that opened it (an exec
 * opens it and goes on; a later `stat` of /proc/PID/exe by someone else asks
 * the filesystem again, since attributes are never cached here): what a dead
 * NFS hard mount does to a recorder that stats the executable of each exec.
 *
 *   stallfs SOURCE SIZE MOUNTPOINT [getattr]   (runs in the foreground until unmounted or killed)
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *head;
static size_t head_size;
static off_t file_size;
static const off_t answered = 1 << 20;
static int stall_getattr_after_open;
static pid_t openers[256];
static volatile int opener_count;

static int opened_it(pid_t pid)
{
	for (int i = 0; i < opener_count; i++)
		if (openers[i] == pid)
			return 1;
	return 0;
}

static int stall_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/prog") != 0)
		return -ENOENT;
	if (stall_getattr_after_open && opener_count > 0 && !opened_it(fuse_get_context()->pid)) {
		for (;;)
			pause(); /* the stat that never returns */
	}
	st->st_mode = S_IFREG | 0755;
	st->st_nlink = 1;
	st->st_size = file_size;
	st->st_mtime = st->st_ctime = 1700000000;
	return 0;
}

static int stall_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset,
			 struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)offset; (void)fi; (void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "prog", NULL, 0, 0);
	return 0;
}

static int stall_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/prog") != 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	fi->keep_cache = 1;
	if (opener_count < (int)(sizeof openers / sizeof *openers))
		openers[opener_count++] = fuse_get_context()->pid;
	return 0;
}

static int stall_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	if (offset >= answered) {
		for (;;)
			pause(); /* the read that never returns */
	}
	if (offset >= file_size)
		return 0;
	if ((off_t)size > file_size - offset)
		size = file_size - offset;
	if ((off_t)size > answered - offset)
		size = answered - offset;
	memset(buf, 0, size);
	if ((size_t)offset < head_size) {
		size_t n = head_size - offset < size ? head_size - offset : size;
		memcpy(buf, head + offset, n);
	}
	return size;
}

static const struct fuse_operations operations = {
	.getattr = stall_getattr,
	.readdir = stall_readdir,
	.open = stall_open,
	.read = stall_read,
};

int main(int argc, char **argv)
{
	if (argc != 4 && !(argc == 5 && strcmp(argv[4], "getattr") == 0)) {
		fprintf(stderr, "usage: stallfs SOURCE SIZE MOUNTPOINT [getattr]\n");
		return 2;
	}
	stall_getattr_after_open = argc == 5;
	FILE *source = fopen(argv[1], "rb");
	if (!source) {
		perror(argv[1]);
		return 1;
	}
	head = malloc(answered);
	head_size = fread(head, 1, answered, source);
	fclose(source);
	file_size = strtoll(argv[2], NULL, 10);
	/* Multithreaded (the default): a stalled read holds one thread, the others answer. */
	/* Writable copies: libfuse's option parser may edit them in place. */
	char *fuse_argv[] = { strdup(argv[0]), strdup("-f"), strdup("-o"),
			      strdup(stall_getattr_after_open ? "allow_other,ro,fsname=stallfs,attr_timeout=0,entry_timeout=0,negative_timeout=0"
							      : "allow_other,ro,fsname=stallfs"),
			      strdup(argv[3]), NULL };
	return fuse_main(5, fuse_argv, &operations, NULL);
}
