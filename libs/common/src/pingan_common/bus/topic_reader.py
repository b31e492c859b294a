"""Read a whole topic as it stands, without joining a consumer group (no rebalance wait)."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from pingan_common.settings import KafkaSettings


async def read_topic(
    settings: KafkaSettings, logical_topic: str, *, within: float = 30
) -> list[ConsumerRecord]:
    """Every record up to the current end offsets, by partition then offset; [] if no topic."""
    consumer = AIOKafkaConsumer(
        **settings.connection(),
        enable_auto_commit=False,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
    )
    await consumer.start()
    try:
        name = settings.topic(logical_topic)
        await consumer.topics()  # fresh metadata, so a topic created a moment ago is seen
        partitions = [
            TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        expected = sum((await consumer.end_offsets(partitions)).values())
        records: list[ConsumerRecord] = []
        async with asyncio.timeout(within):
            while len(records) < expected:
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(batch)
        return sorted(records, key=lambda record: (record.partition, record.offset))
    finally:
        await consumer.stop()
