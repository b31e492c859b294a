"""Create the topics a service needs, with the partition counts from configuration."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.protocol.api import Response

from pingan_common.events.topics import COMPACTED_TOPICS
from pingan_common.settings import KafkaSettings

log = logging.getLogger("pingan.topics")


def partitions_for(topic: str, settings: KafkaSettings) -> int:
    if topic in settings.partitions:
        return settings.partitions[topic]
    if ".dlq." in topic:
        return settings.dlq_partitions
    return settings.default_partitions


async def ensure_topics(settings: KafkaSettings, topics: Iterable[str]) -> list[str]:
    """Create whichever of ``topics`` are missing; returns the ones created."""
    admin = AIOKafkaAdminClient(**settings.connection())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted({settings.topic(name) for name in topics} - existing)
        if missing:
            response = await admin.create_topics([_new_topic(name, settings) for name in missing])
            _raise_on_topic_errors(response)
            log.info("created topics %s", missing)
        return missing
    finally:
        await admin.close()


def _new_topic(name: str, settings: KafkaSettings) -> NewTopic:
    logical = name.removeprefix(settings.namespace)
    configs = {"cleanup.policy": "compact"} if logical in COMPACTED_TOPICS else {}
    return NewTopic(
        name=name,
        num_partitions=partitions_for(logical, settings),
        replication_factor=settings.replication_factor,
        topic_configs=configs,
    )


_TOPIC_ALREADY_EXISTS = 36


def _raise_on_topic_errors(response: Response) -> None:
    """The admin client returns per-topic errors instead of raising; another service may have
    created the same topic a moment ago, which is fine."""
    for topic_error in response.topic_errors:
        topic, code = topic_error[0], topic_error[1]
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise RuntimeError(f"creating topic {topic} failed with Kafka error code {code}")
