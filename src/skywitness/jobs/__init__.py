"""Jobs: one module per job. A job reads the store (or a table), runs the
kernels and hands the results to :mod:`skywitness.report` writers. The CLI and
the notebook API (:mod:`skywitness.api`) call the same jobs.
"""
