"""The rules README.md and every page of docs/ keep (tests/test_readme.py, tests/test_docs.py):
how each fenced block is accounted for, and which repository paths and code names a page may give."""
from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass

from conftest import NOTEBOOKS, ROOT

# --- code blocks, and the rule every page of the documentation keeps --------------------------------
#
# README.md and every page of docs/ (tests/test_docs.py) keep one rule for their fenced blocks:
# - a block fenced `bash` or `console` is a command a reader runs: a test runs it. Its entries say
#   which ("run by tests/FILE.py::TEST", a test that exists; "run by .ci/run: ..." for a line CI
#   runs as it stands); "not run" is refused for it;
# - every other block names its language (`text`, `python`, ...): a listing, output, configuration,
#   or a command no test can run (a server to start, a cluster), listed "not run: <reason>", or
#   "run by ..." where a test checks what it shows;
# - every block is registered with a fingerprint of its text, so that a changed block is looked at
#   again; a page may repeat a block of another, character for character, accounted for there.
COMMANDS = ("bash", "console")


@dataclass(frozen=True)
class Block:
    page: str         # its file, from the repository's root ("README.md", "docs/students.md")
    line: int         # where its opening ``` is (1-based)
    info: str         # the fence's info string ("bash", "console", "text", ...; "" for none)
    marker: str       # the name of a `<!-- name: ... -->` comment just above it, else ""
    lines: tuple      # its lines

    @property
    def key(self) -> str:
        return self.marker or re.split(r"\s{2,}", command(self.lines[0]))[0]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha1("\n".join((self.info, *self.lines)).encode()).hexdigest()[:8]

    @property
    def where(self) -> str:
        return f"{self.page} line {self.line}"


def command(line: str) -> str:
    """A code line without its trailing `# comment` (a lone `#` in a shell line starts one)."""
    return re.split(r"\s+#\s", line, maxsplit=1)[0].strip()


def blocks(text: str, page: str = "README.md") -> list[Block]:
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opened = re.fullmatch(r"```(\S*)\s*", lines[i])
        if not opened:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        above = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = re.match(r"<!--\s*([\w-]+):", above)
        found.append(Block(page, i + 1, opened.group(1), marker.group(1) if marker else "", tuple(lines[i + 1:end])))
        i = end + 1
    return found


def how_problems(b: Block, hows: tuple) -> list[str]:
    """What is wrong with the entries saying how block ``b`` is checked (empty: nothing)."""
    problems = []
    if not hows:
        problems.append("no entry says how it is checked")
    for how in hows:
        if how.startswith("run by .ci/run: "):
            ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
            if not any(command(line) in ci for line in b.lines):
                problems.append(f"{how!r}: no line of the block is a line of .ci/run")
        elif how.startswith("run by "):
            path, _, name = how.removeprefix("run by ").partition("::")
            source = ROOT / path
            tree = ast.parse(source.read_text(encoding="utf-8")) if source.is_file() else ast.Module(body=[])
            if name not in {f.name for f in tree.body if isinstance(f, ast.FunctionDef)}:
                problems.append(f"{how!r}: no such test")
        elif re.fullmatch(r"not run: \S.{10,}", how):
            if b.info in COMMANDS:
                problems.append(f"a `{b.info}` block is a command a reader runs, so a test runs it; "
                                "show a command no test can run in a `text` block, with the reason")
        else:
            problems.append(f"{how!r}: neither 'run by tests/FILE.py::TEST', 'run by .ci/run: ...' "
                            "nor 'not run: <reason>'")
    return problems


def unaccounted(found: list[Block], registry: dict, name=lambda b: b.key, elsewhere: frozenset = frozenset()) -> list[str]:
    """Every way ``found`` breaks the rule above, given the ``registry`` of its page(s) (a block's
    name -> (fingerprint, how, ...)); ``elsewhere`` holds the (key, fingerprint) of blocks that
    another registry accounts for."""
    problems = []
    for b in found:
        if not b.info:
            problems.append(f"{b.where}: a block without a language; fence it `bash` or `console` "
                            "(a command a test runs) or `text`, `python`, ... (shown, not run)")
        elif (b.key, b.fingerprint) in elsewhere:
            continue
        elif name(b) not in registry or registry[name(b)][0] != b.fingerprint:
            problems.append(f"{b.where}: block `{b.key}` (fingerprint {b.fingerprint!r}) is new or changed: "
                            "register it, with that fingerprint, and say which test runs it")
        else:
            problems += [f"{b.where}: block `{b.key}`: {p}" for p in how_problems(b, registry[name(b)][1:])]
    present = {name(b) for b in found}
    problems += [f"the registry lists a block no page has: {key!r}" for key in registry if key not in present]
    return problems


# Paths the README or a page of docs/ names that are not in the repository, and why.
NOT_IN_THE_REPO = {
    # made at run time, inside the course folder (all git-ignored)
    "submitted/": "nbgrader collect's submissions",
    "submitted/<student>/<assignment>/<assignment>.ipynb": "a collected submission",
    "autograded/": "nbgrader autograde's output",
    "feedback/<student>/…html": "nbgrader generate_feedback's output",
    "feedback/": "nbgrader generate_feedback's output folder",
    "gradebook.db": "nbgrader's SQLite gradebook, made on first use",
    "grades.csv": "nbgrader export's output",
    "grading_report.csv": "the demo's grading report, in its temporary copy",
    "grading_report_ASSIGNMENT.csv": "deepgrad autograde's report",
    "grading_report_*.csv": "deepgrad autograde's reports",
    "class_report_ASSIGNMENT.html": "deepgrad report's page",
    "class_report_ASSIGNMENT.csv": "deepgrad report's table",
    "class_report_*.csv": "deepgrad report's tables",
    "similar_ASSIGNMENT.html": "deepgrad similar's page",
    "similar_ASSIGNMENT.csv": "deepgrad similar's table of pairs",
    "site/": "the documentation site, when `mkdocs build` builds it in place (git-ignored)",
    # made at run time outside the course folder
    "/srv/nbgrader/exchange": "nbgrader's exchange, made once per server (the walkthrough's first line)",
    "../deepgrad-student": "the bundle the walkthrough writes beside the course",
    "../known-solutions": "an instructor's folder of known public solutions, beside the course (deepgrad similar --against)",
    "a01_gradient_descent/": "the student's folder, made by nbgrader fetch_assignment where they work",
    "a01_gradient_descent/feedback/": "made there by nbgrader fetch_feedback",
    # the host's folders, as the sandbox sees or hides them
    "/tmp": "the sandbox's private /tmp",
    "/dev/shm": "the sandbox's private /dev/shm",
    "/proc": "the sandbox's own /proc",
    "/proc/<pid>/root": "another process's root, which the sandbox cannot see",
    "/usr/local": "an example of a system folder a course might sit in",
    "index.html": "the demo's page, in its course copy",
    # not a path
    "dask/dask": "the Dask Helm chart's name",
    "text/html": "a MIME type (the threat model's flows)",
    "dCE/dw21": "a derivative's name, in the self-check's output the student's guide shows",
}
PATHLIKE = re.compile(r"(?:[\w.<>…*-]*/)+[\w.<>…*-]*|[\w.*-]+\.(?:py|md|ipynb|toml|csv|html|db)")


def named_paths(text: str) -> set[str]:
    """Tokens of backticked spans and code blocks that look like paths (in a block, a line's text
    before a run of two spaces: a listing's path, a command without its comment)."""
    fenced = re.compile(r"^```.*?^```", re.M | re.S)
    chunks = re.findall(r"`([^`]+)`", fenced.sub("", text))
    chunks += [re.split(r"\s{2,}", line)[0] for b in blocks(text) for line in b.lines]
    found = set()
    for chunk in chunks:
        for token in chunk.split():
            token = token.strip("\"'").rstrip(".,;:)").lstrip("(")
            if "://" not in token and PATHLIKE.fullmatch(token) and re.search(r"[A-Za-z]", token):
                found.add(token)
    return found


def expanded(path: str) -> list[str]:
    """A path with placeholders, as every real path it stands for: <assignment>, aNN; <locale> and
    <module> (a message catalogue: autograder/locale/<locale>/<module>.po) as one that must exist, and a
    glob (tests/bugs_*.py) as its first match."""
    if "*" in path:
        return [str(next(iter(sorted(ROOT.glob(path))), path))]
    path = path.replace("<locale>", "zh_TW").replace("<module>", "autograder.compare")
    names = sorted(NOTEBOOKS.values())
    if "<assignment>" in path:
        return [path.replace("<assignment>", name) for name in names]
    if "aNN" in path:
        return [path.replace("aNN", a) for a in sorted(NOTEBOOKS)]
    return [path]


def missing_paths(text: str) -> list[str]:
    """The repository paths ``text`` names that do not exist (NOT_IN_THE_REPO aside)."""
    named = named_paths(text)
    return [p for p in sorted(named - set(NOT_IN_THE_REPO)) for real in expanded(p) if not (ROOT / real).exists()]


DOTTED = re.compile(r"(?:deepgrad|autograder|dlkit)(?:\.\w+)+")


def _defines(tree: ast.AST, name: str):
    """The top-level statement of ``tree`` (a module's or a class's body) that defines ``name``."""
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return node
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return node
        if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
            return node
    return None


def undefined_names(text: str) -> list[str]:
    """The dotted names of the project's packages (`deepgrad.commands.submissions.BUGS`) that
    ``text`` gives in backticks and that name no module, or nothing the module defines."""
    wrong = []
    for name in sorted({n for span in re.findall(r"`([^`]+)`", text) for n in DOTTED.findall(span)
                        if DOTTED.fullmatch(span)}):
        parts = name.split(".")
        at = max(i for i in range(1, len(parts) + 1) if (ROOT.joinpath(*parts[:i])).is_dir()
                 or ROOT.joinpath(*parts[:i]).with_suffix(".py").is_file())
        module = ROOT.joinpath(*parts[:at])
        rest = parts[at:]
        if not rest:
            continue
        source = module / "__init__.py" if module.is_dir() else module.with_suffix(".py")
        node = ast.parse(source.read_text(encoding="utf-8")) if source.is_file() else None
        for part in rest:
            node = _defines(node, part) if node is not None else None
        if node is None:
            wrong.append(name)
    return wrong
