"""Smoke test of the infrastructure fixtures: a real PostgreSQL and a real Kafka-protocol broker."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from pingan_common.testing.infra import fresh_database


async def test_postgres_fresh_database(postgres) -> None:
    url = await fresh_database(postgres, "pingan_infra_smoke")
    assert url.startswith("postgresql+asyncpg://") and url.endswith("/pingan_infra_smoke")

    conn = await asyncpg.connect(postgres.url("pingan_infra_smoke", driver="postgresql"))
    try:
        assert await conn.fetchval("select 1") == 1
        await conn.execute("create table t (id int primary key)")
    finally:
        await conn.close()

    # fresh again: the table is gone
    await fresh_database(postgres, "pingan_infra_smoke")
    conn = await asyncpg.connect(postgres.url("pingan_infra_smoke", driver="postgresql"))
    try:
        assert await conn.fetchval("select to_regclass('t')") is None
    finally:
        await conn.close()


async def test_kafka_produce_consume(kafka) -> None:
    topic = f"infra.smoke.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        assert topic in await admin.list_topics()
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"ping", key=b"ticket-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"smoke-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
        # Tansu holds a new group's first JoinGroup for about session_timeout_ms / 2
        session_timeout_ms=2_000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    try:
        msg = await asyncio.wait_for(consumer.getone(), timeout=20)
    finally:
        await consumer.stop()
    assert (msg.key, msg.value) == (b"ticket-1", b"ping")
