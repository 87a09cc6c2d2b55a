"""Produces records with librdkafka (Python confluent-kafka), not kafkajs: what real shippers do.

usage: librdkafka-produce.py BROKERS TOPIC COMPRESSION < messages.jsonl
Each input line is a JSON object {"key": str | null, "value": str}; the value is sent as UTF-8 bytes.
"""
import json
import sys

from confluent_kafka import Producer


def main() -> int:
    brokers, topic, compression = sys.argv[1:4]
    producer = Producer(
        {
            "bootstrap.servers": brokers,
            "compression.type": compression,
            "linger.ms": 20,
            "message.max.bytes": 4_000_000,
            "enable.idempotence": True,
        }
    )
    failures = []

    def delivered(error, _message):
        if error is not None:
            failures.append(str(error))

    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        key = message.get("key")
        while True:
            try:
                producer.produce(
                    topic,
                    value=message["value"].encode("utf-8"),
                    key=None if key is None else key.encode("utf-8"),
                    on_delivery=delivered,
                )
                break
            except BufferError:
                # librdkafka's local queue is full (100,000 messages): wait for deliveries, as shippers do.
                producer.poll(0.1)
        count += 1
        producer.poll(0)
    remaining = producer.flush(60)
    if remaining > 0 or failures:
        print(f"not delivered: {remaining} pending, errors: {failures[:3]}", file=sys.stderr)
        return 1
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
