#!/usr/bin/env python3
"""Kafka -> Iceberg appender for the platform's telemetry lake.

Consumes JSON log records from a Kafka topic, gathers them into batches (by count or by age),
appends each batch to an Iceberg table through the REST catalog (Nessie) with pyiceberg, and
commits the batch's Kafka offsets only once the Iceberg append has committed.

Exactly-once effect: every append records, in its snapshot's summary (`kafka.offsets`), the next
offset to read per topic and partition, merged with what the parent snapshot recorded; the commit
is conditional on that parent (Iceberg's optimistic concurrency), so a conflicting writer makes it
fail, and the retry reloads the table and drops the rows it already holds. On assignment the
consumer starts at the later of the Kafka committed offset and the recorded one, and any record
below the recorded offset is skipped. A crash at any point therefore neither loses nor duplicates
a row: rows are keyed by (kafka_topic, kafka_partition, kafka_offset).

Records that cannot become a row (not JSON, not an object, invalid Unicode, no or unreadable
timestamp, oversized, null) go to a dead-letter topic with the reason in their headers, are
counted by reason (`appender_bad_records_total{reason=...}`), and never stop the partition. The
dead letters are delivered before the batch's append and offset commit.

The consume loop (`Appender`) takes its consumer, sink and dead-letter producer as arguments;
confluent-kafka, pyiceberg and pyarrow are imported in `main()` only, so the loop is tested with
fakes and the standard library alone (test_appender.py), and against the real libraries and
engines by the engine suite (tests/engines/lake*.test.ts).
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
COLUMNS = ("ts", "source", "level", "message", "attributes", "kafka_partition", "kafka_offset", "kafka_topic")

#: JSON keys read into each column; the first one present wins. Every other key goes to `attributes`.
TS_KEYS = ("ts", "timestamp", "@timestamp", "time")
SOURCE_KEYS = ("source", "service")
LEVEL_KEYS = ("level", "severity")
MESSAGE_KEYS = ("message", "msg")
KNOWN_KEYS = frozenset(TS_KEYS + SOURCE_KEYS + LEVEL_KEYS + MESSAGE_KEYS + ("attributes",))

#: Epoch numbers at or above this are milliseconds, below it seconds (1e11 s is the year 5138).
MILLIS_THRESHOLD = 1e11

#: Snapshot summary property holding {topic: {partition: next offset}} as JSON.
OFFSETS_PROPERTY = "kafka.offsets"

#: Reasons a record is dead-lettered (the `dlq.reason` header and the metric's `reason` label).
REASONS = ("null-value", "oversized", "invalid-unicode", "not-json", "not-object", "wrong-type", "bad-timestamp", "no-timestamp")


class BadRecord(ValueError):
    """A Kafka record that cannot become a row; it is dead-lettered and counted under `reason`."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        assert reason in REASONS, reason
        self.reason = reason


def parse_timestamp(value: Any) -> dt.datetime:
    """An aware UTC datetime from an ISO-8601 string or epoch seconds/milliseconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRecord("wrong-type", f"timestamp has type {type(value).__name__}")
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if abs(value) >= MILLIS_THRESHOLD else float(value)
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError) as e:
            raise BadRecord("bad-timestamp", f"timestamp out of range: {value!r}") from e
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        # Converting to UTC can leave datetime's range (0001-01-01T00:00:00+01:00 is year 0 in UTC).
        return parsed.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError) as e:
        raise BadRecord("bad-timestamp", f"timestamp is not a representable ISO-8601 time: {value!r}") from e


def _first(doc: Mapping[str, Any], keys: Tuple[str, ...]) -> Any:
    for key in keys:
        if key in doc and doc[key] is not None:
            return doc[key]
    return None


def _text(value: Any) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_row(
    value: Optional[bytes],
    topic: str,
    partition: int,
    offset: int,
    kafka_timestamp_ms: Optional[int],
    max_record_bytes: int = 1048576,
    max_field_bytes: int = 262144,
) -> Dict[str, Any]:
    """One table row from a Kafka record's value; raises BadRecord when it cannot be one.

    The timestamp comes from the record (`ts`, `timestamp`, `@timestamp`, `time`) or, when it has
    none, from the Kafka record's timestamp. `attributes` holds, as JSON, the record's
    `attributes` object merged with every key that has no column of its own. Every string must be
    valid Unicode (no lone surrogates) and every column at most `max_field_bytes` of UTF-8.
    """
    if value is None:
        raise BadRecord("null-value", "the record has no value (a tombstone)")
    if len(value) > max_record_bytes:
        raise BadRecord("oversized", f"the value has {len(value)} bytes, above {max_record_bytes}")
    try:
        text = bytes(value).decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRecord("invalid-unicode", f"not UTF-8: {e}") from e
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise BadRecord("not-json", f"not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise BadRecord("not-object", f"not a JSON object but {type(doc).__name__}")

    raw_ts = _first(doc, TS_KEYS)
    if raw_ts is not None:
        ts = parse_timestamp(raw_ts)
    elif kafka_timestamp_ms is not None:
        ts = parse_timestamp(kafka_timestamp_ms / 1000.0)
    else:
        raise BadRecord("no-timestamp", "no timestamp in the record nor on the Kafka message")

    extras: Dict[str, Any] = {k: v for k, v in doc.items() if k not in KNOWN_KEYS}
    given = doc.get("attributes")
    if isinstance(given, dict):
        extras = {**given, **extras}
    elif given is not None:
        extras["attributes"] = given
    row = {
        "ts": ts,
        "source": _text(_first(doc, SOURCE_KEYS)),
        "level": _text(_first(doc, LEVEL_KEYS)),
        "message": _text(_first(doc, MESSAGE_KEYS)),
        "attributes": json.dumps(extras, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if extras else None,
        "kafka_partition": partition,
        "kafka_offset": offset,
        "kafka_topic": topic,
    }
    for column in ("source", "level", "message", "attributes"):
        text = row[column]
        if text is None:
            continue
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as e:
            # JSON escapes such as "\ud800" decode to lone surrogates, which Parquet cannot store.
            raise BadRecord("invalid-unicode", f"{column} is not valid Unicode: {e}") from e
        if size > max_field_bytes:
            raise BadRecord("oversized", f"{column} has {size} bytes, above {max_field_bytes}")
    return row


# ---------------------------------------------------------------------------------------------
# Metrics

class Metrics:
    """Counters and gauges, rendered in the Prometheus text format on /metrics."""

    HELP = {
        "appender_records_consumed_total": ("counter", "Kafka records read."),
        "appender_rows_appended_total": ("counter", "Rows appended to the Iceberg table."),
        "appender_bad_records_total": ("counter", "Records sent to the dead-letter topic, by reason."),
        "appender_duplicates_skipped_total": ("counter", "Records skipped because the table already holds them (replays)."),
        "appender_batches_appended_total": ("counter", "Iceberg appends that committed."),
        "appender_append_failures_total": ("counter", "Iceberg append attempts that failed (commit conflicts included)."),
        "appender_commit_failures_total": ("counter", "Kafka offset commits that failed after a successful append."),
        "appender_dead_letter_failures_total": ("counter", "Dead-letter deliveries that failed (the batch is not committed)."),
        "appender_pending_records": ("gauge", "Records read and not yet committed."),
        "appender_last_commit_timestamp_seconds": ("gauge", "Unix time of the last offset commit."),
    }
    LABELLED = {"appender_bad_records_total": ("reason", REASONS)}

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: Dict[Tuple[str, str], float] = {}
        for name in self.HELP:
            if name in self.LABELLED:
                label, values = self.LABELLED[name]
                for v in values:
                    self._values[(name, v)] = 0.0
            else:
                self._values[(name, "")] = 0.0

    def inc(self, name: str, amount: float = 1.0, label: str = "") -> None:
        with self._lock:
            self._values[(name, label)] += amount

    def set(self, name: str, value: float) -> None:
        with self._lock:
            self._values[(name, "")] = value

    def get(self, name: str, label: Optional[str] = None) -> float:
        """A value; for a labelled metric without `label`, the sum over its labels."""
        with self._lock:
            if label is None:
                return sum(v for (n, _l), v in self._values.items() if n == name)
            return self._values[(name, label)]

    def render(self) -> str:
        with self._lock:
            values = dict(self._values)
        lines: List[str] = []
        for name, (kind, text) in self.HELP.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            if name in self.LABELLED:
                label, labels = self.LABELLED[name]
                lines += [f'{name}{{{label}="{v}"}} {values[(name, v)]:g}' for v in labels]
            else:
                lines.append(f"{name} {values[(name, '')]:g}")
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


class DeadLetterFailed(RuntimeError):
    """Bad records could not be delivered to the dead-letter topic; the batch was not committed."""


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


Positions = Dict[Tuple[str, int], int]


def merge_positions(a: Positions, b: Positions) -> Positions:
    """Per topic and partition, the later of two next-offset maps."""
    out = dict(a)
    for key, nxt in b.items():
        out[key] = max(out.get(key, 0), nxt)
    return out


def encode_positions(positions: Positions) -> str:
    """{topic: {partition: next}} as compact JSON, sorted, for the snapshot summary."""
    nested: Dict[str, Dict[str, int]] = {}
    for (topic, partition), nxt in sorted(positions.items()):
        nested.setdefault(topic, {})[str(partition)] = nxt
    return json.dumps(nested, sort_keys=True, separators=(",", ":"))


def decode_positions(text: Optional[str]) -> Positions:
    if not text:
        return {}
    return {(topic, int(p)): int(n) for topic, parts in json.loads(text).items() for p, n in parts.items()}


class Appender:
    """Batches records from `consumer`, appends them with `sink`, then commits their offsets.

    `consumer` has confluent_kafka.Consumer's `poll(timeout)`, `commit(offsets=..., asynchronous=False)`,
    `committed(partitions, timeout=...)`, `assign(partitions)` and `close()`.
    `sink` has `append(rows, positions) -> int` (rows written; it drops rows the table already
    holds and records `positions` in the same commit), `positions() -> Positions` (what the table
    recorded) and `refresh()`. `dead_letters` has `send(message, reason, text)` and `flush()`
    (raises when not every dead letter was delivered).
    """

    def __init__(
        self,
        consumer: Any,
        sink: Any,
        *,
        batch_size: int,
        max_wait_seconds: float,
        dead_letters: Any,
        metrics: Optional[Metrics] = None,
        make_offset: Callable[[str, int, int], Any] = Offset,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll_timeout: float = 1.0,
        max_append_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_record_bytes: int = 1048576,
        max_field_bytes: int = 262144,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_wait_seconds <= 0:
            raise ValueError("max_wait_seconds must be above 0")
        self.consumer = consumer
        self.sink = sink
        self.dead_letters = dead_letters
        self.batch_size = batch_size
        self.max_wait_seconds = max_wait_seconds
        self.metrics = metrics or Metrics()
        self.make_offset = make_offset
        self.clock = clock
        self.sleep = sleep
        self.poll_timeout = poll_timeout
        self.max_append_attempts = max(1, max_append_attempts)
        self.backoff_seconds = backoff_seconds
        self.max_record_bytes = max_record_bytes
        self.max_field_bytes = max_field_bytes
        #: Monotonic time of the last loop turn; None until the loop runs (for /healthz).
        self.heartbeat: Optional[float] = None
        #: Kill the process right after an append (fault injection for the engine suite).
        self.crash_after_append = False
        #: Next offsets the table holds, as last seen (records below them are replays).
        self.recorded: Positions = {}
        self._rows: List[Dict[str, Any]] = []
        self._dead = 0
        self._count = 0
        self._next: Positions = {}
        self._started: Optional[float] = None

    @property
    def pending(self) -> int:
        """Records read (rows, bad records and replays) whose offsets are not committed yet."""
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
        if offset < self.recorded.get(key, 0):
            self.metrics.inc("appender_duplicates_skipped_total")
            return
        try:
            row = to_row(message.value(), topic, partition, offset, _kafka_timestamp_ms(message), self.max_record_bytes, self.max_field_bytes)
        except BadRecord as e:
            self.metrics.inc("appender_bad_records_total", label=e.reason)
            LOG.warning("dead-lettering record %s[%d]@%d (%s): %s", topic, partition, offset, e.reason, e)
            self.dead_letters.send(message, e.reason, str(e))
            self._dead += 1
            return
        self._rows.append(row)

    def due(self) -> bool:
        """Whether the batch is full or its oldest record has waited long enough."""
        if self._count == 0:
            return False
        return self._count >= self.batch_size or self.clock() - (self._started or 0.0) >= self.max_wait_seconds

    def _reset(self) -> None:
        self._rows, self._dead, self._count, self._next, self._started = [], 0, 0, {}, None
        self.metrics.set("appender_pending_records", 0)

    def flush(self) -> None:
        """Delivers the dead letters, appends the rows with their positions, then commits the offsets.

        Raises DeadLetterFailed or AppendFailed, without committing anything, when the dead letters
        or the append cannot be made durable. A failed offset commit is logged and counted only: the
        rows are in the table, and their replay is skipped after a restart or rebalance.
        """
        if self._count == 0:
            return
        if self._dead:
            try:
                self.dead_letters.flush()
            except Exception as e:  # noqa: BLE001 - any delivery error means the same: not durable
                self.metrics.inc("appender_dead_letter_failures_total")
                raise DeadLetterFailed(f"{self._dead} dead letters not delivered: {e}") from e
        positions = dict(self._next)
        if self._rows:
            self._append(self._rows, positions)
            if self.crash_after_append:
                # Fault injection for the engine suite only (CRASH_AFTER_APPEND_FOR_TESTS): die like
                # a SIGKILLed pod between the Iceberg commit and the Kafka offset commit.
                os.kill(os.getpid(), signal.SIGKILL)
        self.recorded = merge_positions(self.recorded, positions)
        offsets = [self.make_offset(topic, partition, nxt) for (topic, partition), nxt in sorted(positions.items())]
        self._reset()
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as e:  # noqa: BLE001 - any client error means the same: not committed
            self.metrics.inc("appender_commit_failures_total")
            LOG.error("offset commit failed after the append; the table's recorded offsets cover it: %s", e)
            return
        self.metrics.set("appender_last_commit_timestamp_seconds", time.time())

    def _append(self, rows: List[Dict[str, Any]], positions: Positions) -> None:
        for attempt in range(1, self.max_append_attempts + 1):
            try:
                written = self.sink.append(rows, positions)
            except Exception as e:  # noqa: BLE001 - catalog, storage and commit conflicts alike
                self.metrics.inc("appender_append_failures_total")
                if attempt == self.max_append_attempts:
                    raise AppendFailed(f"append of {len(rows)} rows failed {attempt} times: {e}") from e
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                LOG.warning("append of %d rows failed (attempt %d), retrying in %.1fs: %s", len(rows), attempt, delay, e)
                self.sleep(delay)
                try:
                    # The retry starts from the table as it is now: a concurrent or an unacknowledged
                    # earlier commit of these rows shows in its recorded offsets, and the sink drops them.
                    self.sink.refresh()
                except Exception as re:  # noqa: BLE001
                    LOG.warning("table refresh failed: %s", re)
                continue
            if written < len(rows):
                self.metrics.inc("appender_duplicates_skipped_total", len(rows) - written)
            if written:
                self.metrics.inc("appender_rows_appended_total", written)
                self.metrics.inc("appender_batches_appended_total")
            return

    def _timeout(self) -> float:
        if self._started is None:
            return self.poll_timeout
        left = self.max_wait_seconds - (self.clock() - self._started)
        return max(0.0, min(self.poll_timeout, left))

    def on_assign(self, consumer: Any, partitions: List[Any]) -> None:
        """Starts each partition at the later of its committed offset and the table's recorded one."""
        self.sink.refresh()
        self.recorded = merge_positions(self.recorded, self.sink.positions())
        committed = {(p.topic, p.partition): p.offset for p in consumer.committed(partitions, timeout=30)}
        for p in partitions:
            key = (p.topic, p.partition)
            start = max(committed.get(key, -1001), self.recorded.get(key, -1001))
            if start >= 0:
                p.offset = start
        LOG.info("assigned %s", [(p.topic, p.partition, p.offset) for p in partitions])
        consumer.assign(partitions)

    def on_revoke(self, _consumer: Any, partitions: List[Any]) -> None:
        """Writes and commits the batch before its partitions move to another consumer."""
        LOG.info("revoked %s; flushing %d pending records", [(p.topic, p.partition) for p in partitions], self._count)
        self.flush()

    def on_lost(self, _consumer: Any, partitions: List[Any]) -> None:
        """Partitions lost without a clean revoke: their batch is dropped (another consumer reads it; the table dedups)."""
        LOG.warning("lost %s; dropping %d pending records", [(p.topic, p.partition) for p in partitions], self._count)
        self._reset()

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
            self._reset()
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


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


@dataclass(frozen=True)
class KafkaSecurity:
    """How the clients authenticate to Kafka (all optional: PLAINTEXT without them)."""

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)
    ca_location: str = ""

    def client_config(self) -> Dict[str, Any]:
        conf: Dict[str, Any] = {"security.protocol": self.protocol}
        if self.protocol.startswith("SASL_"):
            conf.update({"sasl.mechanism": self.sasl_mechanism, "sasl.username": self.sasl_username, "sasl.password": self.sasl_password})
        if self.ca_location:
            conf["ssl.ca.location"] = self.ca_location
        return conf


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
    dead_letter_topic: str = ""
    security: KafkaSecurity = KafkaSecurity()
    batch_size: int = 5000
    max_wait_seconds: float = 60.0
    max_record_bytes: int = 1048576
    max_field_bytes: int = 262144
    http_port: int = 8080
    health_stale_seconds: float = 120.0

    REQUIRED = ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_GROUP_ID", "ICEBERG_REST_URI", "S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

    @classmethod
    def from_env(cls, env: Mapping[str, str], read_file: Callable[[str], str] = lambda p: open(p, encoding="utf-8").read()) -> "Settings":
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
        reset = env.get("KAFKA_AUTO_OFFSET_RESET") or "earliest"
        if reset not in ("earliest", "latest"):
            raise ConfigError(f"KAFKA_AUTO_OFFSET_RESET={reset!r} must be earliest or latest")
        topic = env.get("KAFKA_TOPIC") or "telemetry-logs"
        dead_letter_topic = env.get("DEAD_LETTER_TOPIC") or f"{topic}.dlq"
        if dead_letter_topic == topic:
            raise ConfigError(f"DEAD_LETTER_TOPIC={dead_letter_topic!r} must differ from KAFKA_TOPIC")
        return cls(
            bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
            topic=topic,
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
            dead_letter_topic=dead_letter_topic,
            security=security_from_env(env, read_file),
            batch_size=number("BATCH_SIZE", 5000, int),
            max_wait_seconds=number("MAX_WAIT_SECONDS", 60.0, float),
            max_record_bytes=number("MAX_RECORD_BYTES", 1048576, int),
            max_field_bytes=number("MAX_FIELD_BYTES", 262144, int),
            http_port=number("HTTP_PORT", 8080, int),
            health_stale_seconds=number("HEALTH_STALE_SECONDS", 120.0, float),
        )


def security_from_env(env: Mapping[str, str], read_file: Callable[[str], str]) -> KafkaSecurity:
    """KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD or
    KAFKA_SASL_PASSWORD_FILE (a mounted Secret key), KAFKA_SSL_CA_LOCATION (a PEM file)."""
    protocol = (env.get("KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise ConfigError(f"KAFKA_SECURITY_PROTOCOL={protocol!r} must be one of {', '.join(SECURITY_PROTOCOLS)}")
    if not protocol.startswith("SASL_"):
        return KafkaSecurity(protocol=protocol, ca_location=env.get("KAFKA_SSL_CA_LOCATION", ""))
    mechanism = (env.get("KAFKA_SASL_MECHANISM") or "SCRAM-SHA-512").upper()
    if mechanism not in SASL_MECHANISMS:
        raise ConfigError(f"KAFKA_SASL_MECHANISM={mechanism!r} must be one of {', '.join(SASL_MECHANISMS)}")
    username = env.get("KAFKA_SASL_USERNAME", "")
    if not username:
        raise ConfigError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME")
    password_file = env.get("KAFKA_SASL_PASSWORD_FILE", "")
    if password_file:
        try:
            password = read_file(password_file).rstrip("\n")
        except OSError as e:
            raise ConfigError(f"KAFKA_SASL_PASSWORD_FILE={password_file!r} cannot be read: {e}") from e
    else:
        password = env.get("KAFKA_SASL_PASSWORD", "")
    if not password:
        raise ConfigError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE")
    return KafkaSecurity(protocol=protocol, sasl_mechanism=mechanism, sasl_username=username, sasl_password=password, ca_location=env.get("KAFKA_SSL_CA_LOCATION", ""))


def consumer_config(s: Settings) -> Dict[str, Any]:
    """librdkafka settings: offsets are committed by the loop only, after each append."""
    return {
        **s.security.client_config(),
        "bootstrap.servers": s.bootstrap_servers,
        "group.id": s.group_id,
        "client.id": s.client_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": s.auto_offset_reset,
        # Above the longest flush (5 append attempts with backoff), so a slow append does not cost the assignment.
        "max.poll.interval.ms": 300000,
    }


def producer_config(s: Settings) -> Dict[str, Any]:
    """The dead-letter producer: idempotent, every replica acknowledging."""
    return {
        **s.security.client_config(),
        "bootstrap.servers": s.bootstrap_servers,
        "client.id": f"{s.client_id}-dlq",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 50,
    }


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
# Dead letters

class DeadLetterProducer:
    """Sends bad records, unchanged, to the dead-letter topic with why and where in headers:
    `dlq.reason` (one of REASONS), `dlq.error`, `dlq.topic`, `dlq.partition`, `dlq.offset`,
    `dlq.timestamp` (the Kafka timestamp in ms, when there is one), after the record's own headers."""

    def __init__(self, producer: Any, topic: str) -> None:
        self._producer = producer
        self._topic = topic
        self._errors: List[str] = []

    def _report(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self._errors.append(str(err))

    def send(self, message: Any, reason: str, text: str) -> None:
        headers = list(message.headers() or []) + [
            ("dlq.reason", reason.encode()),
            ("dlq.error", text[:1000].encode("utf-8", "backslashreplace")),
            ("dlq.topic", message.topic().encode()),
            ("dlq.partition", str(message.partition()).encode()),
            ("dlq.offset", str(message.offset()).encode()),
        ]
        ts = _kafka_timestamp_ms(message)
        if ts is not None:
            headers.append(("dlq.timestamp", str(ts).encode()))
        while True:
            try:
                self._producer.produce(self._topic, value=message.value(), key=message.key(), headers=headers, on_delivery=self._report)
                break
            except BufferError:
                self._producer.poll(0.5)
        self._producer.poll(0)

    def flush(self, timeout: float = 30.0) -> None:
        left = self._producer.flush(timeout)
        errors, self._errors = self._errors, []
        if left or errors:
            raise RuntimeError(f"{left} undelivered, errors: {errors[:3]}")


# ---------------------------------------------------------------------------------------------
# Iceberg

class IcebergSink:
    """Appends rows to a pyiceberg Table with the table's Arrow schema, recording the consumed
    positions in the snapshot summary (`kafka.offsets`) of the same commit."""

    def __init__(self, table: Any, pa: Any) -> None:
        self._table = table
        self._pa = pa

    def positions(self) -> Positions:
        """The newest `kafka.offsets` the table's main branch carries, walking back past snapshots
        that other writers (compaction) made without it."""
        snapshot = self._table.current_snapshot()
        seen = set()
        while snapshot is not None and snapshot.snapshot_id not in seen:
            seen.add(snapshot.snapshot_id)
            summary = snapshot.summary
            recorded = summary.get(OFFSETS_PROPERTY) if summary is not None else None
            if recorded:
                return decode_positions(recorded)
            parent = snapshot.parent_snapshot_id
            snapshot = self._table.snapshot_by_id(parent) if parent is not None else None
        return {}

    def append(self, rows: List[Dict[str, Any]], positions: Positions) -> int:
        """Appends the rows the table does not hold yet, with the merged positions; returns how many."""
        recorded = self.positions()
        fresh = [r for r in rows if r["kafka_offset"] >= recorded.get((r["kafka_topic"], r["kafka_partition"]), 0)]
        if not fresh:
            return 0
        arrow = self._pa.Table.from_pylist(fresh, schema=self._table.schema().as_arrow())
        self._table.append(arrow, snapshot_properties={OFFSETS_PROPERTY: encode_positions(merge_positions(recorded, positions))})
        return len(fresh)

    def refresh(self) -> None:
        self._table.refresh()


def telemetry_schema() -> Any:
    """ts, source, level, message, attributes (JSON text), kafka_partition, kafka_offset, kafka_topic; all optional."""
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
        NestedField(field_id=8, name="kafka_topic", field_type=StringType(), required=False),
    )


def telemetry_partition_spec() -> Any:
    """Partitioned by day of `ts`, so time-bounded queries read only their days."""
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import DayTransform

    return PartitionSpec(PartitionField(source_id=1, field_id=1000, transform=DayTransform(), name="ts_day"))


def open_table(catalog: Any, identifier: str, schema: Any, partition_spec: Any) -> Any:
    """Loads `namespace.table`, creating the namespace and the table when missing, and adds the
    columns of `schema` a table created by an earlier version lacks (kafka_topic)."""
    namespace = identifier.split(".")[0]
    catalog.create_namespace_if_not_exists(namespace)
    table = catalog.create_table_if_not_exists(identifier, schema=schema, partition_spec=partition_spec)
    have = {f.name for f in table.schema().fields}
    if any(f.name not in have for f in schema.fields):
        with table.update_schema() as update:
            update.union_by_name(schema)
    return table


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
    from confluent_kafka import Consumer, Producer, TopicPartition
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
    producer = None
    try:
        catalog = load_catalog("lake", **catalog_properties(settings))
        table = open_table(catalog, settings.table, telemetry_schema(), telemetry_partition_spec())
        consumer = Consumer(consumer_config(settings))
        producer = Producer(producer_config(settings))
        appender = Appender(
            consumer,
            IcebergSink(table, pa),
            batch_size=settings.batch_size,
            max_wait_seconds=settings.max_wait_seconds,
            dead_letters=DeadLetterProducer(producer, settings.dead_letter_topic),
            metrics=metrics,
            make_offset=TopicPartition,
            max_record_bytes=settings.max_record_bytes,
            max_field_bytes=settings.max_field_bytes,
        )
        appender.crash_after_append = os.environ.get("CRASH_AFTER_APPEND_FOR_TESTS") == "1"
        consumer.subscribe([settings.topic], on_assign=appender.on_assign, on_revoke=appender.on_revoke, on_lost=appender.on_lost)
        holder["appender"] = appender
        LOG.info("appending %s to %s (dead letters to %s)", settings.topic, settings.table, settings.dead_letter_topic)
        appender.run(stop)
    except (AppendFailed, DeadLetterFailed, KafkaFatal) as e:
        LOG.error("%s; exiting without committing the pending batch", e)
        return 1
    finally:
        if producer is not None:
            producer.flush(10)
        server.shutdown()
    LOG.info("stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
