"""The child process that runs a student's notebook code for ``pytest autograder``.

Started by :mod:`autograder.sandbox` as ``python -I worker.py NOTEBOOK``. It loads the setup and
answer cells into a fresh module, then answers one JSON request per line on its original stdin
/stdout. The student's own prints go to a size-limited file instead, so they cannot garble the
channel. Everything this process says is treated as untrusted data by the grader.

Started as ``python -I worker.py --host OUTPUT`` (:mod:`autograder.host`, the self-check's one
sandbox for all its notebooks), it imports what the notebooks' setup cells import and then, on each
``load`` request, forks a copy of itself that loads that notebook and serves it as above, on the
same channel, until the grader asks it to ``end``. Between two notebooks every other process in the
sandbox is killed and its private ``/tmp`` and ``/dev/shm`` emptied, so each notebook starts as in a
sandbox of its own; a copy that ends any other way ends the host with the same status.
"""
from __future__ import annotations

import builtins
import importlib
import os
import signal
import sys
import time
import types
from pathlib import Path

# `python -I` leaves the script's folder off sys.path; the package's parent must be on it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.channel import dumps, loads  # noqa: E402
from autograder.execute import (cell_filename, execute_call, register_source,  # noqa: E402
                                student_traceback)
from autograder.lazy_imports import install as lazy_imports  # noqa: E402
from autograder.messages import say  # noqa: E402
from autograder.notebook import NotebookError, loadable_cells  # noqa: E402


def _take_over_stdio(output_path: str):
    """Keep private copies of stdin/stdout for the channel; point fds 0-2 elsewhere."""
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    out = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # Past the file-size limit, a print fails with an OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return channel_in, channel_out


class _NoShortcuts:
    """Refuses to import the libraries that would do the exercises (autodiff, ready-made nets),
    however the import is spelled. (The grader also refuses answers that mention them.)"""

    BLOCKED = ("torch", "tensorflow", "keras", "jax", "autograd", "mxnet", "theano", "cupy", "numdifftools")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED:
            raise ImportError(f"`{name}` is not allowed in this course: write the answer with numpy")
        return None


_BUILTINS = dict(vars(builtins))


def restore_builtins() -> None:
    """Undo what student code did to the builtins, which this process's own code relies on too."""
    current = vars(builtins)
    for name in [n for n in current if n not in _BUILTINS]:
        del current[name]
    current.update(_BUILTINS)


def load_module(notebook: Path, skip: set[int], announce) -> tuple[types.ModuleType, list[dict]]:
    """Run the setup and answer cells into a fresh module, announcing each cell before it runs
    (so the grader knows which one never finished) and leaving out the cells in ``skip``."""
    module = types.ModuleType("submission")
    module.__file__ = str(notebook)
    errors = []
    for cell in loadable_cells(notebook):
        if cell.index in skip:
            continue
        announce(cell)
        filename = cell_filename(cell.label)
        register_source(filename, cell.source)
        try:
            exec(compile(cell.source, filename, "exec"), module.__dict__)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001 -- report it and keep loading later cells
            errors.append({"cell": cell.label, "index": cell.index, "grade_id": cell.grade_id,
                           "traceback": student_traceback(exc)[-4000:]})
        restore_builtins()
    return module, errors


def serve(notebook: Path, skip: set[int], channel_in, channel_out, handback: int | None = None) -> int:
    """Load the notebook, then answer calls until the channel ends; the exit status. In a host's
    copy (``handback``: a pipe to the host), an ``end`` request writes its id there and ends it."""
    worker_pid = os.getpid()

    def send(message: dict) -> None:
        channel_out.write(dumps(message))
        channel_out.flush()

    try:
        module, errors = load_module(
            notebook, skip, lambda cell: send({"status": "loading", "cell": cell.index, "grade_id": cell.grade_id,
                                               "label": cell.label}))
    except NotebookError as exc:
        send({"status": "unreadable", "message": str(exc)})
        return 0
    send({"status": "loaded", "load_errors": errors})
    for line in channel_in:
        request = loads(line)
        if request.get("op") == "end" and handback is not None:
            os.write(handback, str(request.get("id"))[:64].encode())
            return 0
        if request.get("op") != "call":
            send({"status": "bad_request", "id": request.get("id")})
            continue
        reply = execute_call(module.__dict__, str(request["fn"]), list(request["args"]))
        restore_builtins()
        if os.getpid() != worker_pid:  # a copy made by os.fork() in student code: only one answers
            os._exit(0)
        send({**reply, "id": request.get("id")})
    return 0


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--host"]:
        return host(argv[2])
    notebook = Path(argv[1]).resolve()
    sys.meta_path.insert(0, _NoShortcuts())
    lazy_imports()  # matplotlib.pyplot runs only if a call draws
    channel_in, channel_out = _take_over_stdio(argv[2])
    skip = {int(i) for i in argv[3].split(",") if i} if len(argv) > 3 else set()
    return serve(notebook, skip, channel_in, channel_out)


# What the course's setup cells import, imported once by a host before any notebook's code runs, so
# that each notebook it loads finds them imported: the same modules a notebook would import itself,
# from the same read-only files; a name that cannot be imported here is left to the notebook, which
# then meets the error itself. matplotlib's package only: a notebook's own first import of pyplot
# is what makes that module lazy (autograder.lazy_imports), and a second import would run it.
PRELOAD = ("numpy", "matplotlib", "threadpoolctl", "autograder.api", "autograder.data", "dlkit.nn",
           "dlkit.plots", "dlkit.datasets", "dlkit.real_data", "dlkit.regularisation", "dlkit.sequences")
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
HOST_STUCK = 70  # the host's status when it could not clear the sandbox for the next notebook
END_SECONDS = 5.0  # how long the processes a notebook left may take to die before the host gives up


def _prctl(option: int, value: int) -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _set_dumpable(on: bool) -> None:
    """A host is not dumpable (the copies it forks run student code as its own user: no ptrace of it,
    no reading its memory); each copy is again, as any process."""
    _prctl(PR_SET_DUMPABLE, int(on))


def _in_own_sandbox() -> bool:
    """The first process below bwrap's init in a PID namespace of its own (PID 2, its parent PID 1,
    as bwrap starts its command): the only place a host may kill every other process it can
    signal. (Outside one, PID 2 is the kernel's own.)"""
    return os.getpid() == 2 and os.getppid() == 1


def _clear(folder: str) -> None:
    """Remove what is in ``folder``, never crossing into a mount (the view's read-only files)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if os.path.ismount(entry.path):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _clear(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _end_the_rest() -> bool:
    """Kill every process in the sandbox but this one and its init, wait until each is gone, and
    empty /tmp and /dev/shm (matplotlib's folder, which the sandbox makes, stays, emptied). False if
    some process outlived END_SECONDS.

    The host is its sandbox's child subreaper: every process a notebook started, however orphaned,
    is the host's child, so "no child left" means none is left, not even as a zombie that init
    has yet to reap. Killing again on each round catches a process forked while the last kill
    went through the list."""
    deadline = time.monotonic() + END_SECONDS
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] != 0:
                pass
        except ChildProcessError:
            break
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    for folder in ("/tmp", "/dev/shm"):
        try:
            _clear(folder)
        except RecursionError:  # folders nested thousands deep: what is left stays
            pass
    made = os.environ.get("MPLCONFIGDIR")
    if made and not os.path.isdir(made):
        try:
            os.mkdir(made, 0o777)
        except OSError:
            pass
    return True


def _reseed() -> None:
    """Seed the global generators afresh, as a new process's are (a copy would share the host's)."""
    for name in ("random", "numpy.random"):
        if name in sys.modules:
            sys.modules[name].seed()


def host(output: str) -> int:
    """Serve notebooks one after another, each in a fresh copy of this process (see the module's
    docstring); exits when the channel ends, or as a copy that ended unasked did."""
    if not _in_own_sandbox():
        print(say("worker.py --host runs only as a sandbox's first process"), file=sys.stderr)
        return 2
    sys.meta_path.insert(0, _NoShortcuts())
    lazy_imports()
    channel_in, channel_out = _take_over_stdio(output)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 -- left to the notebook that imports it
            pass
    restore_builtins()
    _set_dumpable(False)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)

    def send(message: dict) -> None:
        channel_out.write(dumps(message))
        channel_out.flush()

    send({"status": "ready"})
    for line in channel_in:
        request = loads(line)
        if request.get("op") != "load":
            send({"status": "bad_request", "id": request.get("id")})
            continue
        skip = {i for i in request.get("skip", []) if type(i) is int}
        sys.stdout.flush()
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: the notebook's own process from here on
            code = 1
            try:
                os.close(read_end)
                _set_dumpable(True)
                out = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(out, 1)
                os.dup2(out, 2)
                os.close(out)
                _reseed()
                code = serve(Path(str(request.get("notebook"))), skip, channel_in, channel_out, write_end)
            finally:
                os._exit(code)
        os.close(write_end)
        status = os.waitpid(pid, 0)[1]
        os.set_blocking(read_end, False)  # what the copy wrote before it ended; a process it started
        try:                              # may hold the pipe open, so no waiting for its end
            token = os.read(read_end, 64).decode(errors="replace")
        except BlockingIOError:
            token = ""
        os.close(read_end)
        if not _end_the_rest():  # a process that would not die: the grader starts a fresh sandbox
            os._exit(HOST_STUCK)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and token:
            send({"status": "ready", "id": token})
            continue
        # Ended unasked (os._exit, a signal, the channel's end): end the same way, as the grader
        # reads it from bwrap (which reports a death by signal N as 128 + N).
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
