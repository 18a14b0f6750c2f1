"""One settings object, read from the environment (prefix ``LOUPAN_``) and command-line flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from loupan.errors import ConfigError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOUPAN_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("loupan-data")
    # A bolt:// or neo4j:// URI selects Neo4j; empty means the embedded store in data_dir.
    neo4j_uri: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None
    batch_size: int = 1000
    # Largest input file (or envelope line) `loupan ingest` reads; bigger ones are rejected unread.
    max_input_bytes: int = 32 * 2**20
    # Comma-separated name:role:sha256hex entries; see loupan.api.auth.
    api_keys: SecretStr = SecretStr("")
    # Anonymous callers may read; None means: yes in development, no in production.
    anonymous_read: bool | None = None
    # Requests doing Python work at once in one API process (loupan.api.limit); 0: no limit.
    work_slots: int = 4
    # A served process (loupan serve) builds its search name index from start-up, in a thread;
    # false: on the first search, as an embedded app does.
    warm_index: bool = True

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if self.neo4j_uri and self.neo4j_uri.split("://", 1)[0] not in (
            "bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"
        ):
            raise ConfigError(f"LOUPAN_NEO4J_URI={self.neo4j_uri!r} is not a bolt:// or neo4j:// URI")
        if self.env == "production" and self.neo4j_uri and not self.neo4j_password.get_secret_value():
            raise ConfigError("LOUPAN_ENV=production with Neo4j needs LOUPAN_NEO4J_PASSWORD")
        if self.env == "production" and self.anonymous_read is None and not self.api_keys.get_secret_value():
            raise ConfigError("LOUPAN_ENV=production needs LOUPAN_API_KEYS (or LOUPAN_ANONYMOUS_READ=true "
                              "for a public read-only server)")
        if self.batch_size < 1:
            raise ConfigError("LOUPAN_BATCH_SIZE must be at least 1")
        if self.work_slots < 0:
            raise ConfigError("LOUPAN_WORK_SLOTS must be 0 (no limit) or more")
        return self

    @property
    def store_description(self) -> str:
        return f"Neo4j at {self.neo4j_uri}" if self.neo4j_uri else f"embedded store in {self.data_dir.resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (from CLI flags) winning."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]


def anonymous_may_read(settings: Settings) -> bool:
    return settings.anonymous_read if settings.anonymous_read is not None else settings.env == "development"
