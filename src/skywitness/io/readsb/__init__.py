"""readsb outputs: traces (trace_full) and aircraft.json snapshots (readsb-hist, ADS-B Exchange)."""
