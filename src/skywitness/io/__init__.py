"""Input and output formats: one module per format, a registry, detection.

Use :func:`read_table` for one file, :func:`open_file` to stream one file in
bounded batches, and :func:`skywitness.io.registry.names` to list formats.
"""

from skywitness.io.reading import FileRead, expand, open_file, read_table

__all__ = ["FileRead", "expand", "open_file", "read_table"]
