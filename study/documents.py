"""Word documents of study work, built from what the selectors return (the views only return
the file)."""

from __future__ import annotations

from io import BytesIO

from docx import Document


def bulletin_docx(bulletin, data) -> bytes:
    """The monthly points bulletin: the office average, who fell short, and the rankings of
    people and of sections (``data``: the bulletin's figures from the selectors)."""
    document = Document()
    document.add_heading(str(bulletin), level=1)
    below = "、".join(str(row.person) for row in data.below) or "无"
    document.add_paragraph(
        f"{bulletin.month:%Y年%m月}，全办 {len(data.people)} 人人均积分 {data.average} 分。"
        f"未达到积分要求的有：{below}。"
    )
    if bulletin.note:
        document.add_paragraph(bulletin.note)
    document.add_heading("一、个人积分排名", level=2)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["名次", "姓名", "股室", "积分", "是否达标"], strict=True):
        cell.text = text
    for row in data.people:
        cells = table.add_row().cells
        values = [
            row.rank,
            row.person,
            row.person.section or "",
            row.points,
            "否" if row.below_threshold else "是",
        ]
        for cell, value in zip(cells, values, strict=True):
            cell.text = str(value)
    document.add_heading("二、股室人均积分排名", level=2)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["名次", "股室", "人数", "人均积分"], strict=True):
        cell.text = text
    for row in data.sections:
        for cell, value in zip(
            table.add_row().cells, [row.rank, row.section or "", row.people, row.average], strict=True
        ):
            cell.text = str(value)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
