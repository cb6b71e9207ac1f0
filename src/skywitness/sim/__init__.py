"""Scenario simulator: data records with ground truth (never radio signals)."""
