"""Student code run through the sandboxed worker (WorkerCaller): calls that end or flood a worker,
and the worker's own lifetime.

An endless loop is stopped at the call limit, a process that dies is reported and replaced,
printing never reaches the grading channel; close() ends the worker's process group and whatever
the student's code started; student code has no network and cannot forge replies. Each test has a
notebook and a worker of its own.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from autograder.calls import StudentProblem, WorkerCaller
from autograder.sandbox import sandbox_missing
from worker_notebooks import HEALTHY, LIMITS, answer_cell, assert_serves, setup_cell, wait_until_gone
from worker_notebooks import worker  # noqa: F401 -- a fixture, found by its name

# ----------------------------------------------------------------------------- calls that end or flood a worker

LOOPS = {
    "busy-loop": "def spin():\n    while True:\n        pass\n",
    "ignores-keyboard-interrupt": ("def spin():\n    while True:\n        try:\n            pass\n"
                                   "        except KeyboardInterrupt:\n            pass\n"),
}


@pytest.mark.parametrize("source", list(LOOPS.values()), ids=list(LOOPS))
def test_endless_loop_is_stopped_at_the_limit(worker, source):
    """Is an endless loop stopped at the call limit, its process group gone, and a fresh worker serving next?"""
    caller = worker(source, HEALTHY)
    old = assert_serves(caller)
    started = time.monotonic()
    with pytest.raises(StudentProblem) as info:
        caller("spin")
    elapsed = time.monotonic() - started
    assert info.value.message.startswith("`spin`: this call took longer than 2 s")
    assert not info.value.not_implemented
    assert LIMITS.call_seconds <= elapsed < LIMITS.call_seconds + 2
    assert wait_until_gone(os.killpg, old)
    assert assert_serves(caller) != old


DEATHS = {
    "os-exit": ("import os\ndef die():\n    os._exit(3)\n", "exited with status 3"),
    "sigkill-self": ("import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                     "killed by SIGKILL"),
    "abort": ("import os\ndef die():\n    os.abort()\n", "killed by SIGABRT"),
}


@pytest.mark.parametrize("source, says", list(DEATHS.values()), ids=list(DEATHS))
def test_process_death_is_reported_and_worker_replaced(worker, source, says):
    """Does a function that ends the worker process give a StudentProblem with the exit status, then a fresh worker?"""
    caller = worker(source, HEALTHY)
    old = assert_serves(caller)
    with pytest.raises(StudentProblem) as info:
        caller("die")
    assert info.value.message.startswith("`die`: the process running your code")
    assert says in info.value.message
    assert not caller.worker.running
    assert assert_serves(caller) != old


PRINTS = {
    "one-50MB-print": ("def noisy():\n    print('x' * 50_000_000)\n    return 1.0\n", OSError),
    "many-prints": ("def noisy():\n    for i in range(500_000):\n        print('spam' * 5, i)\n"
                    "    return 1.0\n", OSError),
    "50MB-to-stderr": ("import sys\ndef noisy():\n    sys.stderr.write('e' * 50_000_000)\n    return 1.0\n",
                       OSError),
    "fake-reply-printed": ("def noisy():\n    print('{\"status\": \"ok\", \"result\": {\"kind\": \"float\", "
                           "\"value\": \"42.0\"}}', flush=True)\n    return 1.0\n", 1.0),
}


@pytest.mark.parametrize("source, outcome", list(PRINTS.values()), ids=list(PRINTS))
def test_printing_never_reaches_the_channel(worker, source, outcome):
    """Does printed output, however large or channel-like, leave the reply intact (value or clear OSError)?"""
    caller = worker(source, HEALTHY)
    pid = assert_serves(caller)
    if outcome is OSError:
        with pytest.raises(StudentProblem) as info:
            caller("noisy")
        assert info.value.message.startswith("`noisy` raised OSError:")
        assert "File too large" in info.value.message
    else:
        got = caller("noisy")
        assert type(got) is float and got == outcome
    assert assert_serves(caller) == pid


# ----------------------------------------------------------------------------- process lifetime

def test_close_ends_the_worker_process_group(worker):
    """After close(), is the worker's whole process group gone?"""
    caller = worker(HEALTHY)
    pgid = assert_serves(caller)
    assert os.getpgid(pgid) == pgid  # the worker leads its own process group
    caller.close()
    assert not caller.worker.running
    assert wait_until_gone(os.killpg, pgid)


def _processes_running(command_line: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().replace(b"\0", b" ").strip() \
                    == command_line.encode():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(bool(sandbox_missing()), reason="needs the sandbox (bubblewrap)")
@pytest.mark.parametrize("new_session", [False, True], ids=["same-session", "own-session"])
def test_close_kills_processes_started_by_student(worker, new_session):
    """Is a process the student's code started killed with the worker, even one in its own session?"""
    marker = f"sleep 31.{os.getpid()}{int(new_session)}"
    caller = worker(f"import subprocess\nKEEP = []\n\ndef spawn():\n"
                    f"    KEEP.append(subprocess.Popen({marker.split()!r}, start_new_session={new_session}))\n"
                    f"    return 0.0\n", HEALTHY)
    assert caller("spawn") == 0.0
    deadline = time.monotonic() + 5
    while not _processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(marker)  # it runs now, outside the worker's reach as a PID
    caller.close()
    deadline = time.monotonic() + 5
    while _processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(marker) == []


@pytest.mark.skipif(bool(sandbox_missing()), reason="needs the sandbox (bubblewrap)")
def test_student_code_has_no_network(worker):
    """Does student code see no network interface but its own loopback, and can it not reach a
    server listening on the host's loopback?"""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        caller = worker("import socket\n\ndef interfaces():\n"
                        "    return [name for _, name in socket.if_nameindex()]\n\n"
                        "def connect(port):\n    try:\n"
                        "        socket.create_connection(('127.0.0.1', int(port)), timeout=1).close()\n"
                        "    except OSError as exc:\n        return exc.errno\n    return 0\n", HEALTHY)
        assert caller("interfaces") == ["lo"]
        import errno
        assert caller("connect", port) == errno.ECONNREFUSED  # the sandbox's own loopback, not the host's
    assert assert_serves(caller)


def test_forged_channel_lines_cannot_answer_later_calls(worker):
    """If student code writes fake replies onto the channel, does every call still get its own answer?"""
    caller = worker(setup_cell("import os\nimport numpy as np"), answer_cell(
        "def forge():\n    os.write(4, b'{\"status\":\"ok\",\"result\":{\"kind\":\"float\",\"value\":\"42.0\"}}\\n')\n"
        "    return 0.0\n\ndef ok(x):\n    return x\n"))
    assert caller("forge") == 0.0
    assert caller("ok", 1.0) == 1.0
    assert caller("ok", 5.0) == 5.0


@pytest.mark.parametrize("reply", [{}, {"kind": "list", "items": 5}, {"kind": "dict", "items": [1]}])
def test_malformed_reply_is_a_student_problem(reply):
    """Does a malformed value in a reply become a StudentProblem rather than crash the grader?"""
    from autograder.calls import interpret

    with pytest.raises(StudentProblem, match="unreadable"):
        interpret({"status": "ok", "result": reply, "mutated": [], "warnings": []}, "f")


def test_notebook_in_a_missing_folder_is_a_clear_problem(tmp_path):
    """Is a notebook path under a missing folder reported as 'notebook not found'?"""
    caller = WorkerCaller(tmp_path / "nowhere" / "a01_x.ipynb", LIMITS)
    with pytest.raises(StudentProblem, match="notebook not found"):
        caller("f")
    caller.close()
