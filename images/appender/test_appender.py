"""Tests of the appender's loop and helpers with fakes; standard library only.

Run: python3 -m unittest discover -s images/appender -p 'test_*.py'
"""

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
import types
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import appender  # noqa: E402
from appender import (  # noqa: E402
    AppendFailed,
    Appender,
    BadRecord,
    ConfigError,
    DeadLetterFailed,
    DeadLetterProducer,
    IcebergSink,
    KafkaFatal,
    Metrics,
    Offset,
    Settings,
    catalog_properties,
    consumer_config,
    decode_positions,
    encode_positions,
    producer_config,
    health,
    open_table,
    parse_timestamp,
    start_http_server,
    to_row,
)

TOPIC = "telemetry-logs"


def setUpModule():
    # The appender logs every skipped record and retry; the assertions check the counters instead.
    logging.disable(logging.CRITICAL)


def tearDownModule():
    logging.disable(logging.NOTSET)

UTC = dt.timezone.utc


class FakeError:
    def __init__(self, text, fatal=False):
        self.text, self._fatal = text, fatal

    def fatal(self):
        return self._fatal

    def __str__(self):
        return self.text


class FakeMessage:
    def __init__(self, partition, offset, value, topic=TOPIC, timestamp_ms=1_700_000_000_000, error=None, key=None, headers=None):
        self._p, self._o, self._v, self._t, self._ts, self._e = partition, offset, value, topic, timestamp_ms, error
        self._k, self._h = key, headers

    def key(self):
        return self._k

    def headers(self):
        return self._h

    def error(self):
        return self._e

    def topic(self):
        return self._t

    def partition(self):
        return self._p

    def offset(self):
        return self._o

    def value(self):
        return self._v

    def timestamp(self):
        return (1, self._ts) if self._ts is not None else (0, -1)


def record(message="hello", **extra):
    doc = {"ts": "2025-03-01T12:00:00Z", "source": "api", "level": "INFO", "message": message, **extra}
    return json.dumps(doc).encode()


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeConsumer:
    """Returns the scripted messages (None for an empty poll), then sets `stop` once they are used up."""

    def __init__(self, script=(), log=None, stop=None, clock=None, tick=0.0, commit_error=None):
        self.script, self.log, self.stop, self.clock, self.tick = list(script), log if log is not None else [], stop, clock, tick
        self.commits, self.closed, self.timeouts, self.commit_error = [], False, [], commit_error

    def poll(self, timeout):
        self.timeouts.append(timeout)
        if self.clock is not None:
            self.clock.now += self.tick
        if self.script:
            return self.script.pop(0)
        if self.stop is not None:
            self.stop.set()
        return None

    def commit(self, offsets=None, asynchronous=True):
        self.log.append(("commit", list(offsets)))
        if asynchronous:
            raise AssertionError("the appender must commit synchronously")
        if self.commit_error is not None:
            raise self.commit_error
        self.commits.append(list(offsets))

    def close(self):
        self.closed = True

    def committed(self, partitions, timeout=None):
        return [types.SimpleNamespace(topic=p.topic, partition=p.partition, offset=self.committed_offsets.get((p.topic, p.partition), -1001)) for p in partitions]

    def assign(self, partitions):
        self.assigned = [(p.topic, p.partition, p.offset) for p in partitions]

    committed_offsets = {}
    assigned = None


class FakeDeadLetters:
    def __init__(self, log=None, fail=False):
        self.log, self.fail, self.sent, self.delivered = log if log is not None else [], fail, [], []

    def send(self, message, reason, text):
        self.sent.append((message.partition(), message.offset(), reason))

    def flush(self):
        self.log.append(("dead-letters", len(self.sent)))
        if self.fail:
            raise RuntimeError("broker down")
        self.delivered += self.sent
        self.sent = []


class FakeSink:
    """Keeps the rows and the recorded positions like a table; `failures` appends fail first,
    `lost_ack` ones commit and then fail (an unacknowledged commit)."""

    def __init__(self, log=None, failures=0, lost_ack=0, recorded=None):
        self.log, self.failures, self.lost_ack, self.batches, self.refreshes = log if log is not None else [], failures, lost_ack, [], 0
        self.recorded = dict(recorded or {})

    def positions(self):
        return dict(self.recorded)

    def append(self, rows, positions):
        self.log.append(("append", len(rows)))
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("CommitFailedException: conflict")
        fresh = [r for r in rows if r["kafka_offset"] >= self.recorded.get((r["kafka_topic"], r["kafka_partition"]), 0)]
        if fresh:
            self.batches.append(fresh)
            for key, nxt in positions.items():
                self.recorded[key] = max(self.recorded.get(key, 0), nxt)
        if self.lost_ack > 0:
            self.lost_ack -= 1
            raise RuntimeError("read timed out")
        return len(fresh)

    def refresh(self):
        self.refreshes += 1


def make(consumer, sink, clock=None, batch_size=100, max_wait=60.0, sleeps=None, dead_letters=None, **kw):
    return Appender(
        consumer,
        sink,
        dead_letters=dead_letters if dead_letters is not None else FakeDeadLetters(),
        batch_size=batch_size,
        max_wait_seconds=max_wait,
        clock=clock or FakeClock(),
        sleep=(sleeps.append if sleeps is not None else (lambda _s: None)),
        **kw,
    )


class DeliveryTest(unittest.TestCase):
    def test_commits_offsets_only_after_the_append(self):
        log = []
        consumer, sink = FakeConsumer(log=log), FakeSink(log=log)
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 4, record()))
        app.flush()
        self.assertEqual(log, [("append", 1), ("commit", [Offset(TOPIC, 0, 5)])])

    def test_does_not_commit_when_every_append_attempt_fails(self):
        log, sleeps = [], []
        consumer, sink = FakeConsumer(log=log), FakeSink(log=log, failures=99)
        app = make(consumer, sink, sleeps=sleeps, max_append_attempts=3, backoff_seconds=1.0)
        app.handle(FakeMessage(0, 0, record()))
        with self.assertRaises(AppendFailed):
            app.flush()
        self.assertEqual(log, [("append", 1)] * 3)
        self.assertEqual(consumer.commits, [])
        self.assertEqual(sleeps, [1.0, 2.0])
        self.assertEqual(app.pending, 1)
        self.assertEqual(app.metrics.get("appender_append_failures_total"), 3)

    def test_retries_a_failed_append_after_refreshing_the_table_then_commits(self):
        consumer, sink = FakeConsumer(), FakeSink(failures=1)
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 9, record()))
        app.flush()
        self.assertEqual(sink.refreshes, 1)
        self.assertEqual(len(sink.batches), 1)
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 10)]])

    def test_run_exits_on_append_failure_without_commit_and_closes_the_consumer(self):
        stop = threading.Event()
        consumer = FakeConsumer([FakeMessage(0, 0, record()), FakeMessage(0, 1, record())], stop=stop)
        app = make(consumer, FakeSink(failures=99), batch_size=2, max_append_attempts=2)
        with self.assertRaises(AppendFailed):
            app.run(stop)
        self.assertEqual(consumer.commits, [])
        self.assertTrue(consumer.closed)
        self.assertEqual(app.pending, 0, "the failed batch is dropped so the revoke on close does not retry it")

    def test_commits_last_offset_plus_one_per_partition(self):
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink)
        for partition, offset in [(2, 10), (0, 5), (0, 7), (0, 6), (2, 11)]:
            app.handle(FakeMessage(partition, offset, record()))
        app.flush()
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 8), Offset(TOPIC, 2, 12)]])

    def test_uses_the_given_offset_factory(self):
        consumer = FakeConsumer()
        app = make(consumer, FakeSink(), make_offset=lambda t, p, o: f"{t}/{p}/{o}")
        app.handle(FakeMessage(1, 41, record()))
        app.flush()
        self.assertEqual(consumer.commits, [[f"{TOPIC}/1/42"]])

    def test_a_failed_commit_is_counted_and_the_batch_is_not_appended_again(self):
        consumer, sink = FakeConsumer(commit_error=RuntimeError("rebalance in progress")), FakeSink()
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 0, record()))
        app.flush()
        app.flush()
        self.assertEqual(len(sink.batches), 1)
        self.assertEqual(app.pending, 0)
        self.assertEqual(app.metrics.get("appender_commit_failures_total"), 1)

    def test_revoke_writes_and_commits_the_pending_batch(self):
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 3, record()))
        app.on_revoke(consumer, [types.SimpleNamespace(topic=TOPIC, partition=0)])
        self.assertEqual(len(sink.batches), 1)
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 4)]])


class BatchingTest(unittest.TestCase):
    def test_flushes_when_the_batch_is_full(self):
        stop = threading.Event()
        consumer = FakeConsumer([FakeMessage(0, i, record(str(i))) for i in range(5)] + [None], stop=stop)
        sink = FakeSink()
        app = make(consumer, sink, batch_size=2)
        # Stop after the scripted messages: the full batches were written during the run, the last record at shutdown.
        app.run(stop)
        self.assertEqual([len(b) for b in sink.batches], [2, 2, 1])
        self.assertEqual([c[0].offset for c in consumer.commits], [2, 4, 5])

    def test_flushes_when_the_oldest_record_has_waited_max_wait(self):
        clock = FakeClock()
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink, clock=clock, batch_size=100, max_wait=60.0)
        app.handle(FakeMessage(0, 0, record()))
        clock.now = 59.9
        self.assertFalse(app.due())
        clock.now = 60.0
        self.assertTrue(app.due())

    def test_run_flushes_a_partial_batch_by_time_and_polls_no_longer_than_the_wait_left(self):
        clock, stop = FakeClock(), threading.Event()
        consumer = FakeConsumer([FakeMessage(0, 0, record())] + [None] * 5, clock=clock, tick=20.0, stop=stop)
        sink = FakeSink()
        appended_at = []
        app = make(consumer, sink, clock=clock, batch_size=100, max_wait=60.0, poll_timeout=30.0)
        sink.append = lambda rows, positions: appended_at.append((clock.now, len(consumer.timeouts), stop.is_set())) or len(rows)
        app.run(stop)
        # The record arrives at t=20; polls wait at most what is left of its 60 s; it is written at t=80, before any stop.
        self.assertEqual(consumer.timeouts[:4], [30.0, 30.0, 30.0, 20.0])
        self.assertEqual(appended_at, [(80.0, 4, False)])
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 1)]])

    def test_graceful_stop_flushes_the_pending_batch_and_closes(self):
        stop = threading.Event()
        consumer = FakeConsumer([FakeMessage(0, 0, record()), FakeMessage(1, 0, record())], stop=stop)
        sink = FakeSink()
        app = make(consumer, sink, batch_size=100)
        app.run(stop)
        self.assertEqual([len(b) for b in sink.batches], [2])
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 1), Offset(TOPIC, 1, 1)]])
        self.assertTrue(consumer.closed)

    def test_nothing_pending_means_no_append_and_no_commit(self):
        consumer, sink = FakeConsumer(), FakeSink()
        make(consumer, sink).flush()
        self.assertEqual((sink.log, consumer.commits), ([], []))


class BadRecordTest(unittest.TestCase):
    def test_dead_letters_bad_records_by_reason_and_commits_past_them(self):
        consumer, sink, dead = FakeConsumer(), FakeSink(), FakeDeadLetters()
        app = make(consumer, sink, dead_letters=dead)
        app.handle(FakeMessage(0, 0, record("a")))
        app.handle(FakeMessage(0, 1, b"{not json"))
        app.handle(FakeMessage(0, 2, b'["an", "array"]'))
        app.handle(FakeMessage(0, 3, None))
        app.handle(FakeMessage(0, 4, record("b")))
        app.flush()
        self.assertEqual([r["message"] for r in sink.batches[0]], ["a", "b"])
        self.assertEqual(dead.delivered, [(0, 1, "not-json"), (0, 2, "not-object"), (0, 3, "null-value")])
        self.assertEqual([app.metrics.get("appender_bad_records_total", r) for r in ("not-json", "not-object", "null-value")], [1, 1, 1])
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 5)]])

    def test_dead_letters_are_delivered_before_the_append_and_the_commit(self):
        log = []
        consumer, sink, dead = FakeConsumer(log=log), FakeSink(log=log), FakeDeadLetters(log=log)
        app = make(consumer, sink, dead_letters=dead)
        app.handle(FakeMessage(0, 0, b"nope"))
        app.handle(FakeMessage(0, 1, record()))
        app.flush()
        self.assertEqual(log, [("dead-letters", 1), ("append", 1), ("commit", [Offset(TOPIC, 0, 2)])])

    def test_an_undelivered_dead_letter_stops_the_batch_before_any_commit(self):
        consumer, sink, dead = FakeConsumer(), FakeSink(), FakeDeadLetters(fail=True)
        app = make(consumer, sink, dead_letters=dead)
        app.handle(FakeMessage(0, 0, b"nope"))
        app.handle(FakeMessage(0, 1, record()))
        with self.assertRaises(DeadLetterFailed):
            app.flush()
        self.assertEqual((sink.batches, consumer.commits), ([], []))
        self.assertEqual(app.metrics.get("appender_dead_letter_failures_total"), 1)

    def test_a_batch_of_bad_records_only_is_committed_without_an_append(self):
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 7, b"\xff\xfe"))
        app.flush()
        self.assertEqual(sink.log, [])
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 8)]])

    def test_each_kind_of_bad_record_gets_its_reason(self):
        cases = {
            b"\xff\xfe": "invalid-unicode",
            b'{"ts": "2025-01-01T00:00:00Z", "message": "\\ud800"}': "invalid-unicode",
            b'{"ts": "0001-01-01T00:00:00+01:00", "message": "m"}': "bad-timestamp",
            b'{"ts": 1e300, "message": "m"}': "bad-timestamp",
            b'{"ts": "soon", "message": "m"}': "bad-timestamp",
            b'{"ts": {"y": 2025}, "message": "m"}': "wrong-type",
            b'{"ts": true}': "wrong-type",
            b'{"ts": "2025-01-01T00:00:00Z", "message": "' + b"x" * 300000 + b'"}': "oversized",
            b"[1]": "not-object",
            b"": "not-json",
        }
        for value, reason in cases.items():
            with self.subTest(value=value[:60]), self.assertRaises(BadRecord) as bad:
                to_row(value, TOPIC, 0, 0, None)
            self.assertEqual(bad.exception.reason, reason)
        with self.assertRaises(BadRecord) as big:
            to_row(b"{}" + b" " * 2000, TOPIC, 0, 0, 1, max_record_bytes=1000)
        self.assertEqual(big.exception.reason, "oversized")

    def test_kafka_errors_are_skipped_unless_fatal(self):
        app = make(FakeConsumer(), FakeSink())
        app.handle(FakeMessage(0, 0, None, error=FakeError("broker transport failure")))
        self.assertEqual(app.pending, 0)
        with self.assertRaises(KafkaFatal):
            app.handle(FakeMessage(0, 0, None, error=FakeError("fenced", fatal=True)))


class DeadLetterProducerTest(unittest.TestCase):
    class Producer:
        def __init__(self, left=0, error=None):
            self.produced, self.left, self.error, self.callbacks = [], left, error, []

        def produce(self, topic, value, key, headers, on_delivery):
            self.produced.append((topic, value, key, headers))
            self.callbacks.append(on_delivery)

        def poll(self, _timeout):
            return 0

        def flush(self, _timeout):
            for cb in self.callbacks:
                cb(self.error, None)
            self.callbacks = []
            return self.left

    def test_sends_the_record_unchanged_with_its_reason_and_origin_in_headers(self):
        producer = self.Producer()
        dlq = DeadLetterProducer(producer, "telemetry-logs.dlq")
        dlq.send(FakeMessage(3, 41, b"{bad", key=b"k", headers=[("trace", b"t1")], timestamp_ms=1700000000000), "not-json", "not JSON: Expecting value")
        dlq.flush()
        self.assertEqual(
            producer.produced,
            [("telemetry-logs.dlq", b"{bad", b"k", [("trace", b"t1"), ("dlq.reason", b"not-json"), ("dlq.error", b"not JSON: Expecting value"), ("dlq.topic", TOPIC.encode()), ("dlq.partition", b"3"), ("dlq.offset", b"41"), ("dlq.timestamp", b"1700000000000")])],
        )

    def test_flush_fails_when_a_delivery_failed_or_is_left(self):
        for producer in (self.Producer(error="broker down"), self.Producer(left=1)):
            dlq = DeadLetterProducer(producer, "dlq")
            dlq.send(FakeMessage(0, 0, None), "null-value", "tombstone")
            with self.subTest(left=producer.left), self.assertRaises(RuntimeError):
                dlq.flush()


class ExactlyOnceTest(unittest.TestCase):
    def test_records_below_the_tables_recorded_offsets_are_skipped_not_appended(self):
        consumer, sink = FakeConsumer(), FakeSink(recorded={(TOPIC, 0): 5})
        app = make(consumer, sink)
        consumer.committed_offsets = {(TOPIC, 0): 2}
        app.on_assign(consumer, [types.SimpleNamespace(topic=TOPIC, partition=0, offset=-1001)])
        for offset in range(2, 8):
            app.handle(FakeMessage(0, offset, record(str(offset))))
        app.flush()
        self.assertEqual([r["kafka_offset"] for r in sink.batches[0]], [5, 6, 7])
        self.assertEqual(app.metrics.get("appender_duplicates_skipped_total"), 3)
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 8)]])

    def test_assignment_starts_at_the_later_of_the_committed_and_the_recorded_offset(self):
        consumer, sink = FakeConsumer(), FakeSink(recorded={(TOPIC, 0): 50, (TOPIC, 1): 3})
        consumer.committed_offsets = {(TOPIC, 0): 40, (TOPIC, 1): 9}
        app = make(consumer, sink)
        parts = [types.SimpleNamespace(topic=TOPIC, partition=p, offset=-1001) for p in (0, 1, 2)]
        app.on_assign(consumer, parts)
        self.assertEqual(consumer.assigned, [(TOPIC, 0, 50), (TOPIC, 1, 9), (TOPIC, 2, -1001)])
        self.assertEqual(sink.refreshes, 1)

    def test_an_unacknowledged_commit_is_not_appended_twice_on_retry(self):
        consumer, sink = FakeConsumer(), FakeSink(lost_ack=1)
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 0, record()))
        app.handle(FakeMessage(0, 1, record()))
        app.flush()
        self.assertEqual([[r["kafka_offset"] for r in b] for b in sink.batches], [[0, 1]])
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 2)]])

    def test_the_topic_is_part_of_the_key(self):
        consumer, sink = FakeConsumer(), FakeSink(recorded={("other-topic", 0): 100})
        app = make(consumer, sink)
        app.recorded = sink.positions()
        app.handle(FakeMessage(0, 3, record()))
        app.flush()
        self.assertEqual([r["kafka_offset"] for r in sink.batches[0]], [3])

    def test_lost_partitions_drop_the_batch_without_committing(self):
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 0, record()))
        app.on_lost(consumer, [types.SimpleNamespace(topic=TOPIC, partition=0)])
        app.flush()
        self.assertEqual((sink.batches, consumer.commits, app.pending), ([], [], 0))


class RowTest(unittest.TestCase):
    def test_maps_the_telemetry_fields_and_keeps_the_rest_as_json_attributes(self):
        value = json.dumps({"ts": "2025-03-01T12:00:00.5Z", "service": "api", "severity": "WARN", "msg": "slow", "attributes": {"route": "/x"}, "latency_ms": 812}).encode()
        self.assertEqual(
            to_row(value, TOPIC, 2, 99, None),
            {
                "ts": dt.datetime(2025, 3, 1, 12, 0, 0, 500000, tzinfo=UTC),
                "source": "api",
                "level": "WARN",
                "message": "slow",
                "attributes": '{"latency_ms":812,"route":"/x"}',
                "kafka_partition": 2,
                "kafka_offset": 99,
                "kafka_topic": TOPIC,
            },
        )

    def test_row_has_exactly_the_table_columns(self):
        self.assertEqual(tuple(to_row(record(), TOPIC, 0, 0, None)), appender.COLUMNS)

    def test_no_extra_keys_means_null_attributes(self):
        self.assertIsNone(to_row(record(), TOPIC, 0, 0, None)["attributes"])

    def test_falls_back_to_the_kafka_timestamp(self):
        row = to_row(b'{"message": "m"}', TOPIC, 0, 0, 1_700_000_000_123)
        self.assertEqual(row["ts"], dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC))

    def test_a_record_without_any_timestamp_is_bad(self):
        with self.assertRaises(BadRecord):
            to_row(b'{"message": "m"}', TOPIC, 0, 0, None)

    def test_reads_epoch_seconds_and_milliseconds_and_offsets(self):
        self.assertEqual(parse_timestamp(1_700_000_000), dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
        self.assertEqual(parse_timestamp(1_700_000_000_000), dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
        self.assertEqual(parse_timestamp("2025-03-01T14:00:00+02:00"), dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
        self.assertEqual(parse_timestamp("2025-03-01 12:00:00"), dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC))

    def test_unreadable_timestamps_are_bad(self):
        for value in ["yesterday", True, [1], 1e300, "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", float("nan")]:
            with self.subTest(value=value), self.assertRaises(BadRecord):
                parse_timestamp(value)


class ConfigTest(unittest.TestCase):
    ENV = {
        "KAFKA_BOOTSTRAP_SERVERS": "kafka-kafka-bootstrap.platform-data.svc:9092",
        "KAFKA_GROUP_ID": "iceberg-appender",
        "ICEBERG_REST_URI": "http://nessie.platform-data.svc.cluster.local:19120/iceberg",
        "S3_ENDPOINT": "http://minio.platform-data.svc.cluster.local",
        "AWS_ACCESS_KEY_ID": "key-id",
        "AWS_SECRET_ACCESS_KEY": "very-secret",
    }

    def test_defaults(self):
        s = Settings.from_env(self.ENV)
        self.assertEqual((s.topic, s.table, s.warehouse, s.batch_size, s.max_wait_seconds, s.http_port, s.auto_offset_reset), ("telemetry-logs", "telemetry.logs", "warehouse", 5000, 60.0, 8080, "earliest"))

    def test_names_every_missing_variable(self):
        with self.assertRaisesRegex(ConfigError, "KAFKA_GROUP_ID, ICEBERG_REST_URI"):
            Settings.from_env({k: v for k, v in self.ENV.items() if k not in ("KAFKA_GROUP_ID", "ICEBERG_REST_URI")})

    def test_rejects_bad_numbers_and_tables(self):
        for extra in [{"BATCH_SIZE": "lots"}, {"MAX_WAIT_SECONDS": "0"}, {"ICEBERG_TABLE": "logs"}, {"KAFKA_AUTO_OFFSET_RESET": "none"}]:
            with self.subTest(extra=extra), self.assertRaises(ConfigError):
                Settings.from_env({**self.ENV, **extra})

    def test_dead_letter_topic_defaults_beside_the_topic_and_must_differ(self):
        self.assertEqual(Settings.from_env(self.ENV).dead_letter_topic, "telemetry-logs.dlq")
        with self.assertRaises(ConfigError):
            Settings.from_env({**self.ENV, "DEAD_LETTER_TOPIC": "telemetry-logs"})

    def test_kafka_security_from_env_with_the_password_from_a_file(self):
        env = {**self.ENV, "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "iceberg-appender", "KAFKA_SASL_PASSWORD_FILE": "/var/run/kafka/password", "KAFKA_SSL_CA_LOCATION": "/var/run/kafka/ca.crt"}
        s = Settings.from_env(env, read_file=lambda path: {"/var/run/kafka/password": "scram-pw\n"}[path])
        expected = {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "iceberg-appender", "sasl.password": "scram-pw", "ssl.ca.location": "/var/run/kafka/ca.crt"}
        self.assertEqual({k: consumer_config(s)[k] for k in expected}, expected)
        self.assertEqual({k: producer_config(s)[k] for k in expected}, expected)
        self.assertNotIn("scram-pw", repr(s))

    def test_plaintext_by_default_and_sasl_needs_its_credentials(self):
        self.assertEqual(consumer_config(Settings.from_env(self.ENV))["security.protocol"], "PLAINTEXT")
        for extra in [{"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "u"}, {"KAFKA_SECURITY_PROTOCOL": "TLS"}, {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p", "KAFKA_SASL_MECHANISM": "GSSAPI"}]:
            with self.subTest(extra=extra), self.assertRaises(ConfigError):
                Settings.from_env({**self.ENV, **extra})

    def test_keeps_the_secret_key_out_of_its_repr(self):
        self.assertNotIn("very-secret", repr(Settings.from_env(self.ENV)))

    def test_consumer_never_commits_on_its_own(self):
        c = consumer_config(Settings.from_env({**self.ENV, "KAFKA_CLIENT_ID": "pod-1"}))
        self.assertEqual((c["enable.auto.commit"], c["enable.auto.offset.store"], c["group.id"], c["client.id"]), (False, False, "iceberg-appender", "pod-1"))

    def test_catalog_properties_carry_the_rest_uri_warehouse_and_s3_keys(self):
        p = catalog_properties(Settings.from_env(self.ENV))
        self.assertEqual(
            {k: p[k] for k in ("type", "uri", "warehouse", "s3.endpoint", "s3.access-key-id", "s3.secret-access-key")},
            {
                "type": "rest",
                "uri": "http://nessie.platform-data.svc.cluster.local:19120/iceberg",
                "warehouse": "warehouse",
                "s3.endpoint": "http://minio.platform-data.svc.cluster.local",
                "s3.access-key-id": "key-id",
                "s3.secret-access-key": "very-secret",
            },
        )


class IcebergTest(unittest.TestCase):
    @staticmethod
    def table(calls, snapshots):
        """A pyiceberg Table stand-in: `snapshots` maps id -> (parent id, summary), the last one current."""
        snap = lambda i: None if i is None else types.SimpleNamespace(snapshot_id=i, parent_snapshot_id=snapshots[i][0], summary=snapshots[i][1])
        return types.SimpleNamespace(
            schema=lambda: types.SimpleNamespace(as_arrow=lambda: "arrow-schema"),
            append=lambda t, snapshot_properties: calls.append(("append", t, snapshot_properties)),
            refresh=lambda: calls.append("refresh"),
            current_snapshot=lambda: snap(list(snapshots)[-1] if snapshots else None),
            snapshot_by_id=snap,
        )

    PA = types.SimpleNamespace(Table=types.SimpleNamespace(from_pylist=lambda rows, schema: ("arrow-table", [r["kafka_offset"] for r in rows], schema)))

    def row(self, partition, offset, topic=TOPIC):
        return {"kafka_topic": topic, "kafka_partition": partition, "kafka_offset": offset}

    def test_sink_appends_with_the_tables_arrow_schema_and_records_the_merged_positions(self):
        calls = []
        sink = IcebergSink(self.table(calls, {1: (None, {"kafka.offsets": '{"telemetry-logs":{"1":40}}'})}), self.PA)
        self.assertEqual(sink.append([self.row(0, 5), self.row(0, 6)], {(TOPIC, 0): 7}), 2)
        self.assertEqual(calls, [("append", ("arrow-table", [5, 6], "arrow-schema"), {"kafka.offsets": '{"telemetry-logs":{"0":7,"1":40}}'})])

    def test_sink_drops_rows_the_table_already_holds_per_topic_and_partition(self):
        calls = []
        sink = IcebergSink(self.table(calls, {1: (None, {"kafka.offsets": '{"telemetry-logs":{"0":6}}'})}), self.PA)
        self.assertEqual(sink.append([self.row(0, 5), self.row(0, 6), self.row(0, 5, topic="other")], {(TOPIC, 0): 7, ("other", 0): 6}), 2)
        self.assertEqual(calls[0][1][1], [6, 5])

    def test_sink_commits_nothing_when_every_row_is_already_there(self):
        calls = []
        sink = IcebergSink(self.table(calls, {1: (None, {"kafka.offsets": '{"telemetry-logs":{"0":9}}'})}), self.PA)
        self.assertEqual(sink.append([self.row(0, 5)], {(TOPIC, 0): 6}), 0)
        self.assertEqual(calls, [])

    def test_positions_walk_back_past_snapshots_without_them(self):
        snapshots = {1: (None, {"kafka.offsets": '{"a":{"0":3}}'}), 2: (1, {"operation": "replace"}), 3: (2, {"operation": "replace"})}
        self.assertEqual(IcebergSink(self.table([], snapshots), self.PA).positions(), {("a", 0): 3})
        self.assertEqual(IcebergSink(self.table([], {}), self.PA).positions(), {})

    def test_positions_round_trip_through_the_summary_text(self):
        positions = {("b", 2): 10, ("a", 0): 3, ("a", 11): 1}
        self.assertEqual(encode_positions(positions), '{"a":{"0":3,"11":1},"b":{"2":10}}')
        self.assertEqual(decode_positions(encode_positions(positions)), positions)

    def test_open_table_creates_the_namespace_then_the_table_if_missing(self):
        calls = []
        schema = types.SimpleNamespace(fields=[types.SimpleNamespace(name="ts")])
        table = types.SimpleNamespace(schema=lambda: schema)
        catalog = types.SimpleNamespace(
            create_namespace_if_not_exists=lambda ns: calls.append(("namespace", ns)),
            create_table_if_not_exists=lambda ident, schema, partition_spec: calls.append(("table", ident, partition_spec)) or table,
        )
        self.assertIs(open_table(catalog, "telemetry.logs", schema, "spec"), table)
        self.assertEqual(calls, [("namespace", "telemetry"), ("table", "telemetry.logs", "spec")])

    def test_open_table_adds_the_columns_an_older_table_lacks(self):
        calls = []

        class Update:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                calls.append("committed")

            def union_by_name(self, schema):
                calls.append(("union", [f.name for f in schema.fields]))

        old = types.SimpleNamespace(fields=[types.SimpleNamespace(name="ts")])
        new = types.SimpleNamespace(fields=[types.SimpleNamespace(name="ts"), types.SimpleNamespace(name="kafka_topic")])
        table = types.SimpleNamespace(schema=lambda: old, update_schema=Update)
        catalog = types.SimpleNamespace(create_namespace_if_not_exists=lambda ns: None, create_table_if_not_exists=lambda ident, schema, partition_spec: table)
        open_table(catalog, "telemetry.logs", new, "spec")
        self.assertEqual(calls, [("union", ["ts", "kafka_topic"]), "committed"])

    def test_importing_the_module_needs_no_third_party_package(self):
        code = "import sys, appender; print(sorted(m for m in ('pyarrow', 'pyiceberg', 'confluent_kafka') if m in sys.modules))"
        out = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(os.path.abspath(__file__)), capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), "[]")


class HealthTest(unittest.TestCase):
    def test_unhealthy_before_the_loop_runs_and_when_it_stalls(self):
        clock = FakeClock()
        app = make(FakeConsumer(), FakeSink(), clock=clock)
        self.assertEqual(health(app, clock, 120)[0], 503)
        app.heartbeat = 10.0
        clock.now = 100.0
        self.assertEqual(health(app, clock, 120)[0], 200)
        clock.now = 131.0
        self.assertEqual(health(app, clock, 120)[0], 503)

    def test_serves_healthz_and_metrics_over_http(self):
        metrics = Metrics()
        metrics.inc("appender_bad_records_total", 2, label="not-json")
        server = start_http_server(0, lambda: (200, "ok\n"), metrics)
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                self.assertEqual((r.status, r.read()), (200, b"ok\n"))
            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
                self.assertIn('appender_bad_records_total{reason="not-json"} 2\n', r.read().decode())
            with self.assertRaises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"{base}/other", timeout=5)
            self.assertEqual(missing.exception.code, 404)
            missing.exception.close()
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    unittest.main()
