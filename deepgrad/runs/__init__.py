"""Layer 4: orchestration. One ``deepgrad autograde`` run over a class: snapshots first, then
every submission through nbgrader's pass, serially, in job processes (``--jobs``) or on a Dask
cluster (``--scheduler``). Imports the layers below."""
