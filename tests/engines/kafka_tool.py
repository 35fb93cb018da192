"""Kafka client for the engine suite, run with the appender's locked virtualenv (confluent-kafka).

  kafka_tool.py create-topic --topic T --partitions N [--config k=v ...]
  kafka_tool.py produce --topic T          < JSON lines {"key", "value" | "value_b64" | null, "partition"}
  kafka_tool.py consume --topic T          > JSON lines {"partition", "offset", "key", "value_b64", "headers"}
  kafka_tool.py committed --topic T --group G   > {"<partition>": offset}

Common: --bootstrap host:port, and optionally --security-protocol, --sasl-mechanism, --username,
--password (as the appender takes them). Prints a JSON summary on the last line.
"""

import argparse
import base64
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def client_config(args):
    conf = {"bootstrap.servers": args.bootstrap}
    if args.security_protocol:
        conf["security.protocol"] = args.security_protocol
    if args.sasl_mechanism:
        conf.update({"sasl.mechanism": args.sasl_mechanism, "sasl.username": args.username, "sasl.password": args.password})
    return conf


def create_topic(args):
    admin = AdminClient(client_config(args))
    config = dict(kv.split("=", 1) for kv in args.config or [])
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1, config=config)], operation_timeout=min(30, args.timeout), request_timeout=args.timeout)
    futures[args.topic].result(timeout=args.timeout)
    print(json.dumps({"created": args.topic, "partitions": args.partitions}))


def produce(args):
    producer = Producer({**client_config(args), "enable.idempotence": True, "linger.ms": 5})
    errors = []
    count = 0

    def report(err, _msg):
        if err is not None:
            errors.append(str(err))

    for line in sys.stdin:
        if not line.strip():
            continue
        doc = json.loads(line)
        if "value_b64" in doc:
            value = base64.b64decode(doc["value_b64"])
        elif doc.get("value") is None:
            value = None
        else:
            value = doc["value"].encode("utf-8", "surrogatepass")
        kwargs = {"value": value, "key": doc.get("key"), "on_delivery": report}
        if doc.get("partition") is not None:
            kwargs["partition"] = doc["partition"]
        while True:
            try:
                producer.produce(args.topic, **kwargs)
                break
            except BufferError:
                producer.poll(0.5)
        count += 1
        producer.poll(0)
    left = producer.flush(60)
    if errors or left:
        raise SystemExit(f"produce failed: {left} undelivered, errors: {errors[:5]}")
    print(json.dumps({"produced": count}))


def consume(args):
    consumer = Consumer({**client_config(args), "group.id": "engine-suite-reader", "enable.auto.commit": False})
    metadata = consumer.list_topics(args.topic, timeout=30)
    partitions = sorted(metadata.topics[args.topic].partitions)
    ends = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(args.topic, p), timeout=30)
        ends[p] = high
    consumer.assign([TopicPartition(args.topic, p, 0) for p in partitions])
    remaining = {p for p in partitions if ends[p] > 0}
    seen = 0
    while remaining:
        msg = consumer.poll(args.timeout)
        if msg is None:
            raise SystemExit(f"timed out reading {args.topic}; partitions left: {sorted(remaining)}")
        if msg.error():
            raise KafkaException(msg.error())
        headers = {k: (v.decode("utf-8", "replace") if v is not None else None) for k, v in (msg.headers() or [])}
        value = msg.value()
        print(json.dumps({
            "partition": msg.partition(),
            "offset": msg.offset(),
            "key": msg.key().decode("utf-8", "replace") if msg.key() is not None else None,
            "value_b64": base64.b64encode(value).decode() if value is not None else None,
            "headers": headers,
        }))
        seen += 1
        if msg.offset() + 1 >= ends[msg.partition()]:
            remaining.discard(msg.partition())
    consumer.close()
    print(json.dumps({"consumed": seen}))


def committed(args):
    consumer = Consumer({**client_config(args), "group.id": args.group, "enable.auto.commit": False})
    metadata = consumer.list_topics(args.topic, timeout=30)
    partitions = [TopicPartition(args.topic, p) for p in sorted(metadata.topics[args.topic].partitions)]
    result = {str(tp.partition): tp.offset for tp in consumer.committed(partitions, timeout=30)}
    consumer.close()
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["create-topic", "produce", "consume", "committed"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--config", action="append")
    parser.add_argument("--group")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--security-protocol")
    parser.add_argument("--sasl-mechanism")
    parser.add_argument("--username")
    parser.add_argument("--password")
    args = parser.parse_args()
    {"create-topic": create_topic, "produce": produce, "consume": consume, "committed": committed}[args.command](args)


if __name__ == "__main__":
    main()
