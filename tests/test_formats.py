"""The same small document written as .txt (UTF-8 and GB18030), .docx, .pdf and .html gives the same clause tree,
references and metadata; damaged and scanned files are reported clearly."""

from __future__ import annotations

import html
from pathlib import Path

import docx
import pytest

from rag.corpus.parse import parse_file
from rag.corpus.readers import ParseError, Table, read_file
from rag.schema import DocumentKind

TITLE = "青岚市测试资金管理办法"
HEADER = [
    f"青岚市测试局关于印发《{TITLE}》的通知",
    "青测发〔2026〕3号",
    "各区县测试局，市直各单位：",
    f"现将《{TITLE}》印发给你们，请认真贯彻执行。",
    "青岚市测试局",
    "2026年4月1日",
]
BODY = [
    TITLE,
    "第一章 总则",
    "第一条 为规范测试资金管理，提高资金使用效益，推动测试产业高质量发展，根据有关规定，结合本市实际，制定本办法。",
    "第二条 测试资金的管理和使用遵循以下原则：",
    "（一）公开透明，公平公正；",
    "（二）突出重点，注重绩效。",
    "第二章 支持方向和标准",
    "第三条 支持技术改造。对完成设备购置额500万元以上的技术改造项目，按照设备购置额的10%给予补助，"
    "单个项目最高不超过500万元；对新认定的省级以上智能工厂，给予一次性奖励100万元。",
    "本条所称设备购置额，是指项目购置生产设备、检测设备和工业软件的不含税发票金额，不含土建和安装费用。",
    None,  # the table
    "第四条 本办法自2026年5月1日起施行，有效期5年。",
]
ROWS = [("序号", "支持方向", "支持标准"), ("1", "技术改造", "最高500万元"), ("2", "智能工厂", "奖励100万元")]


def _lines() -> list[str | None]:
    return HEADER + BODY


def write_txt(path: Path, encoding: str = "utf-8") -> Path:
    lines = [line if line is not None else "\n".join("｜".join(row) for row in ROWS) for line in _lines()]
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def write_docx(path: Path) -> Path:
    document = docx.Document()
    for line in _lines():
        if line is None:
            table = document.add_table(rows=len(ROWS), cols=len(ROWS[0]))
            for r, row in enumerate(ROWS):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(line)
    document.save(str(path))
    return path


def write_html(path: Path) -> Path:
    parts = ["<html><head><meta charset='utf-8'><title>测试局网站</title></head><body>",
             "<div class='nav'><a href='/'>首页</a> <a href='/zwgk/'>政务公开</a></div>",
             "<div class='breadcrumb'>当前位置：首页 &gt; 政策文件</div>",
             "<div class='article'>", f"<h1>{html.escape(HEADER[0])}</h1>", "<div class='content'>"]
    for line in HEADER[1:] + BODY:
        if line is None:
            cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in ROWS)
            parts.append(f"<table border='1'>{cells}</table>")
        else:
            parts.append(f"<p>{html.escape(line)}</p>")
    parts += ["</div></div>", "<div class='footer'><p>主办：青岚市测试局　网站标识码：0000</p></div></body></html>"]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def write_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=9, leading=13, wordWrap="CJK", firstLineIndent=18)

    def running(canvas, doc):  # a running header and a page number on every page
        canvas.setFont("STSong-Light", 7)
        canvas.drawString(20, A6[1] - 16, "青岚市测试局文件")
        canvas.drawCentredString(A6[0] / 2, 10, f"— {doc.page} —")

    story = []
    for line in _lines():
        if line is None:
            story.append(PdfTable(ROWS, style=TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                                                          ("FONTSIZE", (0, 0), (-1, -1), 8),
                                                          ("GRID", (0, 0), (-1, -1), 0.5, "black")])))
        else:
            story.append(Paragraph(html.escape(line), body))
    SimpleDocTemplate(str(path), pagesize=A6, leftMargin=24, rightMargin=24, topMargin=28, bottomMargin=24).build(
        story, onFirstPage=running, onLaterPages=running)
    return path


WRITERS = {"txt": write_txt, "gb18030.txt": lambda p: write_txt(p, "gb18030"), "docx": write_docx,
           "html": write_html, "pdf": write_pdf}


def _tree(document):
    return [(c.ref, c.kind, c.level, c.parent, c.heading, c.title_path, c.text) for c in document.clauses]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    return {name: parse_file(writer(folder / f"test.{name}")) for name, writer in WRITERS.items()}


def test_every_format_gives_the_same_clause_tree(documents):
    reference = _tree(documents["txt"])
    assert [row[0] for row in reference] == ["通知", "第一章", "第一条", "第二条", "第二条（一）", "第二条（二）",
                                             "第二章", "第三条", "第四条"]
    for name, document in documents.items():
        assert _tree(document) == reference, name


def test_every_format_gives_the_same_metadata(documents):
    for name, document in documents.items():
        meta = document.meta
        assert (meta.title, meta.issuer, meta.doc_number, meta.date, meta.effective, meta.kind) == (
            TITLE, "青岚市测试局", "青测发〔2026〕3号", "2026年4月1日", "2026年5月1日", DocumentKind.REGULATION), name
        assert meta.recipients == "各区县测试局，市直各单位", name


def test_table_rows_and_the_article_paragraphs_stay_in_their_article(documents):
    text = documents["pdf"].clause("第三条").text.split("\n")
    assert text[1].startswith("本条所称设备购置额") and text[2:] == ["｜".join(row) for row in ROWS]


def test_pdf_running_header_and_page_numbers_are_removed_and_lines_joined(tmp_path):
    extract = read_file(write_pdf(tmp_path / "a.pdf"))
    lines = [b for b in extract.blocks if isinstance(b, str)]
    assert not any("测试局文件" in line or line.startswith("—") for line in lines)
    assert BODY[7] in lines  # a paragraph wrapped over several lines comes back whole, without spaces
    assert any(isinstance(b, Table) and b.rows == tuple(ROWS) for b in extract.blocks)


def test_docx_automatic_numbering_is_written_out(tmp_path):
    document = docx.Document()
    document.add_paragraph(TITLE)
    for item in ("申报条件", "申报材料"):
        document.add_paragraph(item, style="List Number")
    document.save(str(tmp_path / "n.docx"))
    assert read_file(tmp_path / "n.docx").blocks == (TITLE, "1.申报条件", "2.申报材料")


def test_html_keeps_the_article_and_reads_the_information_table(tmp_path):
    page = ("<html><body><div class='header'>网站首页</div><table class='xxgk'><tr><td>文　　号：</td>"
            "<td>青测发〔2026〕3号</td><td>发布日期：</td><td>2026-04-03</td></tr></table>"
            f"<div class='article'><h1>{TITLE}</h1><div><p>第一条 为规范管理，制定本办法。</p><p>第二条 本办法自印发之日起施行。</p>"
            "</div></div><div class='footer'>版权所有</div></body></html>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    extract = read_file(tmp_path / "p.html")
    assert extract.blocks == (TITLE, "第一条 为规范管理，制定本办法。", "第二条 本办法自印发之日起施行。")
    assert ("发布日期", "2026-04-03") in extract.facts and ("文号", "青测发〔2026〕3号") in extract.facts
    assert parse_file(tmp_path / "p.html").meta.published == "2026-04-03"


def test_a_scanned_pdf_is_reported_clearly(tmp_path):
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    pdf.rect(50, 50, 200, 300, fill=1)  # an image-like page: no text layer
    pdf.showPage()
    pdf.save()
    with pytest.raises(ParseError, match="没有文字层"):
        read_file(tmp_path / "scan.pdf")


@pytest.mark.parametrize("name, content, message", [
    ("bad.docx", b"not a zip", "不是有效的 Word"),
    ("bad.pdf", b"%PDF-1.4 garbage", "PDF"),
    ("notes.xlsx", b"x", "不支持的文件格式"),
])
def test_damaged_or_unsupported_files_get_a_chinese_message(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ParseError, match=message):
        read_file(tmp_path / name)
