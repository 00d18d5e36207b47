"""nbgrader configuration: this folder is the course (source = solutions/, release = assignments/)."""
import os

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "deepgrad"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "solutions"
# The course's edition: "en", or "zh-TW" for 繁體中文 (nbgrader's generate_assignment, the command
# and the formgrader's button alike, translates the English of solutions/ with translations/zh_TW/,
# and releases it into assignments-zh-TW/). `deepgrad release --lang` makes any edition for one run.
from deepgrad.adapters.translated_release import EditionOverwriteCells, generate_steps, release_folder  # noqa: E402

EDITION = "en"
c.TranslateNotebook.language = EDITION
c.TranslateNotebook.root = HERE
c.CourseDirectory.release_directory = release_folder(EDITION)
c.GenerateAssignment.preprocessors = generate_steps()
c.EditionOverwriteCells.root = HERE
# The gradebook: any SQLAlchemy URL (every deepgrad command reads it from here); by default the
# embedded SQLite file inside the course, git-ignored.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# nbgrader's exchange (release, fetch, submit, collect, feedback) is outside the course folder, so
# students reach it without reaching the course: nbgrader's own default place, or DEEPGRAD_EXCHANGE.
c.Exchange.root = os.environ.get("DEEPGRAD_EXCHANGE", "/srv/nbgrader/exchange")
c.Execute.timeout = 30
# nbformat repairs a notebook's duplicate cell ids on every read, with one warning per duplicate: a
# submission of 30,000 copies of a cell would print 30,000 lines at each step. deepgrad's verdict
# reports duplicate ids once, as the submission's "review" reason; the warnings are left out.
import warnings  # noqa: E402

from nbformat.warnings import DuplicateCellId  # noqa: E402

warnings.filterwarnings("ignore", category=DuplicateCellId)
# nbconvert validates the whole notebook against nbformat's schema after each of nbgrader's dozen
# steps; once, after the last, is enough (a step that made it invalid is still refused, by name of
# the last one), and grading a notebook of 30,000 cells takes seconds instead of a minute.
c.Exporter.optimistic_validation = True
# Once a notebook's last cell has run, its kernel is killed rather than asked to shut down
# (nbclient's option): everything it printed has arrived by then, a submission's exit hooks have
# nothing to add to its grading, and a graceful shutdown costs each submission 0.3 s of CPU.
c.Execute.shutdown_kernel = "immediate"
# Every kernel nbgrader starts for this course, from any command or button, runs in deepgrad's
# bubblewrap sandbox (where one can be made): no network, no view of the course's private files.
c.Execute.kernel_manager_class = "deepgrad.adapters.kernel.SandboxedKernelManager"

# Files beside a submitted notebook are student data: autograde copies into autograded/, and
# generate_feedback into feedback/, only the files listed here (globs; none: no assignment takes
# files from students), each a regular file reached without a symbolic link and of at most
# max_file_bytes; never a link, a hidden file or anything else (deepgrad.adapters.submitted_files).
from deepgrad.adapters.submitted_files import copy_only_listed_files

copy_only_listed_files()
c.SubmittedFiles.extra_files = []
c.SubmittedFiles.max_file_bytes = 1_000_000

# Every way of grading is deepgrad's (the command line, the formgrader's buttons, `deepgrad
# autograde`): before any student code runs, TrustedVerdict reads the submission once and grades it
# outside student code (sandboxed workers, the reference solution's values); its scores are the
# ones the gradebook keeps (RecordVerdict puts them back over the in-kernel ones). Nothing hidden
# ever runs beside student code: nbgrader restores every test cell from the gradebook (hidden tests
# included, OverwriteCells), then ClearHiddenTests strips the hidden blocks before the kernel sees
# the notebook. Feedback shows a test cell's output only if the verdict wrote it.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, ClearHiddenTests, ClearOutput,  # noqa: E402
                                    DeduplicateIds, GetGrades, IgnorePattern, LimitOutput,
                                    OverwriteKernelspec, SaveAutoGrades)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402

# nbgrader's CheckCellMetadata, checking its JSON schema once per process instead of once per cell
from deepgrad.adapters.cell_metadata import CheckCellMetadata

from deepgrad.adapters.preprocessors import (SKIP_WHEN_GRADING, ExecuteWithoutTests, NoteSkippedCells, RecordVerdict, TrustedVerdict, VerdictOnlyFeedback)
from deepgrad.adapters.untrusted_outputs import UntrustedOutputs

# Cells tagged "skip-when-grading" (experiments and slow figures; no score depends on them) are not
# run when grading (nbclient's own option, nbgrader's documented way to leave slow cells out), so a
# class is graded in a fraction of the time; NoteSkippedCells says so in each such cell of the
# autograded notebook and the feedback.
c.Execute.skip_cells_with_tag = SKIP_WHEN_GRADING

# EditionOverwriteCells: nbgrader's OverwriteCells, which also knows each edition's own setup cells
c.Autograde.sanitize_preprocessors = [TrustedVerdict, ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      EditionOverwriteCells, ClearHiddenTests, CheckCellMetadata]
# The test cells are not run in the kernel (ExecuteWithoutTests, nbgrader's Execute otherwise): the
# verdict alone scores them and writes what they show.
# UntrustedOutputs: everything the submission wrote or displayed becomes inert and bounded before
# the autograded notebook is written (the formgrader renders it in the instructor's session);
# ExecuteWithoutTests already cuts outputs as they arrive (deepgrad.adapters.untrusted_outputs).
c.Autograde.autograde_preprocessors = [ExecuteWithoutTests, NoteSkippedCells, UntrustedOutputs, IgnorePattern,
                                       ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, RecordVerdict,
                                       AssignLatePenalties, CheckCellMetadata]
c.ClearHiddenTests.enforce_metadata = False  # a student's stray marker is stripped, not an error
# UntrustedOutputs again, last: a notebook autograded another way or before it still gives a safe page
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, VerdictOnlyFeedback, UntrustedOutputs]
# nbconvert's HTML exporter with nbgrader's feedback template, without its costs that do not change
# the page (templates compiled per page, a second parse of the whole page): see deepgrad.adapters.feedback_html
c.GenerateFeedback.exporter_class = "deepgrad.adapters.feedback_html.FeedbackHTMLExporter"
# `nbgrader export` and the formgrader's export: nbgrader's columns and rows, written as a CSV whose
# text fields (student ids, names: whatever a folder or an account was called) no spreadsheet runs.
c.ExportApp.plugin_class = "deepgrad.adapters.grades_export.SafeCsvExportPlugin"
