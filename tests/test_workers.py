"""``pressmark serve --workers N``: several processes on one socket, restarted when one
dies, all stopped cleanly by SIGTERM or SIGINT. Through the real server."""

import os
import signal
import time
from pathlib import Path

import pytest

from tests.servers import Server, site_env


def workers_of(server: Server) -> set[int]:
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


@pytest.fixture
def env(tmp_path):
    return site_env(tmp_path / "instance", SITE_URL="http://localhost")


def test_workers_share_one_socket_and_a_dead_one_is_replaced(env):
    server = Server(env, "--workers", "2", "--no-demo")
    try:
        first = wait_for(lambda: workers_of(server) if len(workers_of(server)) == 2 else None)
        for _ in range(20):
            assert server.get("/").status == 200
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(
            lambda: workers_of(server) if len(workers_of(server) - {victim}) == 2 else None
        )
        assert victim not in replaced and max(first) in replaced
        for _ in range(20):
            assert server.get("/").status == 200
    finally:
        output = server.stop()
    assert "(2 workers of 4 threads)" in output
    assert f"worker 0 (pid {victim}) was killed by signal 9; starting it again" in output


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_every_worker_and_the_server(env, stop_signal):
    server = Server(env, "--workers", "3", "--no-demo")
    workers = wait_for(lambda: workers_of(server) if len(workers_of(server)) == 3 else None)
    assert server.get("/").status == 200
    server.process.send_signal(stop_signal)
    try:
        assert server.process.wait(timeout=15) == 0
        assert not any(alive(pid) for pid in workers)
        with pytest.raises(OSError):
            server.get("/")
    finally:
        server.stop()
