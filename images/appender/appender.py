#!/usr/bin/env python3
"""Kafka -> Iceberg appender for the platform's telemetry lake.

Consumes JSON log records from a Kafka topic, gathers them into batches (by count or by age),
appends each batch to an Iceberg table through the REST catalog (Nessie) with pyiceberg, and
commits the batch's Kafka offsets only once the Iceberg append has committed.

Delivery is at least once: a crash (or a failed offset commit) after an append and before its
offset commit makes the batch be read and appended again. Every row carries `kafka_partition`
and `kafka_offset`, so readers can drop such duplicates.

Records that are not a JSON object, or whose timestamp cannot be read, are logged, counted
(`appender_bad_records_total`) and skipped; their offsets are committed with the batch, so they
are not read again.

The consume loop (`Appender`) takes its consumer and sink as arguments; confluent-kafka,
pyiceberg and pyarrow are imported in `main()` only, so the loop is tested with fakes and the
standard library alone (test_appender.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

LOG = logging.getLogger("appender")

# ---------------------------------------------------------------------------------------------
# Records -> rows

#: Columns of the telemetry table, in order.
COLUMNS = ("ts", "source", "level", "message", "attributes", "kafka_partition", "kafka_offset")

#: JSON keys read into each column; the first one present wins. Every other key goes to `attributes`.
TS_KEYS = ("ts", "timestamp", "@timestamp", "time")
SOURCE_KEYS = ("source", "service")
LEVEL_KEYS = ("level", "severity")
MESSAGE_KEYS = ("message", "msg")
KNOWN_KEYS = frozenset(TS_KEYS + SOURCE_KEYS + LEVEL_KEYS + MESSAGE_KEYS + ("attributes",))

#: Epoch numbers at or above this are milliseconds, below it seconds (1e11 s is the year 5138).
MILLIS_THRESHOLD = 1e11


class BadRecord(ValueError):
    """A Kafka record that cannot become a row; it is skipped and counted."""


def parse_timestamp(value: Any) -> dt.datetime:
    """An aware UTC datetime from an ISO-8601 string or epoch seconds/milliseconds."""
    if isinstance(value, bool):
        raise BadRecord(f"timestamp is a boolean: {value!r}")
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if abs(value) >= MILLIS_THRESHOLD else float(value)
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError) as e:
            raise BadRecord(f"timestamp out of range: {value!r}") from e
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as e:
            raise BadRecord(f"timestamp is not ISO-8601: {value!r}") from e
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    raise BadRecord(f"timestamp has type {type(value).__name__}")


def _first(doc: Mapping[str, Any], keys: Tuple[str, ...]) -> Any:
    for key in keys:
        if key in doc and doc[key] is not None:
            return doc[key]
    return None


def _text(value: Any) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def to_row(value: Optional[bytes], partition: int, offset: int, kafka_timestamp_ms: Optional[int]) -> Dict[str, Any]:
    """One table row from a Kafka record's value; raises BadRecord when it cannot be one.

    The timestamp comes from the record (`ts`, `timestamp`, `@timestamp`, `time`) or, when it has
    none, from the Kafka record's timestamp. `attributes` holds, as JSON, the record's
    `attributes` object merged with every key that has no column of its own.
    """
    if value is None:
        raise BadRecord("empty value")
    try:
        doc = json.loads(value)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRecord(f"not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise BadRecord(f"not a JSON object but {type(doc).__name__}")

    raw_ts = _first(doc, TS_KEYS)
    if raw_ts is not None:
        ts = parse_timestamp(raw_ts)
    elif kafka_timestamp_ms is not None:
        ts = parse_timestamp(kafka_timestamp_ms / 1000.0)
    else:
        raise BadRecord("no timestamp in the record nor on the Kafka message")

    extras: Dict[str, Any] = {k: v for k, v in doc.items() if k not in KNOWN_KEYS}
    given = doc.get("attributes")
    if isinstance(given, dict):
        extras = {**given, **extras}
    elif given is not None:
        extras["attributes"] = given
    return {
        "ts": ts,
        "source": _text(_first(doc, SOURCE_KEYS)),
        "level": _text(_first(doc, LEVEL_KEYS)),
        "message": _text(_first(doc, MESSAGE_KEYS)),
        "attributes": json.dumps(extras, sort_keys=True, separators=(",", ":")) if extras else None,
        "kafka_partition": partition,
        "kafka_offset": offset,
    }


# ---------------------------------------------------------------------------------------------
# Metrics

class Metrics:
    """Counters and gauges, rendered in the Prometheus text format on /metrics."""

    HELP = {
        "appender_records_consumed_total": ("counter", "Kafka records read."),
        "appender_rows_appended_total": ("counter", "Rows appended to the Iceberg table."),
        "appender_bad_records_total": ("counter", "Records skipped: not a JSON object, or no readable timestamp."),
        "appender_batches_appended_total": ("counter", "Iceberg appends that committed."),
        "appender_append_failures_total": ("counter", "Iceberg append attempts that failed."),
        "appender_commit_failures_total": ("counter", "Kafka offset commits that failed after a successful append."),
        "appender_pending_records": ("gauge", "Records read and not yet committed."),
        "appender_last_commit_timestamp_seconds": ("gauge", "Unix time of the last offset commit."),
    }

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: Dict[str, float] = {name: 0.0 for name in self.HELP}

    def inc(self, name: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[name] += amount

    def set(self, name: str, value: float) -> None:
        with self._lock:
            self._values[name] = value

    def get(self, name: str) -> float:
        with self._lock:
            return self._values[name]

    def render(self) -> str:
        with self._lock:
            values = dict(self._values)
        lines: List[str] = []
        for name, (kind, text) in self.HELP.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {values[name]:g}"]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The consume loop

class Offset(NamedTuple):
    """A committable position; confluent_kafka.TopicPartition takes the same three arguments."""

    topic: str
    partition: int
    offset: int


class AppendFailed(RuntimeError):
    """The batch could not be appended; its offsets were not committed."""


class KafkaFatal(RuntimeError):
    """The Kafka client reported a fatal error; the consumer cannot go on."""


def _is_fatal(error: Any) -> bool:
    fatal = getattr(error, "fatal", None)
    return bool(fatal()) if callable(fatal) else False


def _kafka_timestamp_ms(message: Any) -> Optional[int]:
    get = getattr(message, "timestamp", None)
    if not callable(get):
        return None
    kind, millis = get()
    # confluent_kafka.TIMESTAMP_NOT_AVAILABLE is 0.
    return millis if kind != 0 and millis is not None and millis > 0 else None


class Appender:
    """Batches records from `consumer`, appends them with `sink`, then commits their offsets.

    `consumer` has confluent_kafka.Consumer's `poll(timeout)`, `commit(offsets=..., asynchronous=False)`
    and `close()`; `sink` has `append(rows)` and optionally `refresh()` (called between attempts).
    """

    def __init__(
        self,
        consumer: Any,
        sink: Any,
        *,
        batch_size: int,
        max_wait_seconds: float,
        metrics: Optional[Metrics] = None,
        make_offset: Callable[[str, int, int], Any] = Offset,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll_timeout: float = 1.0,
        max_append_attempts: int = 5,
        backoff_seconds: float = 1.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_wait_seconds <= 0:
            raise ValueError("max_wait_seconds must be above 0")
        self.consumer = consumer
        self.sink = sink
        self.batch_size = batch_size
        self.max_wait_seconds = max_wait_seconds
        self.metrics = metrics or Metrics()
        self.make_offset = make_offset
        self.clock = clock
        self.sleep = sleep
        self.poll_timeout = poll_timeout
        self.max_append_attempts = max(1, max_append_attempts)
        self.backoff_seconds = backoff_seconds
        #: Monotonic time of the last loop turn; None until the loop runs (for /healthz).
        self.heartbeat: Optional[float] = None
        self._rows: List[Dict[str, Any]] = []
        self._count = 0
        self._next: Dict[Tuple[str, int], int] = {}
        self._started: Optional[float] = None

    @property
    def pending(self) -> int:
        """Records read (rows and bad records) whose offsets are not committed yet."""
        return self._count

    def handle(self, message: Any) -> None:
        """Adds one polled message to the batch."""
        error = message.error()
        if error is not None:
            if _is_fatal(error):
                raise KafkaFatal(str(error))
            LOG.warning("Kafka reported: %s", error)
            return
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        if self._started is None:
            self._started = self.clock()
        key = (topic, partition)
        self._next[key] = max(self._next.get(key, 0), offset + 1)
        self._count += 1
        self.metrics.inc("appender_records_consumed_total")
        self.metrics.set("appender_pending_records", self._count)
        try:
            row = to_row(message.value(), partition, offset, _kafka_timestamp_ms(message))
        except BadRecord as e:
            self.metrics.inc("appender_bad_records_total")
            LOG.warning("skipping record %s[%d]@%d: %s", topic, partition, offset, e)
            return
        self._rows.append(row)

    def due(self) -> bool:
        """Whether the batch is full or its oldest record has waited long enough."""
        if self._count == 0:
            return False
        return self._count >= self.batch_size or self.clock() - (self._started or 0.0) >= self.max_wait_seconds

    def flush(self) -> None:
        """Appends the batch, then commits its offsets (last offset + 1 per partition).

        Raises AppendFailed, without committing, when every append attempt failed. A failed
        commit is logged and counted only: the rows are in the table, and the records are read
        (and appended) again after a restart or rebalance.
        """
        if self._count == 0:
            return
        if self._rows:
            self._append(self._rows)
        offsets = [self.make_offset(topic, partition, nxt) for (topic, partition), nxt in sorted(self._next.items())]
        self._rows, self._count, self._next, self._started = [], 0, {}, None
        self.metrics.set("appender_pending_records", 0)
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as e:  # noqa: BLE001 - any client error means the same: not committed
            self.metrics.inc("appender_commit_failures_total")
            LOG.error("offset commit failed after the append; these records will be appended again: %s", e)
            return
        self.metrics.set("appender_last_commit_timestamp_seconds", time.time())

    def _append(self, rows: List[Dict[str, Any]]) -> None:
        for attempt in range(1, self.max_append_attempts + 1):
            try:
                self.sink.append(rows)
            except Exception as e:  # noqa: BLE001 - catalog, storage and commit conflicts alike
                self.metrics.inc("appender_append_failures_total")
                if attempt == self.max_append_attempts:
                    raise AppendFailed(f"append of {len(rows)} rows failed {attempt} times: {e}") from e
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                LOG.warning("append of %d rows failed (attempt %d), retrying in %.1fs: %s", len(rows), attempt, delay, e)
                self.sleep(delay)
                refresh = getattr(self.sink, "refresh", None)
                if callable(refresh):
                    try:
                        refresh()
                    except Exception as re:  # noqa: BLE001
                        LOG.warning("table refresh failed: %s", re)
                continue
            self.metrics.inc("appender_rows_appended_total", len(rows))
            self.metrics.inc("appender_batches_appended_total")
            return

    def _timeout(self) -> float:
        if self._started is None:
            return self.poll_timeout
        left = self.max_wait_seconds - (self.clock() - self._started)
        return max(0.0, min(self.poll_timeout, left))

    def on_assign(self, _consumer: Any, partitions: List[Any]) -> None:
        LOG.info("assigned %s", [(p.topic, p.partition) for p in partitions])

    def on_revoke(self, _consumer: Any, partitions: List[Any]) -> None:
        """Writes and commits the batch before its partitions move to another consumer."""
        LOG.info("revoked %s; flushing %d pending records", [(p.topic, p.partition) for p in partitions], self._count)
        self.flush()

    def run(self, stop: threading.Event) -> None:
        """Consumes until `stop` is set, then writes and commits what is pending and closes the consumer."""
        try:
            while not stop.is_set():
                self.heartbeat = self.clock()
                message = self.consumer.poll(self._timeout())
                if message is not None:
                    self.handle(message)
                if self.due():
                    self.flush()
            LOG.info("stopping; flushing %d pending records", self._count)
            self.flush()
        except BaseException:
            # Leave the batch uncommitted, and keep close() (whose revoke callback flushes) from retrying it.
            self._rows, self._count, self._next, self._started = [], 0, {}, None
            raise
        finally:
            self.consumer.close()


# ---------------------------------------------------------------------------------------------
# Health and metrics over HTTP

def health(appender: Appender, clock: Callable[[], float], stale_after: float) -> Tuple[int, str]:
    """200 while the consume loop turns; 503 before it starts or once it has stalled."""
    if appender.heartbeat is None:
        return 503, "starting\n"
    age = clock() - appender.heartbeat
    if age > stale_after:
        return 503, f"stalled for {age:.0f}s\n"
    return 200, "ok\n"


def start_http_server(port: int, status: Callable[[], Tuple[int, str]], metrics: Metrics) -> ThreadingHTTPServer:
    """Serves /healthz and /metrics from a daemon thread; port 0 picks a free port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/healthz":
                code, body = status()
                content_type = "text/plain; charset=utf-8"
            elif self.path == "/metrics":
                code, body = 200, metrics.render()
                content_type = "text/plain; version=0.0.4; charset=utf-8"
            else:
                code, body, content_type = 404, "not found\n", "text/plain; charset=utf-8"
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt: str, *args: Any) -> None:  # probes every few seconds: keep them out of the log
            LOG.debug(fmt, *args)

    server = ThreadingHTTPServer(("", port), Handler)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


# ---------------------------------------------------------------------------------------------
# Configuration

class ConfigError(ValueError):
    """A missing or malformed environment variable."""


@dataclass(frozen=True)
class Settings:
    bootstrap_servers: str
    topic: str
    group_id: str
    client_id: str
    auto_offset_reset: str
    rest_uri: str
    warehouse: str
    table: str
    s3_endpoint: str
    s3_region: str
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    batch_size: int = 5000
    max_wait_seconds: float = 60.0
    http_port: int = 8080
    health_stale_seconds: float = 120.0
    # Kafka security (librdkafka names): empty protocol means the broker's default, PLAINTEXT.
    security_protocol: str = ""
    sasl_mechanism: str = ""
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)
    ssl_ca_location: str = ""

    REQUIRED = ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_GROUP_ID", "ICEBERG_REST_URI", "S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        missing = [k for k in cls.REQUIRED if not env.get(k)]
        if missing:
            raise ConfigError(f"missing environment variables: {', '.join(missing)}")

        def number(key: str, default: float, kind: Callable[[str], Any]) -> Any:
            raw = env.get(key, "")
            if raw == "":
                return kind(str(default))
            try:
                value = kind(raw)
            except ValueError as e:
                raise ConfigError(f"{key}={raw!r} is not a number") from e
            if value <= 0:
                raise ConfigError(f"{key}={raw!r} must be above 0")
            return value

        table = env.get("ICEBERG_TABLE") or "telemetry.logs"
        if len(table.split(".")) != 2 or not all(table.split(".")):
            raise ConfigError(f"ICEBERG_TABLE={table!r} must be namespace.table")
        protocol = env.get("KAFKA_SECURITY_PROTOCOL") or ""
        if protocol.startswith("SASL_") and not (env.get("KAFKA_SASL_USERNAME") and env.get("KAFKA_SASL_PASSWORD")):
            raise ConfigError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        reset = env.get("KAFKA_AUTO_OFFSET_RESET") or "earliest"
        if reset not in ("earliest", "latest"):
            raise ConfigError(f"KAFKA_AUTO_OFFSET_RESET={reset!r} must be earliest or latest")
        return cls(
            bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
            topic=env.get("KAFKA_TOPIC") or "telemetry-logs",
            group_id=env["KAFKA_GROUP_ID"],
            client_id=env.get("KAFKA_CLIENT_ID") or "iceberg-appender",
            auto_offset_reset=reset,
            rest_uri=env["ICEBERG_REST_URI"],
            warehouse=env.get("ICEBERG_WAREHOUSE") or "warehouse",
            table=table,
            s3_endpoint=env["S3_ENDPOINT"],
            s3_region=env.get("S3_REGION") or "us-east-1",
            access_key_id=env["AWS_ACCESS_KEY_ID"],
            secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            batch_size=number("BATCH_SIZE", 5000, int),
            max_wait_seconds=number("MAX_WAIT_SECONDS", 60.0, float),
            http_port=number("HTTP_PORT", 8080, int),
            health_stale_seconds=number("HEALTH_STALE_SECONDS", 120.0, float),
            security_protocol=protocol,
            sasl_mechanism=env.get("KAFKA_SASL_MECHANISM") or "",
            sasl_username=env.get("KAFKA_SASL_USERNAME") or "",
            sasl_password=env.get("KAFKA_SASL_PASSWORD") or "",
            ssl_ca_location=env.get("KAFKA_SSL_CA_LOCATION") or "",
        )


def consumer_config(s: Settings) -> Dict[str, Any]:
    """librdkafka settings: offsets are committed by the loop only, after each append."""
    return {
        "bootstrap.servers": s.bootstrap_servers,
        "group.id": s.group_id,
        "client.id": s.client_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": s.auto_offset_reset,
        # Above the longest flush (5 append attempts with backoff), so a slow append does not cost the assignment.
        "max.poll.interval.ms": 300000,
        **kafka_security(s),
    }


def kafka_security(s: Settings) -> Dict[str, Any]:
    """librdkafka security settings, only those given (the platform's broker wants SASL_SSL with SCRAM)."""
    given = {
        "security.protocol": s.security_protocol,
        "sasl.mechanisms": s.sasl_mechanism,
        "sasl.username": s.sasl_username,
        "sasl.password": s.sasl_password,
        "ssl.ca.location": s.ssl_ca_location,
    }
    return {k: v for k, v in given.items() if v != ""}


def catalog_properties(s: Settings) -> Dict[str, str]:
    """pyiceberg REST catalog properties; the S3 key pair is the FileIO's (Nessie vends none)."""
    return {
        "type": "rest",
        "uri": s.rest_uri,
        "warehouse": s.warehouse,
        "s3.endpoint": s.s3_endpoint,
        "s3.region": s.s3_region,
        "s3.access-key-id": s.access_key_id,
        "s3.secret-access-key": s.secret_access_key,
        "s3.force-virtual-addressing": "false",
    }


# ---------------------------------------------------------------------------------------------
# Iceberg

class IcebergSink:
    """Appends rows to a pyiceberg Table as one Arrow table with the table's own schema."""

    def __init__(self, table: Any, pa: Any) -> None:
        self._table = table
        self._pa = pa

    def append(self, rows: List[Dict[str, Any]]) -> None:
        arrow = self._pa.Table.from_pylist(rows, schema=self._table.schema().as_arrow())
        self._table.append(arrow)

    def refresh(self) -> None:
        self._table.refresh()


def telemetry_schema() -> Any:
    """ts, source, level, message, attributes (JSON text), kafka_partition, kafka_offset; all optional."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import IntegerType, LongType, NestedField, StringType, TimestamptzType

    return Schema(
        NestedField(field_id=1, name="ts", field_type=TimestamptzType(), required=False),
        NestedField(field_id=2, name="source", field_type=StringType(), required=False),
        NestedField(field_id=3, name="level", field_type=StringType(), required=False),
        NestedField(field_id=4, name="message", field_type=StringType(), required=False),
        NestedField(field_id=5, name="attributes", field_type=StringType(), required=False),
        NestedField(field_id=6, name="kafka_partition", field_type=IntegerType(), required=False),
        NestedField(field_id=7, name="kafka_offset", field_type=LongType(), required=False),
    )


def telemetry_partition_spec() -> Any:
    """Partitioned by day of `ts`, so time-bounded queries read only their days."""
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import DayTransform

    return PartitionSpec(PartitionField(source_id=1, field_id=1000, transform=DayTransform(), name="ts_day"))


def open_table(catalog: Any, identifier: str, schema: Any, partition_spec: Any) -> Any:
    """Loads `namespace.table`, creating the namespace and the table when missing."""
    namespace = identifier.split(".")[0]
    catalog.create_namespace_if_not_exists(namespace)
    return catalog.create_table_if_not_exists(identifier, schema=schema, partition_spec=partition_spec)


# ---------------------------------------------------------------------------------------------

def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as e:
        LOG.error("%s", e)
        return 2
    LOG.info("starting: %r", settings)

    import pyarrow as pa
    from confluent_kafka import Consumer, TopicPartition
    from pyiceberg.catalog import load_catalog

    metrics = Metrics()
    holder: Dict[str, Appender] = {}

    def status() -> Tuple[int, str]:
        appender = holder.get("appender")
        return (503, "starting\n") if appender is None else health(appender, time.monotonic, settings.health_stale_seconds)

    server = start_http_server(settings.http_port, status, metrics)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        catalog = load_catalog("lake", **catalog_properties(settings))
        table = open_table(catalog, settings.table, telemetry_schema(), telemetry_partition_spec())
        consumer = Consumer(consumer_config(settings))
        appender = Appender(
            consumer,
            IcebergSink(table, pa),
            batch_size=settings.batch_size,
            max_wait_seconds=settings.max_wait_seconds,
            metrics=metrics,
            make_offset=TopicPartition,
        )
        consumer.subscribe([settings.topic], on_assign=appender.on_assign, on_revoke=appender.on_revoke)
        holder["appender"] = appender
        LOG.info("appending %s to %s", settings.topic, settings.table)
        appender.run(stop)
    except (AppendFailed, KafkaFatal) as e:
        LOG.error("%s; exiting without committing the pending batch", e)
        return 1
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
