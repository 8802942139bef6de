"""dbt-duckdb plugin: registers the keyed pseudonym function on every connection (placeholder)."""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.key_file = plugin_config.get("key_file") or ""

    def configure_connection(self, conn: Any) -> None:  # pragma: no cover - placeholder
        return None
