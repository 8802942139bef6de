"""Every section a comment or document cites exists in the repository.

The contracts the code follows live in docs/ (docs/raw-interface.md, docs/published-contract.md,
docs/internal-contracts.md). A citation names the document and the section,
`docs/raw-interface.md §3.8` or `docs/internal-contracts.md §F`; inside a document of
docs/ a bare `§4.1` means a section of that same document. Any other `§<number>` (an old
"raw interface §3", a bare "§4" in code) and the old "contracts B" / "internal contract F" are
errors: a reader with only a clone could not follow them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: where citations are looked for: code, models, tests, dashboards, seeds, project files
SCANNED = ("scripts", "models", "macros", "tests", "dashboards", "seeds", "docs", ".ci")
SCANNED_FILES = ("README.md", "dbt_project.yml", "pyproject.toml")
SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".md", ".csv", ".toml", ".txt", ""}
SKIP_PARTS = {".venv", "target", "dbt_packages", "__pycache__", "logs"}

#: a numbered section (3, 3.8) or a lettered one (A, F)
SECTION = r"(?:\d+(?:\.\d+)*|[A-Z](?![A-Za-z]))"
HEADING_RE = re.compile(rf"^#{{2,6}}\s+({SECTION})\.?\s", re.M)
CITATION_RE = re.compile(rf"(docs/[\w.-]+\.md)\s+§\s?({SECTION})")
SIGN_RE = re.compile(rf"§\s?({SECTION})")
#: the old ways of citing the internal contracts, which name no file
LEGACY_RE = re.compile(
    r"(?<![-\w])(?:internal )?contracts?(?:\.md)? (?:section )?([A-F])\b|\bsection ([A-F])\b"
)
#: this file shows wrong citations on purpose
SELF = "tests/test_docs_citations.py"


def sections(doc: Path) -> set[str]:
    """The section numbers of a document's headings (`## 3. Extracts` -> "3", `### 3.8 …` ->
    "3.8")."""
    return set(HEADING_RE.findall(doc.read_text(encoding="utf-8")))


def scanned_files(root: Path) -> list[Path]:
    out = [root / f for f in SCANNED_FILES if (root / f).is_file()]
    for d in SCANNED:
        base = root / d
        if not base.is_dir():
            continue
        out += [
            p
            for p in base.rglob("*")
            if p.is_file()
            and p.suffix in SUFFIXES
            and not SKIP_PARTS.intersection(p.relative_to(root).parts)
            and not any(part.endswith(".egg-info") for part in p.parts)
        ]
    return sorted(out)


def problems(root: Path) -> tuple[list[str], int]:
    """(`file:line: problem` for every citation that does not resolve, number of citations)."""
    docs = {f"docs/{p.name}": sections(p) for p in sorted((root / "docs").glob("*.md"))}
    found: list[str] = []
    cited = 0
    for path in scanned_files(root):
        rel = path.relative_to(root).as_posix()
        if rel == SELF:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue

        def where(pos: int, rel: str = rel, text: str = text) -> str:
            return f"{rel}:{text.count(chr(10), 0, pos) + 1}"

        covered: set[int] = set()
        for m in CITATION_RE.finditer(text):  # a citation may wrap onto the next line
            cited += 1
            covered.add(m.start(2))
            doc, section = m.group(1), m.group(2)
            if doc not in docs:
                found.append(f"{where(m.start())}: cites {doc}, which does not exist")
            elif section not in docs[doc]:
                found.append(f"{where(m.start())}: {doc} has no section {section}")
        for m in LEGACY_RE.finditer(text):
            letter = m.group(1) or m.group(2)
            found.append(
                f"{where(m.start())}: {m.group(0)!r} names no document; write it as "
                f"`docs/internal-contracts.md §{letter}`"
            )
        for m in SIGN_RE.finditer(text):
            if m.start(1) in covered:
                continue
            if rel in docs:  # a bare reference inside a document: its own sections
                cited += 1
                if m.group(1) not in docs[rel]:
                    found.append(f"{where(m.start())}: no section {m.group(1)} in this document")
            else:
                found.append(
                    f"{where(m.start())}: §{m.group(1)} names no document; write it as "
                    f"`docs/<document>.md §{m.group(1)}`"
                )
    return found, cited


def test_every_cited_section_exists() -> None:
    found, cited = problems(ROOT)
    assert not found, "citations that do not resolve:\n" + "\n".join(found)
    # the scan really reads the repository's citations (the code cites the contracts often)
    assert cited >= 40


@pytest.mark.parametrize(
    ("doc", "want"),
    [
        ("raw-interface.md", {"1", "2", "3", "4", "5"}),
        ("published-contract.md", {"1", "2", "3"}),
        ("internal-contracts.md", {"A", "B", "C", "D", "F"}),
    ],
)
def test_contract_documents_keep_their_top_level_sections(doc: str, want: set[str]) -> None:
    assert want <= sections(DOCS / doc)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# parse as in docs/raw-interface.md §3.8\n", None),
        ("# matching step 6 (docs/internal-contracts.md §F)\n", None),
        ("# matching step 6 (docs/internal-contracts.md §E)\n", "has no section E"),
        ("# parse as in docs/raw-interface.md §3.99\n", "has no section 3.99"),
        ("# see docs/nowhere.md §1\n", "cites docs/nowhere.md, which does not exist"),
        ("# see raw interface §2\n", "names no document"),
        ("# moves out of §4\n", "names no document"),
        ("# as contracts B says\n", "'contracts B' names no document"),
        ("# see contracts.md section F step 6\n", "names no document"),
        ("# (internal contract A)\n", "names no document"),
        ("string_agg(item, '§' order by item)\n", None),
    ],
)
def test_the_check_finds_what_does_not_resolve(tmp_path: Path, line: str, expected) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "raw-interface.md").write_text(
        "# T\n\n## 3. Extracts\n\n### 3.8 todokede\n"
    )
    (tmp_path / "docs" / "internal-contracts.md").write_text("# T\n\n## F. Matching\n")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "m.py").write_text(line, encoding="utf-8")
    found, _ = problems(tmp_path)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0] and found[0].startswith("scripts/m.py:1:")
