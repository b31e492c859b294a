"""How services verify tokens, from ``PINGAN_AUTH_*`` environment variables."""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_AUTH_", extra="ignore")

    issuer: str = "http://127.0.0.1:8009"
    audience: str = "pingan"
    # One of the two; with neither, keys come from ``<issuer>/.well-known/jwks.json``.
    jwks_url: str | None = None
    jwks_file: str | None = None
    algorithms: list[str] = Field(default_factory=lambda: ["RS256"])
    leeway_seconds: int = Field(default=30, ge=0, le=300)

    @field_validator("algorithms")
    @classmethod
    def _only_public_key_algorithms(cls, algorithms: list[str]) -> list[str]:
        # "none" accepts unsigned tokens, and HMAC with a published key lets anyone sign.
        rejected = [alg for alg in algorithms if alg.lower() == "none" or alg.startswith("HS")]
        if rejected or not algorithms:
            raise ValueError(f"only public-key algorithms are allowed, not {rejected or 'none'}")
        return algorithms

    @property
    def effective_jwks_url(self) -> str:
        return self.jwks_url or f"{self.issuer.rstrip('/')}/.well-known/jwks.json"
