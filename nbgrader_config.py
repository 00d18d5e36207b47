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
