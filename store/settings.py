"""Settings, read once from `ANIMALTRACK_*` environment variables (SPEC §15) and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_WORKERS = 2
MAX_WORKERS = 16


@dataclass(frozen=True)
class Settings:
    db_path: str = "./animaltrack.db"
    host: str = "127.0.0.1"
    port: int = 3366
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    auth_header: str = "X-Oidc-Username"
    timezone: str = "Europe/Lisbon"
    log_format: str = "text"
    # Server processes (`animaltrack serve`): reads run in each at once, writes take turns.
    workers: int = DEFAULT_WORKERS

    @classmethod
    def from_env(cls, environ=None) -> Settings:
        env = os.environ if environ is None else environ
        port_text = env.get("ANIMALTRACK_PORT", "3366")
        try:
            port = int(port_text)
        except ValueError:
            raise ValueError(f"ANIMALTRACK_PORT must be a number, not {port_text!r}") from None
        log_format = env.get("ANIMALTRACK_LOG_FORMAT", "text")
        if log_format not in ("text", "json"):
            raise ValueError(f"ANIMALTRACK_LOG_FORMAT must be text or json, not {log_format!r}")
        proxies = env.get("ANIMALTRACK_TRUSTED_PROXIES", "")
        workers_text = env.get("ANIMALTRACK_WORKERS", str(DEFAULT_WORKERS))
        if not workers_text.isdigit() or not 1 <= int(workers_text) <= MAX_WORKERS:
            raise ValueError(
                f"ANIMALTRACK_WORKERS must be a number from 1 to {MAX_WORKERS},"
                f" not {workers_text!r}"
            )
        return cls(
            db_path=env.get("ANIMALTRACK_DB", "./animaltrack.db"),
            host=env.get("ANIMALTRACK_HOST", "127.0.0.1"),
            port=port,
            trusted_proxies=tuple(p.strip() for p in proxies.split(",") if p.strip()),
            auth_header=env.get("ANIMALTRACK_AUTH_HEADER", "X-Oidc-Username"),
            timezone=env.get("ANIMALTRACK_TIMEZONE", "Europe/Lisbon"),
            log_format=log_format,
            workers=int(workers_text),
        )

    def environment(self) -> dict[str, str]:
        """These settings as the variables `from_env` reads them back from (for the server's
        worker processes, each started afresh by `resolvers/processes.py`)."""
        return {
            "ANIMALTRACK_DB": str(self.db_path),
            "ANIMALTRACK_HOST": self.host,
            "ANIMALTRACK_PORT": str(self.port),
            "ANIMALTRACK_TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "ANIMALTRACK_AUTH_HEADER": self.auth_header,
            "ANIMALTRACK_TIMEZONE": self.timezone,
            "ANIMALTRACK_LOG_FORMAT": self.log_format,
            "ANIMALTRACK_WORKERS": str(self.workers),
        }
