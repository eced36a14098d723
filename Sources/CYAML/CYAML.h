// libyaml (Debian's libyaml-0-2), for Sigma rule files: its event parser, read by ProcTraceRules' SigmaYAML.
#include <yaml.h>
