"""A thin wrapper over aiokafka's producer with the settings the contract asks for."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from pingan_common.metrics import EVENTS_PRODUCED
from pingan_common.settings import KafkaSettings


@dataclass(frozen=True)
class OutgoingMessage:
    topic: str
    key: str
    value: bytes
    event_type: str
    headers: tuple[tuple[str, bytes], ...] = ()


class EventProducer:
    def __init__(self, settings: KafkaSettings, *, service: str) -> None:
        self._settings = settings
        self._service = service
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            **self._settings.connection(),
            client_id=f"{self._settings.client_id_prefix}-{self._service}",
            acks="all",
            enable_idempotence=self._settings.enable_idempotence,
            linger_ms=self._settings.linger_ms,
            request_timeout_ms=self._settings.request_timeout_ms,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    @property
    def kafka(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("producer not started")
        return self._producer

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        """Send every message and wait for every acknowledgement; raises if any fails."""
        pending = [
            await self.kafka.send(
                self._settings.topic(m.topic),
                value=m.value,
                key=m.key.encode(),
                headers=list(m.headers),
            )
            for m in messages
        ]
        await asyncio.gather(*pending)
        for message in messages:
            EVENTS_PRODUCED.labels(self._service, message.event_type).inc()

    async def is_connected(self) -> bool:
        return bool(await self.kafka.client.force_metadata_update())
