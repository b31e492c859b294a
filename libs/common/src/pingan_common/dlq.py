"""Inspect and replay dead letters.

    python -m pingan_common.dlq list   --topic intake.tickets.v1 --group dispatch
    python -m pingan_common.dlq replay --topic intake.tickets.v1 --group dispatch [--event-id ID]

Replay publishes the dead letter again to its original topic. Every consumer group of that
topic sees it, but the groups that applied it before find it in their inbox and skip it, so
only the group that failed does the work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer, ConsumerRecord

from pingan_common.bus.topic_reader import read_topic
from pingan_common.events.topics import dead_letter_topic
from pingan_common.settings import KafkaSettings


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def event_id(self) -> str | None:
        try:
            return str(json.loads(self.value).get("id"))
        except (ValueError, AttributeError):
            return None

    def summary(self) -> dict[str, object]:
        return {
            "offset": f"{self.partition}:{self.offset}",
            "event_id": self.event_id,
            "error_type": self.headers.get("dlq_error_type"),
            "error": self.headers.get("dlq_error"),
            "attempts": self.headers.get("dlq_attempts"),
            "original": f"{self.headers.get('dlq_original_topic')}"
            f"[{self.headers.get('dlq_original_partition')}]"
            f"@{self.headers.get('dlq_original_offset')}",
        }


async def read_dead_letters(settings: KafkaSettings, topic: str, group: str) -> list[DeadLetter]:
    """Everything in the dead-letter topic, read without joining any consumer group."""
    return [
        _letter(record) for record in await read_topic(settings, dead_letter_topic(topic, group))
    ]


def _letter(record: ConsumerRecord) -> DeadLetter:
    headers = {key: value.decode(errors="replace") for key, value in record.headers or ()}
    return DeadLetter(record.partition, record.offset, record.key, record.value or b"", headers)


async def replay(settings: KafkaSettings, letters: list[DeadLetter]) -> int:
    producer = AIOKafkaProducer(**settings.connection(), acks="all")
    await producer.start()
    try:
        for letter in letters:
            # The header holds the physical (namespaced) topic the letter was read from.
            original = letter.headers["dlq_original_topic"]
            await producer.send_and_wait(original, value=letter.value, key=letter.key)
        return len(letters)
    finally:
        await producer.stop()


async def _main(args: argparse.Namespace) -> None:
    settings = KafkaSettings()
    letters = await read_dead_letters(settings, args.topic, args.group)
    if args.event_id:
        letters = [letter for letter in letters if letter.event_id == args.event_id]
    if args.command == "list":
        for letter in letters:
            print(json.dumps(letter.summary(), ensure_ascii=False))
        print(f"{len(letters)} dead letter(s)")
        return
    print(f"replayed {await replay(settings, letters)} dead letter(s) to {args.topic}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m pingan_common.dlq", description=__doc__)
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("--topic", required=True, help="the original topic, e.g. intake.tickets.v1")
    parser.add_argument("--group", required=True, help="the consumer group, e.g. dispatch")
    parser.add_argument("--event-id", help="only the dead letter of this event")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
