#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "CProcTraceSystem.h"

int pt_send_descriptor(int socket, int fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct msghdr message;
	struct cmsghdr *header;

	memset(control, 0, sizeof(control));
	memset(&message, 0, sizeof(message));
	message.msg_control = control;
	message.msg_controllen = sizeof(control);
	header = CMSG_FIRSTHDR(&message);
	header->cmsg_level = SOL_SOCKET;
	header->cmsg_type = SCM_RIGHTS;
	header->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(header), &fd, sizeof(int));
	while (sendmsg(socket, &message, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int pt_sealed_memfd(const void *data, size_t length)
{
	const char *cursor = data;
	int fd = memfd_create("proctrace-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	while (length > 0) {
		ssize_t wrote = write(fd, cursor, length);
		if (wrote < 0 && errno == EINTR)
			continue;
		if (wrote <= 0) {
			int error = wrote < 0 ? errno : EIO;
			close(fd);
			return -error;
		}
		cursor += wrote;
		length -= (size_t)wrote;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		int error = errno;
		close(fd);
		return -error;
	}
	return fd;
}
