"""The deepgrad command: demo, autograde, report, similar, release, translate and bundle.

The top of the package: nothing imports this module. Each command imports what it runs when it
runs (the functions below), for two reasons of time, not of structure: ``deepgrad demo`` starts
the job processes' fork server first, which then imports the grader's modules while this process
imports the same, side by side (about 2 s of the demo); and ``deepgrad bundle`` or ``--help`` do
not pay for importing nbgrader."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from ..base.catalogues import ALL, LANGUAGES, SOURCE_LANGUAGE
from ..base.course_files import find_root, usable_cores
from ..base.errors import CourseError
from ..base.permissions import warning
from ..base.safe_text import ID_CHARS, LINE_CHARS, terminal_text
from ..runs.job_server import start_early, stop_server


def _demo(args) -> None:
    root = find_root()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="deepgrad-demo-"))
    if folder.exists() and any(folder.iterdir()):
        raise CourseError(f"--keep {folder} is not empty; give a new or empty folder")
    # The job processes' fork server imports the grader's modules while this process imports them too.
    start_early()
    try:
        from .demo import format_table, run_demo

        print(f"deepgrad demo: grading a copy of {root} in {folder} (about 1 minute on 2 cores)...", flush=True)
        result = run_demo(root, folder, progress=True, language=args.lang)
    finally:
        stop_server()  # the demo's job pool stopped it already, unless the demo ended before it
    print()
    print(format_table(result))
    print()
    print(f"open {result.index.as_uri()}  (grades, feedback pages, CSV, grading report, class reports)")
    print(f"done in {result.seconds:.0f} s")
    if args.keep:
        print(f"the graded course copy stays in {folder}")
    else:
        print(f"everything is in the temporary folder {folder}: delete it when done "
              "(`deepgrad demo --keep DIR` grades in a folder of your choice)")


# `deepgrad autograde` exits with the number of broken submissions, up to this (shells keep the
# codes above 125 for themselves, and 256 would wrap to 0).
MOST_BROKEN_SHOWN = 100
# ... and with this one when grading could not start at all, so no count of broken submissions
# reads like a setup error.
COULD_NOT_START = 101


def shortened(text: str, width: int = LINE_CHARS) -> str:
    """One line of at most ``width`` characters, cut at a word boundary with "…" (the report
    holds more of it), every control character shown as its escape: a reason quotes student
    output, and a terminal obeys the escape sequences it is sent."""
    return terminal_text(text, width)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _autograde(args) -> int:
    from ..runs.autograde import autograde_and_report

    root = find_root()
    if exposed := warning(root):
        print(exposed, file=sys.stderr)
    verdicts, report = autograde_and_report(root, args.assignment,
                                            students=args.student or None,
                                            sandboxed=not args.no_sandbox, jobs=args.jobs,
                                            scheduler=args.scheduler or None, progress=True)
    if not verdicts:
        print(f"deepgrad autograde: no submission of {args.assignment} in {root / 'submitted'}: "
              f"collect them first (`nbgrader collect {args.assignment}`)", file=sys.stderr)
    for v in verdicts:
        total = sum(t.points for t in v.tasks)
        reason = shortened(v.reason)
        shown = {"graded": f"{v.score:g} / {total:g}",
                 "review": f"{v.score:g} / {total:g}  REVIEW: {reason}"}.get(v.status, f"BROKEN: {reason}")
        print(f"{terminal_text(v.student, ID_CHARS):<20} {shown}")  # the id is a folder's name: any text
    print(f"report: {report}")
    broken = sum(v.status == "broken" for v in verdicts)
    if broken:
        print(f"deepgrad autograde: {broken} of {len(verdicts)} submission(s) broken: each needs a look by "
              "hand (the report says why)", file=sys.stderr)
    return min(broken, MOST_BROKEN_SHOWN)


def _release(args) -> None:
    from .release import generate_release

    for path in generate_release(find_root(), args.lang):
        print(f"wrote {path}")


def _translate(args) -> None:
    from .release import update_translations

    waiting = 0
    for path, count in update_translations(find_root(), args.lang).items():
        print(f"wrote {path}" + (f": {count} entries to translate (empty or fuzzy)" if count else ""))
        waiting += count
    if waiting:
        print(f"deepgrad translate: {waiting} entries wait for a translator (a gettext editor such as "
              "Poedit opens the .po files); the release of that edition refuses to run until then",
              file=sys.stderr)
    return 1 if waiting else 0


def _bundle(args) -> None:
    from .bundle import make_bundle

    out = make_bundle(find_root(), Path(args.out))
    print(f"student bundle written to {out} (leak scan clean)")


def _report(args) -> None:
    from .class_report import write_class_report

    page, table = write_class_report(find_root(), args.assignment, language=args.lang)
    print(f"class report: {page}")
    print(f"per-task CSV: {table}")


def _similar(args) -> None:
    from .similar import write_similarity

    page, table, comparison = write_similarity(find_root(), args.assignment,
                                               against=Path(args.against) if args.against else None, progress=True)
    print(f"{len(comparison.pairs)} pair(s) of {comparison.submissions} submission(s) worth a look"
          + (f", {len(comparison.public)} match(es) with a public solution" if args.against else ""))
    print(f"similar submissions: {page}")
    print(f"pairs CSV: {table}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deepgrad", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="grade three sample submissions per assignment with nbgrader")
    demo.add_argument("--keep", metavar="DIR",
                      help="grade in DIR (new or empty) and keep the course copy there "
                           "(default: a new temporary folder, which the demo names for you to delete)")
    demo.add_argument("--workdir", dest="keep", help=argparse.SUPPRESS)  # the old name of --keep
    demo.add_argument("--lang", choices=list(LANGUAGES), default=SOURCE_LANGUAGE,
                      help="the edition to release and grade: en (the default) or zh-TW (繁體中文)")
    demo.set_defaults(run=_demo)
    grade = sub.add_parser("autograde", help="nbgrader autograde, with scores decided outside student code",
                           epilog=f"exit status: the number of broken submissions (at most {MOST_BROKEN_SHOWN}), "
                                  f"0 when every one was graded; {COULD_NOT_START} when grading could not start")
    grade.add_argument("assignment")
    grade.add_argument("--student", action="append", help="only this student (repeatable)")
    grade.add_argument("--jobs", type=_positive, default=usable_cores(), metavar="N",
                       help="grade N submissions side by side (default: the usable cores, here "
                            f"{usable_cores()}); this process alone writes the gradebook")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=os.environ.get("DEEPGRAD_SCHEDULER"),
                       help="grade on the workers of this Dask cluster, e.g. tcp://HOST:8786 "
                            "(default: $DEEPGRAD_SCHEDULER; unset: on this machine)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade even where no sandbox can be made (student code then runs with your rights)")
    grade.set_defaults(run=_autograde)
    release = sub.add_parser("release", help="regenerate assignments/ (and assignments-zh-TW/) from solutions/ with nbgrader")
    release.add_argument("--lang", choices=[*LANGUAGES, ALL], default=SOURCE_LANGUAGE,
                         help="the edition: en (assignments/, the default), zh-TW (繁體中文, "
                              "assignments-zh-TW/) or all")
    release.set_defaults(run=_release)
    translate = sub.add_parser("translate", help="regenerate the translation catalogues of the notebooks (translations/) and messages (autograder/locale/)")
    translate.add_argument("--lang", choices=[*[k for k in LANGUAGES if k != SOURCE_LANGUAGE], ALL], default=ALL)
    translate.set_defaults(run=_translate)
    bundle = sub.add_parser("bundle", help="write the student bundle (no solutions, no hidden tests)")
    bundle.add_argument("out", help="a new or empty folder")
    bundle.set_defaults(run=_bundle)
    report = sub.add_parser("report", help="write the class report of an assignment (HTML page and per-task CSV)")
    report.add_argument("assignment")
    report.add_argument("--lang", choices=list(LANGUAGES), default=SOURCE_LANGUAGE,
                        help="the language of the page's own words (each student's messages are in their own)")
    report.set_defaults(run=_report)
    similar = sub.add_parser("similar", help="write the pairs of graded submissions worth a look, with the evidence "
                                             "(HTML page and CSV)")
    similar.add_argument("assignment")
    similar.add_argument("--against", metavar="DIR", help="also compare every submission with the known public "
                                                          "solutions in DIR (.ipynb or .py files)")
    similar.set_defaults(run=_similar)
    args = parser.parse_args(argv)
    try:
        status = args.run(args) or 0
    except CourseError as exc:
        print(f"deepgrad {args.command}: {exc}", file=sys.stderr)
        return COULD_NOT_START if args.command == "autograde" else 2
    except KeyboardInterrupt:
        print(f"deepgrad {args.command}: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
