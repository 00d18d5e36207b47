"""The course's toolkit: the pieces every notebook uses and no TODO asks for.

- :mod:`dlkit.nn`: a layered network built from *your* ``*_forward`` / ``*_backward`` functions,
  and one training loop (``fit``) for every assignment from 3 on;
- :mod:`dlkit.progress`: the progress bar shown while training;
- :mod:`dlkit.plots`: the course's recurring figures (loss curves, decision boundaries, paths);
- :mod:`dlkit.datasets`: the lessons' simulated data (sin-logit, ring, disc);
- :mod:`dlkit.real_data`: scikit-learn's bundled digits and diabetes, split and scaled, and a
  reader for MNIST / Fashion-MNIST idx files a student has locally;
- :mod:`dlkit.regularisation`: regularisers inside a network (a weight penalty, dropout's
  masked layer, batch norm's running statistics), from assignment 7;
- :mod:`dlkit.sequences`: batches of several arrays for recurrent layers (padded inputs and
  their mask), and assignment 8's surnames.

It holds no answer to any exercise: every layer, loss and optimizer it runs is passed in.
"""
