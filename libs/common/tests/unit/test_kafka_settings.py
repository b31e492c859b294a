"""Kafka connection settings come from the environment, for Tansu locally and a secured Kafka."""

from __future__ import annotations

import ssl

from pingan_common.settings import KafkaSettings


def test_the_local_default_is_plaintext_without_credentials(monkeypatch):
    monkeypatch.delenv("PINGAN_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    options = KafkaSettings().connection()
    assert options == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT"}


def test_sasl_ssl_from_the_environment_gives_credentials_and_a_tls_context(monkeypatch):
    monkeypatch.setenv("PINGAN_KAFKA_BOOTSTRAP_SERVERS", "kafka-0.kafka:9093,kafka-1.kafka:9093")
    monkeypatch.setenv("PINGAN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("PINGAN_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("PINGAN_KAFKA_SASL_USERNAME", "pingan-intake")
    monkeypatch.setenv("PINGAN_KAFKA_SASL_PASSWORD", "s3cret-from-a-secret")
    settings = KafkaSettings()
    options = settings.connection()
    assert options["bootstrap_servers"] == "kafka-0.kafka:9093,kafka-1.kafka:9093"
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "pingan-intake"
    assert options["sasl_plain_password"] == "s3cret-from-a-secret"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert "s3cret-from-a-secret" not in repr(settings)


def test_topics_and_groups_take_the_namespace():
    settings = KafkaSettings(namespace="county-b.")
    assert settings.topic("intake.tickets.v1") == "county-b.intake.tickets.v1"
    assert settings.group("dispatch") == "county-b.dispatch"
