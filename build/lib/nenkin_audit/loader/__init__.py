"""The loader: inbox files → the lossless raw layer (`raw.<extract>`) and the `raw.load_files`
ledger (raw interface §1, published contract §2, internal contract A).

    from nenkin_audit.loader import load_inbox
    summary = load_inbox(inbox_dir, home.warehouse)
"""

from .load import FileResult, LoadSummary, load_inbox
from .parse import FileRejected, ParsedFile, parse_extract
from .schema import ensure_schema

__all__ = [
    "FileRejected",
    "FileResult",
    "LoadSummary",
    "ParsedFile",
    "ensure_schema",
    "load_inbox",
    "parse_extract",
]
