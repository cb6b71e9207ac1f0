"""The canonical records every reader produces and every kernel consumes."""

from skywitness.model.schema import REPORT_SCHEMA, SOURCES, empty_reports

__all__ = ["REPORT_SCHEMA", "SOURCES", "empty_reports"]
