"""Layer 5, the top: the ``deepgrad`` command line and what only it runs (the demo, the release,
the student bundle, the class report). Nothing else in deepgrad imports this layer."""
