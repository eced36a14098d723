#ifndef PROCTRACE_STANDARD_C_H
#define PROCTRACE_STANDARD_C_H
/*
 * What ProcTraceCore needs from C, and only the C standard's (plus POSIX's
 * localtime_r): the byte searches the readers' hot loops run on (the C
 * library's vectorised memchr scans a line at a time) and the local clock of
 * human output. Wrapped so Core imports no platform module (Glibc, Darwin,
 * Musl): whatever platform builds this header builds Core.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* memchr: the first byte equal to `byte` in [bytes, bytes + count), or NULL. */
static inline const void *proctrace_find_byte(const void *bytes, uint8_t byte, size_t count) {
    return memchr(bytes, byte, count);
}

/* memcmp == 0. */
static inline int proctrace_bytes_equal(const void *a, const void *b, size_t count) {
    return memcmp(a, b, count) == 0;
}

/* The local wall clock's second of the day at `seconds` since the epoch (the
 * time zone's rules at that instant), or -1 when the C library cannot say. */
static inline int32_t proctrace_local_second_of_day(int64_t seconds) {
    time_t time = (time_t)seconds;
    struct tm broken;
    if (localtime_r(&time, &broken) == NULL) return -1;
    return broken.tm_hour * 3600 + broken.tm_min * 60 + broken.tm_sec;
}

#endif
