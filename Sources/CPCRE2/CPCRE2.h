// PCRE2 (8-bit code units), for Sigma's `re` modifier: the regular expressions Sigma rules are written in.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
