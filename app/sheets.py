"""Reading a spreadsheet a user picked: .xlsx or .csv, rows as tuples with their line numbers.

Shared by every import (the archive, the call and letter registers, the holiday notice). What
the rows mean is each importer's business; here only opening, decoding and clear messages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

# The sheet of help our templates carry beside the data; never read as rows.
INSTRUCTIONS_SHEET = "填写说明"


class ImportFormatError(Exception):
    """The file cannot be imported at all; str(e) is the Chinese message for the user."""


def read_xlsx(path: Path, skip: tuple[str, ...] = (INSTRUCTIONS_SHEET,)
              ) -> Iterator[tuple[str, Iterator[tuple[int, tuple]]]]:
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as e:
        raise ImportFormatError(
            f"无法打开“{path.name}”：文件已损坏、被加密或不是 Excel 工作簿（{e}）。"
        ) from None
    try:
        for ws in wb.worksheets:
            if ws.title in skip:
                continue
            # Some programs write a wrong size into the file; read what is really there.
            ws.reset_dimensions()
            yield ws.title, (
                (number, tuple(row))
                for number, row in enumerate(ws.iter_rows(values_only=True), start=1)
            )
    finally:
        wb.close()


def decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFormatError(
            f"无法识别“{name}”的文字编码：请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入。"
        ) from None


def read_csv(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, tuple]]]]:
    text = decode(path.read_bytes(), path.name)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:8192], delimiters=",\t;"
        )
    except csv.Error:
        dialect = csv.excel
    # csv refuses a field over 128 KiB and would abort the whole file: read it, and let the
    # importer reject that one row (MAX_CELL_CHARS)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    yield path.stem, ((reader.line_num, tuple(row)) for row in reader)


def read_sheets(path: Path, skip: tuple[str, ...] = (INSTRUCTIONS_SHEET,)
                ) -> Iterator[tuple[str, Iterator[tuple[int, tuple]]]]:
    """Each sheet's name and its (line number, row) pairs; a clear error for a file we cannot
    read (missing, old .xls, another type)."""
    if not path.is_file():
        raise ImportFormatError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, skip)
    if suffix in (".csv", ".txt"):
        return read_csv(path)
    if suffix in (".xls", ".et", ".wps"):
        raise ImportFormatError(
            f"“{path.name}”是旧版 Excel 格式，无法直接导入：请在 Excel 或 WPS 中"
            "“另存为” .xlsx 后再导入。"
        )
    raise ImportFormatError(
        f"不支持的文件类型“{path.suffix or path.name}”：请选择 .xlsx 或 .csv 文件。"
    )
