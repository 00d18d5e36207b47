"""Instructor tooling for the deepgrad course: release, demo grading run, student bundle."""
