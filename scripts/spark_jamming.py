"""The jamming job on a Spark cluster: a driver script for ``spark-submit``.

    spark-submit --master spark://HOST:7077 \\
        --conf spark.pyspark.python=/opt/skywitness/.venv/bin/python \\
        --conf spark.pyspark.driver.python=/opt/skywitness/.venv/bin/python \\
        --conf spark.executor.memory=2g --conf spark.executor.pyspark.memory=2g \\
        scripts/spark_jamming.py /shared/skywitness-data --window 1h \\
        --out /shared/out/map.parquet --events-out /shared/out/events.geojson

The session is the one spark-submit configures (master, executors, memory);
the store must be readable at the same path by the driver (which checks every
part it reads against the store's records) and by every executor (shared
storage: NFS or another file system mounted at the same place), and
skywitness must be installed in the Python the executors run
(``spark.pyspark.python``). The outputs are written by the driver. Each
partition of whole aircraft (``--partition-rows`` reports, at least one per
core) is computed in one executor's Python worker: give the Python workers
about 0.6 kB per report of a partition (``spark.executor.pyspark.memory``).

Only ``local[2]`` has been tested (tests/test_spark_engine.py,
bench/scale.py --engines local,spark, and this script through
``spark-submit --master 'local[2]'``); no run on a cluster has been made.
"""

from __future__ import annotations

import argparse
import sys

from pyspark.sql import SparkSession

import skywitness
from skywitness.engine.local import PARTITION_ROWS
from skywitness.engine.spark import SparkEngine
from skywitness.errors import SkywitnessError


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", help="the store directory (the same path on every node)")
    ap.add_argument("--from", dest="start", help="window start (ISO-8601)")
    ap.add_argument("--to", dest="end", help="window end (ISO-8601)")
    ap.add_argument("--bbox", help="W,S,E,N degrees: aircraft seen inside this box")
    ap.add_argument("--resolution", type=int, default=4)
    ap.add_argument("--window", choices=("1h", "1d"), default="1d")
    ap.add_argument("--mode", choices=("nacp", "nic"), default="nacp")
    ap.add_argument("--partition-rows", type=int, default=PARTITION_ROWS)
    ap.add_argument("--out", action="append", default=[], help="map file; repeatable")
    ap.add_argument("--events-out", help="events GeoJSON")
    args = ap.parse_args()
    spark = SparkSession.builder.appName("skywitness-jamming").getOrCreate()
    box = None if args.bbox is None else tuple(float(v) for v in args.bbox.split(","))
    try:
        result = skywitness.jamming(
            args.store, start=args.start, end=args.end, bbox=box, resolution=args.resolution,
            window=args.window, mode=args.mode,
            engine=SparkEngine(spark, partition_rows=args.partition_rows),
        )  # fmt: skip
    except SkywitnessError as exc:
        print(f"spark_jamming: {exc}", file=sys.stderr)
        return 2
    print(result)
    if args.out or args.events_out:
        for written in result.write(*args.out, events=args.events_out):
            print(f"  wrote {written['file']}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
