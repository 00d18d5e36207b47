"""nbgrader configuration: this folder is the course (source = solutions/, release = assignments/)."""
import os

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "deepgrad"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
# The embedded SQLite gradebook and the exchange both live inside the course, git-ignored.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
c.Exchange.root = os.path.join(HERE, "exchange")
c.Execute.timeout = 30
# Every kernel nbgrader starts for this course, from any command or button, runs in deepgrad's
# bubblewrap sandbox (where one can be made): no network, no view of the course's private files.
c.Execute.kernel_manager_class = "deepgrad.kernel.SandboxedKernelManager"

# Nothing hidden ever runs beside student code: nbgrader restores every test cell from the
# gradebook (hidden tests included, OverwriteCells), then ClearHiddenTests strips the hidden blocks
# before the kernel sees the notebook. The hidden checks run in `deepgrad autograde`'s verdict,
# outside student code; the autograded notebook and its feedback never hold them.
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearOutput,  # noqa: E402
                                    DeduplicateIds, OverwriteCells, OverwriteKernelspec)

c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                      ClearHiddenTests, CheckCellMetadata]
c.ClearHiddenTests.enforce_metadata = False  # a student's stray marker is stripped, not an error
