"""Checking statements about a flight against its reconstruction: the claims file
(:mod:`~skywitness.claims.model`) and the verdicts (:mod:`~skywitness.claims.check`)."""
