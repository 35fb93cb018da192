"""Reads the telemetry table back for the engine suite and prints one JSON summary.

  lake_read.py pyiceberg --uri U --warehouse W --s3-endpoint E --table ns.t   (keys: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
      (appender virtualenv) {"count", "distinct", "per_partition", "per_day", "snapshots", "offsets", "keys"}
  lake_read.py duckdb --init-sql FILE --extensions DIR --table ns.t
      (readers virtualenv) runs the platform's DuckDB init script, then {"count", "distinct"}

`keys` lists "topic/partition/offset" of every row (so the caller checks loss and duplicates).
"""

import argparse
import json
import os
import pathlib
import sys


def read_pyiceberg(args):
    from pyiceberg.catalog import load_catalog

    catalog = load_catalog(
        "lake",
        **{
            "type": "rest",
            "uri": args.uri,
            "warehouse": args.warehouse,
            "s3.endpoint": args.s3_endpoint,
            "s3.region": "us-east-1",
            "s3.access-key-id": os.environ["AWS_ACCESS_KEY_ID"],
            "s3.secret-access-key": os.environ["AWS_SECRET_ACCESS_KEY"],
            "s3.force-virtual-addressing": "false",
        },
    )
    table = catalog.load_table(args.table)
    arrow = table.scan().to_arrow()
    rows = arrow.select(["kafka_topic", "kafka_partition", "kafka_offset", "ts"]).to_pylist()
    keys = [f"{r['kafka_topic']}/{r['kafka_partition']}/{r['kafka_offset']}" for r in rows]
    per_partition, per_day = {}, {}
    for r in rows:
        per_partition[str(r["kafka_partition"])] = per_partition.get(str(r["kafka_partition"]), 0) + 1
        day = r["ts"].date().isoformat()
        per_day[day] = per_day.get(day, 0) + 1
    current = table.current_snapshot()
    print(json.dumps({
        "count": len(rows),
        "distinct": len(set(keys)),
        "per_partition": per_partition,
        "per_day": per_day,
        "snapshots": len(table.metadata.snapshots),
        "offsets": json.loads(current.summary.get("kafka.offsets") or "{}") if current else {},
        "data_files": sum(1 for _ in table.scan().plan_files()),
        "keys": sorted(keys),
    }))


def read_duckdb(args):
    import duckdb

    con = duckdb.connect()
    ext_dir = pathlib.Path(args.extensions)
    version = con.sql("PRAGMA version").fetchone()[0]
    con.execute(f"SET extension_directory = '{ext_dir}'")
    # The platform's image bakes the extensions in at build time; here they come from their PyPI
    # wheels. INSTALL from a file still checks DuckDB's signature on LOAD (unsigned ones are refused).
    import importlib

    for name in ("httpfs", "avro", "iceberg"):
        module = importlib.import_module(f"duckdb_extension_{name}")
        path = pathlib.Path(module.__file__).parent / "extensions" / version / f"{name}.duckdb_extension"
        con.execute(f"INSTALL '{path}'")
    script = pathlib.Path(args.init_sql).read_text()
    con.execute(script)
    name = f"lake.{args.table}"
    count = con.sql(f"SELECT count(*) FROM {name}").fetchone()[0]
    distinct = con.sql(f"SELECT count(*) FROM (SELECT DISTINCT kafka_topic, kafka_partition, kafka_offset FROM {name})").fetchone()[0]
    loaded = sorted(r[0] for r in con.sql("SELECT extension_name FROM duckdb_extensions() WHERE loaded AND extension_name IN ('httpfs', 'avro', 'iceberg')").fetchall())
    print(json.dumps({"count": count, "distinct": distinct, "version": version, "loaded": loaded}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reader", choices=["pyiceberg", "duckdb"])
    parser.add_argument("--uri")
    parser.add_argument("--warehouse")
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--table", required=True)
    parser.add_argument("--init-sql")
    parser.add_argument("--extensions")
    args = parser.parse_args()
    (read_pyiceberg if args.reader == "pyiceberg" else read_duckdb)(args)


if __name__ == "__main__":
    sys.exit(main())
