"""One aircraft: dead reckoning, and (next) flights, phases, gaps, events, end of flight."""
