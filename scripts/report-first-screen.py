#!/usr/bin/env python3
"""Opens a proctrace report in headless Chromium and measures, in real time, how
long it takes to show its first screen, through the DevTools protocol over a pipe.

  report-first-screen.py REPORT.html [RUNS]

Prints one JSON object: first_screen_ms (the page's performance.now(), from
navigation start, when its visible rows are built and laid out: reading,
inflating and decoding the processes' data included), records_ms (when it has
also read every record: exec marks drawn, details and find ready), and the same
two moments from starting chromium (wall_first_screen_ms, seen by polling every
20 ms, and wall_ready_ms), one entry per run.
"""
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time


class DevTools:
    def __init__(self, url, profile):
        # --remote-debugging-pipe: chromium reads commands on fd 3 and answers on fd 4, NUL-terminated JSON.
        # Our ends are moved above 10 so that placing the child's at 3 and 4 clobbers nothing.
        to_browser_read, to_browser = os.pipe()
        from_browser, from_browser_write = os.pipe()
        to_browser_read, self.to_browser, self.from_browser, from_browser_write = (
            self.moved(fd) for fd in (to_browser_read, to_browser, from_browser, from_browser_write))

        def child_fds():
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)
        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--window-size=1600,900", url],
            pass_fds=(to_browser_read, from_browser_write, 3, 4), preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0

    @staticmethod
    def moved(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def close(self):
        self.process.kill()
        self.process.wait()


def measure(path):
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        started = time.monotonic()
        browser = DevTools("file://" + os.path.abspath(path), profile)
        try:
            page = None
            while page is None:
                pages = [t for t in browser.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
                page = pages[0] if pages else None
            session = browser.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
            deadline = started + 60
            first_seen = None
            while time.monotonic() < deadline:
                result = browser.call("Runtime.evaluate", session,
                                      expression="JSON.stringify(document.documentElement.dataset)",
                                      returnByValue=True)["result"]
                data = json.loads(result.get("value") or "{}")
                if "error" in data:
                    raise RuntimeError("the page failed: " + data["error"])
                if first_seen is None and "firstScreenMs" in data:
                    first_seen = round((time.monotonic() - started) * 1000)
                if data.get("ready") == "1":
                    return int(data["firstScreenMs"]), first_seen, round((time.monotonic() - started) * 1000), data
                time.sleep(0.02)
            raise RuntimeError("the page was not ready within 60 s")
        finally:
            browser.close()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    runs = int(sys.argv[2]) if len(sys.argv) == 3 else 3
    first, records, wall_first, wall, phases = [], [], [], [], {}
    for _ in range(runs):
        screen, seen, elapsed, data = measure(sys.argv[1])
        first.append(screen)
        records.append(int(data["recordsMs"]))
        wall_first.append(seen)
        wall.append(elapsed)
        phases = {k: v for k, v in data.items() if k.endswith("Ms")}
    print(json.dumps({"first_screen_ms": first, "records_ms": records, "wall_first_screen_ms": wall_first,
                      "wall_ready_ms": wall, "last_phases": phases}))
