#!/usr/bin/env python3
"""Issue 23's flood, as an unprivileged attacker runs it: exec a copy of
/bin/true padded to 40-56 MiB (sparse), a new size and mtime each time, so
every exec is an exe-hash miss. Prints how many execs ran.

    hash-flood.py PATH SECONDS
"""
import os
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
with open("/bin/true", "rb") as source, open(path, "wb") as target:
    target.write(source.read())
os.chmod(path, 0o755)
end, ran = time.time() + seconds, 0
while time.time() < end:
    try:
        os.truncate(path, (40 << 20) + (ran % 4000) * 4096)  # under --hash-max-bytes (64M)
        os.waitpid(os.posix_spawn(path, ["big", "flood"], {}), 0)
        ran += 1
    except OSError:  # ETXTBSY while a child still maps it
        time.sleep(0.001)
print(ran)
