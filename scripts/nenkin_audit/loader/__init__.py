"""The loader: inbox files → the lossless raw layer (`raw.<extract>`) and the `raw.load_files`
ledger (docs/raw-interface.md §1, docs/published-contract.md §2, docs/internal-contracts.md §A).

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
