"""The pseudonym key: where it comes from (minimal version; see issue 3 for the full design)."""

from __future__ import annotations

import os
from pathlib import Path

from .home import Home

KEY_FILE_ENV = "NENKIN_AUDIT_KEY_FILE"


def resolve_key_file(home: Home) -> Path | None:
    env = os.environ.get(KEY_FILE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return home.default_key_file if home.default_key_file.is_file() else None
