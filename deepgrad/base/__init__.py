"""Layer 1, the bottom: what every other layer needs and which needs none of them. The course
folder's paths, the one error users see (``CourseError``), the rule about grading without a
sandbox, and safe handling of what students hand in (snapshots, text, notebook metadata).
Imports nothing of deepgrad above it."""
