"""GNSS interference kernels: :mod:`skywitness.gnss.jamming` (quality state,
maps, events), :mod:`skywitness.gnss.spoofing` (detectors, intervals, places,
true paths) and :mod:`skywitness.gnss.locate` (one emitter / area estimate
for both).

Kernels compute and return values; they read no store and write no file
(:mod:`skywitness.jobs` and :mod:`skywitness.report` do).
"""
