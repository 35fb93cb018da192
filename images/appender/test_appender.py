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
    IcebergSink,
    KafkaFatal,
    Metrics,
    Offset,
    Settings,
    catalog_properties,
    consumer_config,
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
    def __init__(self, partition, offset, value, topic=TOPIC, timestamp_ms=1_700_000_000_000, error=None):
        self._p, self._o, self._v, self._t, self._ts, self._e = partition, offset, value, topic, timestamp_ms, error

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


class FakeSink:
    def __init__(self, log=None, failures=0):
        self.log, self.failures, self.batches, self.refreshes = log if log is not None else [], failures, [], 0

    def append(self, rows):
        self.log.append(("append", len(rows)))
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("CommitFailedException: conflict")
        self.batches.append(list(rows))

    def refresh(self):
        self.refreshes += 1


def make(consumer, sink, clock=None, batch_size=100, max_wait=60.0, sleeps=None, **kw):
    return Appender(
        consumer,
        sink,
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
        sink.append = lambda rows: appended_at.append((clock.now, len(consumer.timeouts), stop.is_set()))
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
    def test_skips_and_counts_bad_records_and_commits_past_them(self):
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 0, record("a")))
        app.handle(FakeMessage(0, 1, b"{not json"))
        app.handle(FakeMessage(0, 2, b'["an", "array"]'))
        app.handle(FakeMessage(0, 3, None))
        app.handle(FakeMessage(0, 4, record("b")))
        app.flush()
        self.assertEqual([r["message"] for r in sink.batches[0]], ["a", "b"])
        self.assertEqual(app.metrics.get("appender_bad_records_total"), 3)
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 5)]])

    def test_a_batch_of_bad_records_only_is_committed_without_an_append(self):
        consumer, sink = FakeConsumer(), FakeSink()
        app = make(consumer, sink)
        app.handle(FakeMessage(0, 7, b"\xff\xfe"))
        app.flush()
        self.assertEqual(sink.log, [])
        self.assertEqual(consumer.commits, [[Offset(TOPIC, 0, 8)]])

    def test_kafka_errors_are_skipped_unless_fatal(self):
        app = make(FakeConsumer(), FakeSink())
        app.handle(FakeMessage(0, 0, None, error=FakeError("broker transport failure")))
        self.assertEqual(app.pending, 0)
        with self.assertRaises(KafkaFatal):
            app.handle(FakeMessage(0, 0, None, error=FakeError("fenced", fatal=True)))


class RowTest(unittest.TestCase):
    def test_maps_the_telemetry_fields_and_keeps_the_rest_as_json_attributes(self):
        value = json.dumps({"ts": "2025-03-01T12:00:00.5Z", "service": "api", "severity": "WARN", "msg": "slow", "attributes": {"route": "/x"}, "latency_ms": 812}).encode()
        self.assertEqual(
            to_row(value, 2, 99, None),
            {
                "ts": dt.datetime(2025, 3, 1, 12, 0, 0, 500000, tzinfo=UTC),
                "source": "api",
                "level": "WARN",
                "message": "slow",
                "attributes": '{"latency_ms":812,"route":"/x"}',
                "kafka_partition": 2,
                "kafka_offset": 99,
            },
        )

    def test_row_has_exactly_the_table_columns(self):
        self.assertEqual(tuple(to_row(record(), 0, 0, None)), appender.COLUMNS)

    def test_no_extra_keys_means_null_attributes(self):
        self.assertIsNone(to_row(record(), 0, 0, None)["attributes"])

    def test_falls_back_to_the_kafka_timestamp(self):
        row = to_row(b'{"message": "m"}', 0, 0, 1_700_000_000_123)
        self.assertEqual(row["ts"], dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC))

    def test_a_record_without_any_timestamp_is_bad(self):
        with self.assertRaises(BadRecord):
            to_row(b'{"message": "m"}', 0, 0, None)

    def test_reads_epoch_seconds_and_milliseconds_and_offsets(self):
        self.assertEqual(parse_timestamp(1_700_000_000), dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
        self.assertEqual(parse_timestamp(1_700_000_000_000), dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
        self.assertEqual(parse_timestamp("2025-03-01T14:00:00+02:00"), dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
        self.assertEqual(parse_timestamp("2025-03-01 12:00:00"), dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC))

    def test_unreadable_timestamps_are_bad(self):
        for value in ["yesterday", True, [1], 1e300]:
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

    def test_keeps_the_secret_key_out_of_its_repr(self):
        self.assertNotIn("very-secret", repr(Settings.from_env(self.ENV)))

    def test_consumer_never_commits_on_its_own(self):
        c = consumer_config(Settings.from_env({**self.ENV, "KAFKA_CLIENT_ID": "pod-1"}))
        self.assertEqual((c["enable.auto.commit"], c["enable.auto.offset.store"], c["group.id"], c["client.id"]), (False, False, "iceberg-appender", "pod-1"))

    def test_consumer_authenticates_with_scram_over_tls_when_configured(self):
        env = {
            **self.ENV,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "iceberg-appender",
            "KAFKA_SASL_PASSWORD": "kafka-secret",
            "KAFKA_SSL_CA_LOCATION": "/etc/kafka-client/ca.crt",
        }
        c = consumer_config(Settings.from_env(env))
        self.assertEqual(
            {k: c[k] for k in ("security.protocol", "sasl.mechanisms", "sasl.username", "sasl.password", "ssl.ca.location")},
            {"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "iceberg-appender", "sasl.password": "kafka-secret", "ssl.ca.location": "/etc/kafka-client/ca.crt"},
        )
        self.assertNotIn("kafka-secret", repr(Settings.from_env(env)))

    def test_consumer_sets_no_security_when_none_is_configured(self):
        self.assertNotIn("security.protocol", consumer_config(Settings.from_env(self.ENV)))

    def test_rejects_sasl_without_credentials(self):
        with self.assertRaisesRegex(ConfigError, "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
            Settings.from_env({**self.ENV, "KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})

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
    def test_sink_converts_rows_with_the_tables_arrow_schema_and_appends(self):
        calls = []
        table = types.SimpleNamespace(schema=lambda: types.SimpleNamespace(as_arrow=lambda: "arrow-schema"), append=lambda t: calls.append(("append", t)), refresh=lambda: calls.append("refresh"))
        pa = types.SimpleNamespace(Table=types.SimpleNamespace(from_pylist=lambda rows, schema: ("arrow-table", rows, schema)))
        sink = IcebergSink(table, pa)
        sink.append([{"message": "m"}])
        sink.refresh()
        self.assertEqual(calls, [("append", ("arrow-table", [{"message": "m"}], "arrow-schema")), "refresh"])

    def test_open_table_creates_the_namespace_then_the_table_if_missing(self):
        calls = []
        catalog = types.SimpleNamespace(
            create_namespace_if_not_exists=lambda ns: calls.append(("namespace", ns)),
            create_table_if_not_exists=lambda ident, schema, partition_spec: calls.append(("table", ident, schema, partition_spec)) or "table",
        )
        self.assertEqual(open_table(catalog, "telemetry.logs", "schema", "spec"), "table")
        self.assertEqual(calls, [("namespace", "telemetry"), ("table", "telemetry.logs", "schema", "spec")])

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
        metrics.inc("appender_bad_records_total", 2)
        server = start_http_server(0, lambda: (200, "ok\n"), metrics)
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                self.assertEqual((r.status, r.read()), (200, b"ok\n"))
            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
                self.assertIn("appender_bad_records_total 2\n", r.read().decode())
            with self.assertRaises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"{base}/other", timeout=5)
            self.assertEqual(missing.exception.code, 404)
            missing.exception.close()
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    unittest.main()
