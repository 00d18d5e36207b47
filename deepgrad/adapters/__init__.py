"""Layer 3: deepgrad inside nbgrader. The preprocessors the course's ``nbgrader_config.py`` names,
the sandboxed kernel, the gradebook, the feedback exporter, the grades export, and
:class:`~deepgrad.adapters.nbgrader_api.Nbgrader` (nbgrader's API run in-process). Imports
:mod:`deepgrad.grading` and :mod:`deepgrad.base`, never a layer above."""
