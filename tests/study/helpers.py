import io

from openpyxl import Workbook

STUDY_HEADERS = ["日期", "类型", "主题", "组织股室", "第一议题会议", "主持人", "标签", "出席人员", "缺席人员"]


def xlsx_bytes(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
