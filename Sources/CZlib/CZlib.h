// zlib, for reading gzip-compressed rotated logs.
#include <zlib.h>
