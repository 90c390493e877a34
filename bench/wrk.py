"""wrk, the HTTP load generator (Debian package ``wrk``), driving a server through a
list of paths: a fixed number of requests over keep-alive connections, with latency
percentiles, errors and the server's CPU time. The client costs little CPU of its own,
which matters on a 2-core machine where it shares the cores with the server it measures.

Each line of the paths file is appended to the server's prefix; each wrk thread starts
at a random line and goes round the list.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["WRK_SCRIPT", "Server", "cpu_seconds", "wrk"]

# wrk's main thread sleeps for the whole ``-d`` whatever its threads do, so a thread that
# has sent its share of requests stops and leaves a file in $BENCH_DONE; once every thread
# has, the driver interrupts wrk (SIGINT), which then prints its summary through done().
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local prefix, limit, i, handled = "/", 0, 0, 0
local counter = 0
id = 0  -- a global: setup() sets it in each thread's own Lua state

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  prefix, limit = args[1], tonumber(args[2])
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", prefix .. paths[i])
end

function response(status, headers, body)
  handled = handled + 1
  if limit > 0 and handled == limit then
    io.open(os.getenv("BENCH_DONE") .. "/" .. id, "w"):close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p90_us": %.1f, '
    .. '"p99_us": %.1f, "mean_us": %.1f, "max_us": %.1f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Server:
    """A server to drive: its name, base URL, the prefix of every path, and its process."""

    name: str
    base: str
    prefix: str
    pid: int | None  # whose CPU time is measured; None: not measured


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    server: Server, script: Path, paths: Path, requests: int, concurrency: int, threads: int
) -> dict[str, Any]:
    """One wrk run of ``requests`` requests; its summary, with the server's CPU seconds."""
    per_thread = -(-requests // threads)
    command = [
        *("wrk", f"-t{threads}", f"-c{concurrency}", "-d3600s", "--timeout", "10s"),
        *("-s", str(script), server.base, "--", server.prefix, str(per_thread)),
    ]
    with tempfile.TemporaryDirectory(prefix="wrk-done-") as finished:
        env = os.environ | {"BENCH_PATHS": str(paths), "BENCH_DONE": finished}
        cpu_before = None if server.pid is None else cpu_seconds(server.pid)
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        while len(list(Path(finished).iterdir())) < threads and process.poll() is None:
            time.sleep(0.005)
        cpu_after = None if server.pid is None else cpu_seconds(server.pid)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    lines = [line for line in out.decode().splitlines() if line.startswith("BENCH ")]
    if not lines:
        raise RuntimeError(f"wrk printed no summary: {out.decode()}\n{err.decode()}")
    summary: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH "))
    if cpu_before is not None and cpu_after is not None:
        summary["server_cpu_s"] = cpu_after - cpu_before
    return summary
