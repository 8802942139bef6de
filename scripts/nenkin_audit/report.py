"""`nenkin-audit report --from DATE --to DATE --out FILE`: the PIA self-check report an auditor
files, as HTML (FILE.html) and PDF (FILE.pdf).

FILE may be given with or without .html / .pdf; both files are written next to each other. The
report covers the whole months that overlap the period (the controls are judged by month): for
every control its PIA section, threshold, result for the period, the monthly trend, and every
exception with its evidence (pseudonymised: staff ids, log ids, record ids, counts; never a
person). It reads only the published mart and the review store (for log_review).

The PDF is drawn with reportlab in its built-in Japanese CID font (HeiseiKakuGo-W5, Adobe-Japan1;
not embedded, every PDF reader ships a substitute), so nothing has to be installed or downloaded.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import polars as pl

from . import controls as ctl
from .errors import UserError
from .home import Home
from .publish import open_published

#: most evidence rows printed per control (all exceptions are counted; the rest are in the mart)
MAX_EVIDENCE_ROWS = 200
FONT = "HeiseiKakuGo-W5"


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD") from None


def output_paths(out: Path) -> tuple[Path, Path]:
    base = out.with_suffix("") if out.suffix.lower() in (".html", ".pdf") else out
    return base.with_name(base.name + ".html"), base.with_name(base.name + ".pdf")


def load_period(home: Home, start: dt.date, end: dt.date) -> ctl.ControlData:
    # the DuckDB file of the home, or on PostgreSQL (postgres.toml) the schema mart as an
    # auditor (or manager) reads it; either way a missing mart is a clear error
    con = open_published(home, ("auditor", "manager"))
    try:
        tables = set(con.sql("select table_name from information_schema.tables").pl()["table_name"])
        missing = [t for t in ctl.CONTROL_TABLES if t not in tables]
        if missing:
            raise UserError(
                f"the published mart has no {', '.join(missing)}: run `nenkin-audit run` with "
                "this version to publish the controls"
            )
        data = ctl.load(lambda sql: con.sql(sql).pl(), home.reviews)
    finally:
        con.close()
    return data.in_period(start, end)


# ------------------------------------------------------------------------------ content


def _months(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y年%m月} 〜 {end:%Y年%m月}"


def _trend_rows(data: ctl.ControlData, code: str) -> list[dict]:
    return data.results.filter(pl.col("control_code") == code).sort("period_month").to_dicts()


def _exceptions(data: ctl.ControlData, code: str) -> pl.DataFrame:
    return data.evidence.filter((pl.col("control_code") == code) & pl.col("is_exception")).sort(
        "item_date", "item_id"
    )


def _evidence_cells(row: dict) -> list[str]:
    ref = row["log_id"] or row["record_id"] or row["item_id"]
    return [
        str(row["item_date"] or ""),
        ctl.RULE_JA.get(row["rule_code"], row["rule_code"] or ""),
        row["staff_id"] or "",
        ref or "",
        row["detail_ja"] or "",
    ]


EVIDENCE_HEAD = ["日付", "判定", "職員ID", "参照（ログID・記録ID等）", "内容"]
TREND_HEAD = ["月", "判定対象", "例外", "測定値", "結果"]
SUMMARY_HEAD = ["点検項目", "PIA", "基準", "例外のあった月", "例外件数", "期間の結果"]


# ----------------------------------------------------------------------------------- HTML


def _svg_trend(rows: list[dict], code: str) -> str:
    """A small bar chart of the monthly measure, exception months in red."""
    if not rows:
        return ""
    values = [r["measure_value"] or 0.0 for r in rows]
    top = max([*values, rows[0]["threshold_value"] or 0.0, 1e-9])
    w, h, bw = 60 * len(rows) + 20, 110, 36
    bars = []
    for i, (r, v) in enumerate(zip(rows, values, strict=True)):
        bh = 70 * v / top
        x = 20 + 60 * i
        colour = "#c0392b" if r["state"] == "exception" else "#2e7d32"
        label = html.escape(ctl.measure_text(r["measure_value"], code))
        bars.append(
            f'<rect x="{x}" y="{85 - bh:.1f}" width="{bw}" height="{bh:.1f}" fill="{colour}"/>'
            f'<text x="{x + bw / 2}" y="{80 - bh:.1f}" font-size="10" text-anchor="middle">'
            f"{label}</text>"
            f'<text x="{x + bw / 2}" y="100" font-size="10" text-anchor="middle">'
            f"{r['period_month']:%Y-%m}</text>"
        )
    ty = 85 - 70 * (rows[0]["threshold_value"] or 0.0) / top
    return (
        f'<svg class="trend" width="{w}" height="{h}" role="img" aria-label="月別の推移">'
        f'<line x1="15" y1="85" x2="{w - 5}" y2="85" stroke="#555"/>{"".join(bars)}'
        f'<line x1="15" y1="{ty:.1f}" x2="{w - 5}" y2="{ty:.1f}" stroke="#1f4e9a" '
        'stroke-dasharray="4 3"><title>基準</title></line></svg>'
    )


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _summary_rows(data: ctl.ControlData) -> list[list[str]]:
    return [
        [
            r["control_name_ja"],
            r["pia_section"],
            ctl.threshold_text(r),
            f"{r['exception_months']} / {r['months']}か月",
            str(r["exceptions"]),
            ctl.STATE_JA[r["period_state"]],
        ]
        for r in data.summary().to_dicts()
    ]


def _trend_cells(rows: list[dict], code: str) -> list[list[str]]:
    return [
        [
            f"{r['period_month']:%Y-%m}",
            str(r["items_judged"]),
            str(r["items_exception"]),
            ctl.measure_text(r["measure_value"], code),
            ctl.STATE_JA.get(r["state"], r["state"]),
        ]
        for r in rows
    ]


def render_html(data: ctl.ControlData, start: dt.date, end: dt.date, made_at: dt.datetime) -> str:
    parts = [
        "<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'>",
        "<title>特定個人情報保護評価 自己点検報告書</title>",
        "<style>body{font-family:'Noto Sans CJK JP',sans-serif;margin:2em;font-size:11pt}"
        "table{border-collapse:collapse;margin:0.5em 0 1em}th,td{border:1px solid #888;"
        "padding:2px 6px;text-align:left;vertical-align:top}th{background:#eee}"
        ".exception{color:#c0392b;font-weight:bold}.ok{color:#2e7d32}"
        "section.control{page-break-inside:avoid;margin-top:1.5em}</style></head><body>",
        "<h1>特定個人情報保護評価 自己点検報告書</h1>",
        "<p>事務: 国民年金に関する事務</p>",
        f"<p>対象期間: {html.escape(str(start))} 〜 {html.escape(str(end))}"
        f"（点検は月単位: {_months(start, end)}）</p>",
        f"<p>作成日時: {made_at:%Y-%m-%d %H:%M}</p>",
        "<h2>総括</h2>",
        _table(SUMMARY_HEAD, _summary_rows(data), "summary"),
    ]
    for c in data.summary().to_dicts():
        code = c["control_code"]
        rows = _trend_rows(data, code)
        exc = _exceptions(data, code)
        state = c["period_state"]
        parts += [
            f"<section class='control' id='{html.escape(code)}' data-control='{html.escape(code)}'>",
            f"<h2>{html.escape(c['control_name_ja'])}（{html.escape(c['pia_section'])}）</h2>",
            f"<p>結果: <span class='{state}'>{ctl.STATE_JA[state]}</span>"
            f" ／ 測定: {html.escape(c['measure_ja'])} ／ 基準: {html.escape(ctl.threshold_text(c))}</p>",
            f"<p class='how'>判定方法: {html.escape(c['method_ja'])}</p>",
            "<h3>推移</h3>",
            _svg_trend(rows, code),
            _table(TREND_HEAD, _trend_cells(rows, code), "trend"),
            f"<h3>例外と証跡（{exc.height}件）</h3>",
        ]
        if exc.height:
            shown = exc.head(MAX_EVIDENCE_ROWS)
            parts.append(
                _table(EVIDENCE_HEAD, [_evidence_cells(r) for r in shown.to_dicts()], "evidence")
            )
            if exc.height > shown.height:
                parts.append(
                    f"<p>ほか {exc.height - shown.height} 件は公開マートの fct_control_evidence に"
                    "あります。</p>"
                )
        else:
            parts.append("<p>例外はありません。</p>")
        parts.append("</section>")
    parts.append(
        "<p class='note'>個人は記載していません（職員ID・ログID・記録ID・件数のみ）。"
        "ログの対象者は点検担当がアクセス点検の仮名で確認できます。</p></body></html>"
    )
    return "\n".join(parts)


# ------------------------------------------------------------------------------------ PDF


def render_pdf(
    data: ctl.ControlData, start: dt.date, end: dt.date, made_at: dt.datetime, path: Path
) -> None:
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
    h1 = ParagraphStyle("h1", parent=base, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=12, leading=17, spaceBefore=10, spaceAfter=4)
    h3 = ParagraphStyle("h3", parent=base, fontSize=10, leading=14, spaceBefore=6, spaceAfter=2)
    red = colors.HexColor("#c0392b")
    green = colors.HexColor("#2e7d32")
    page_w = landscape(A4)[0] - 30 * mm

    def p(text: str, style=base) -> Paragraph:
        return Paragraph(html.escape(text), style)

    def table(head: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        t = Table(
            [[p(h, small) for h in head]] + [[p(c, small) for c in r] for r in rows],
            colWidths=[w * page_w for w in widths],
            repeatRows=1,
            hAlign="LEFT",
        )
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    def trend_chart(rows: list[dict], code: str) -> Drawing:
        d = Drawing(page_w, 80)
        if not rows:
            return d
        values = [r["measure_value"] or 0.0 for r in rows]
        top = max([*values, rows[0]["threshold_value"] or 0.0, 1e-9])
        d.add(Line(0, 18, min(page_w, 70 * len(rows) + 10), 18, strokeColor=colors.grey))
        width = min(page_w, 70 * len(rows) + 10)
        ty = 18 + 45 * (rows[0]["threshold_value"] or 0.0) / top
        d.add(
            Line(0, ty, width, ty, strokeColor=colors.HexColor("#1f4e9a"), strokeDashArray=[3, 2])
        )
        d.add(String(width + 4, ty - 2, "基準", fontName=FONT, fontSize=7))
        for i, (r, v) in enumerate(zip(rows, values, strict=True)):
            x, bh = 10 + 70 * i, 45 * v / top
            d.add(Rect(x, 18, 40, bh, fillColor=red if r["state"] == "exception" else green))
            label = ctl.measure_text(r["measure_value"], code)
            d.add(String(x + 20, 22 + bh, label, fontName=FONT, fontSize=7, textAnchor="middle"))
            d.add(
                String(
                    x + 20,
                    6,
                    f"{r['period_month']:%Y-%m}",
                    fontName=FONT,
                    fontSize=7,
                    textAnchor="middle",
                )
            )
        return d

    story: list = [
        p("特定個人情報保護評価 自己点検報告書", h1),
        p("事務: 国民年金に関する事務"),
        p(f"対象期間: {start} 〜 {end}（点検は月単位: {_months(start, end)}）"),
        p(f"作成日時: {made_at:%Y-%m-%d %H:%M}"),
        p("総括", h2),
        table(SUMMARY_HEAD, _summary_rows(data), [0.30, 0.12, 0.16, 0.14, 0.10, 0.10]),
    ]
    for c in data.summary().to_dicts():
        code = c["control_code"]
        rows = _trend_rows(data, code)
        exc = _exceptions(data, code)
        state = c["period_state"]
        head = [
            p(f"{c['control_name_ja']}（{c['pia_section']}）", h2),
            Paragraph(
                f"結果: <font color='{'#c0392b' if state == 'exception' else '#2e7d32'}'>"
                f"{ctl.STATE_JA[state]}</font> ／ 測定: {html.escape(c['measure_ja'])} ／ "
                f"基準: {html.escape(ctl.threshold_text(c))}",
                base,
            ),
            p(f"判定方法: {c['method_ja']}", small),
            p("推移", h3),
            trend_chart(rows, code),
            table(TREND_HEAD, _trend_cells(rows, code), [0.14, 0.14, 0.14, 0.14, 0.14]),
        ]
        story.append(KeepTogether(head))
        story.append(p(f"例外と証跡（{exc.height}件）", h3))
        if exc.height:
            shown = exc.head(MAX_EVIDENCE_ROWS)
            story.append(
                table(
                    EVIDENCE_HEAD,
                    [_evidence_cells(r) for r in shown.to_dicts()],
                    [0.10, 0.16, 0.08, 0.22, 0.44],
                )
            )
            if exc.height > shown.height:
                story.append(
                    p(
                        f"ほか {exc.height - shown.height} 件は公開マートの "
                        "fct_control_evidence にあります。",
                        small,
                    )
                )
        else:
            story.append(p("例外はありません。"))
        story.append(Spacer(1, 4 * mm))
    story.append(
        p(
            "個人は記載していません（職員ID・ログID・記録ID・件数のみ）。"
            "ログの対象者は点検担当がアクセス点検の仮名で確認できます。",
            small,
        )
    )

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(
            landscape(A4)[0] - 15 * mm,
            8 * mm,
            f"自己点検報告書 {start} 〜 {end}  {doc.page} ページ",
        )
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title="特定個人情報保護評価 自己点検報告書",
        author="nenkin-audit",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def main(home: Home, date_from: str, date_to: str, out: Path) -> int:
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if end < start:
        raise UserError(f"--to {end} is before --from {start}")
    data = load_period(home, start, end)
    html_path, pdf_path = output_paths(out)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    made_at = dt.datetime.now().replace(microsecond=0)
    html_path.write_text(render_html(data, start, end, made_at), encoding="utf-8")
    render_pdf(data, start, end, made_at, pdf_path)
    summary = data.summary()
    exceptions = summary.filter(pl.col("period_state") == "exception").height
    print(f"report: {summary.height} controls, {exceptions} with exceptions in {start} .. {end}")
    print(f"written: {html_path}")
    print(f"written: {pdf_path}")
    return 0
