"""One aircraft: dead reckoning (:mod:`skywitness.track.reckon`), and (next) flights,
phases, gaps, events, end of flight."""
