"""The skywitness version (one place; the package and every output file read it)."""

__version__ = "0.1.0"
