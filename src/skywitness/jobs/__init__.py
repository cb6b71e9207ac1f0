"""Jobs: one module per job. A job reads the store (or takes a table), runs the
kernels and hands the results to :mod:`skywitness.report` writers. The CLI and
the notebook API (:mod:`skywitness.api`) call the same jobs.

Each job is three steps, usable alone: ``compute_<job>(reports, ...)`` makes
an immutable result from a table of reports (no file read or written),
``write_<job>_files(result, outputs, ...)`` writes files from it and returns
what it wrote, and ``<job>_analysis(store, ...)``, the CLI's, reads the
store's reports (:func:`skywitness.jobs.reports.reports_for`), computes and
writes. :mod:`skywitness.jobs.tables` holds what the results share (their
tables as Arrow or pandas, their display).
"""
