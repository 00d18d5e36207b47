"""The fork server that ``deepgrad autograde --jobs`` and the demo fork their job processes from
(multiprocessing's "forkserver" start method where the platform has it, else "spawn"): one process
that imports the grader's modules once, so that each job process starts at once and without a copy
of the coordinator's threads.

This module imports none of those modules itself: a command can start the server first
(:func:`start_early`) and load its own modules while the server loads the same, side by side.
"""
from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

PRELOAD = ("deepgrad.runs.jobs", "nbgrader.preprocessors", "nbclient")


def job_context():
    """The multiprocessing context job processes are made with (its fork server preloads PRELOAD)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(list(PRELOAD))
    return context


def start_early() -> bool:
    """Start the fork server now, its imports under way in its own process; True if there is one.
    :func:`deepgrad.runs.jobs.job_pool` then finds it running, and stops it when done; a caller whose
    run may end before any pool calls :func:`stop_server` itself."""
    if job_context().get_start_method() != "forkserver":
        return False
    forkserver.ensure_running()
    return True


def stop_server() -> None:
    """Stop the fork server if it runs (it starts again when next needed). multiprocessing's
    ``_stop`` is private, but the one way to end it (Python 3.8 to 3.13 have it). (Its resource
    tracker is the whole process's, and stays.)"""
    server = getattr(forkserver, "_forkserver", None)
    if hasattr(server, "_stop"):
        server._stop()
