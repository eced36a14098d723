#!/usr/bin/env bash
# Installs the Debian packages proctrace needs to build and run, if missing;
# arguments name more (make deb and make test-install add theirs).
set -euo pipefail
# systemd (systemd-analyze), python3 (the man page), strace and util-linux
# (setpriv, unshare): make install and the service tests. chromium and a font: the report's browser tests.
# qemu-system-x86, busybox-static, cpio and debian-archive-keyring: make test-kernels.
# rsyslog, prometheus and systemd's journald: the output tests run the real receivers; logrotate: the rotation tests.
# rsyslog-gnutls and rsyslog-relp: the collector of the syslog+tls:// and relp:// tests (imtcp with TLS, imrelp);
# openssl makes their certificates, iproute2 the fleet test's network namespaces and veth links.
# libpcre2-dev and libyaml-dev: Sigma's `re` and rule files (hunt; the binary then needs libpcre2-8-0 and libyaml-0-2).
# nodejs: node --check on the report's script (ReportPageResourcesTests).
# libssl-dev: libcrypto's SHA-256 and HMAC (CProcTraceCrypto; the binary then needs libssl3).
# fuse3 and libfuse3-dev: stallfs, the filesystem whose reads never return (CaptureNeverWaitsTests).
# librelp-dev: the librelp client of scripts/bench-syslog-tls.sh (scripts/bench/relp-librelp.c), against relp://.
packages=(libbpf-dev libelf-dev zlib1g-dev libssl-dev libpcre2-dev libyaml-dev bpftool pkg-config systemd python3 strace util-linux chromium fonts-dejavu-core
  qemu-system-x86 busybox-static cpio debian-archive-keyring rsyslog rsyslog-gnutls rsyslog-relp openssl iproute2 prometheus logrotate fuse3 libfuse3-dev librelp-dev nodejs "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# pySigma and its SQLite backend (PyPI): the reference evaluator of hunt's differential test
# (scripts/sigma-differential.py). Installed as root only; elsewhere that test says what is missing.
if ! python3 -c 'import sigma.backends.sqlite' 2>/dev/null && [ "$(id -u)" -eq 0 ]; then
  echo "installing: pysigma-backend-sqlite (PyPI)"
  python3 -m pip install --quiet 'pysigma-backend-sqlite==2.1.1' >/dev/null
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "proctrace: missing packages: ${missing[*]}; run 'sudo make deps' (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
