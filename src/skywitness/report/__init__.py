"""What people read: rendered maps (PNG, self-contained HTML) and reports.

Plotting libraries are imported inside the functions that need them.
"""
