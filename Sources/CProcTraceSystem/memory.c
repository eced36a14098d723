#include <malloc.h>
#include "CProcTraceSystem.h"

/* glibc raises its mmap threshold to the size of the largest mapped block
 * freed (up to 32 MiB). libbpf's 16 MiB verifier log, freed when a hook mode
 * is refused, so sent every later block below 16 MiB to the heap: the
 * 5.5 MiB of vmlinux BTF parsed for the next mode, and what was allocated
 * after it, left 11 MiB there that free() could not give back (measured with
 * heaptrack and malloc_stats). A threshold set once stays fixed. */
int pt_memory_keep_large_blocks_mapped(int bytes)
{
	return mallopt(M_MMAP_THRESHOLD, bytes) == 1 ? 0 : -1;
}
