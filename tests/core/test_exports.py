import io

import tablib
from import_export.formats import base_formats
from openpyxl import load_workbook

from core import exports

DANGEROUS = ['=HYPERLINK("http://evil")', "+1 call me", "-2+3", "@SUM(A1)", "\tx", "\ry"]


def dataset():
    data = tablib.Dataset(headers=["text", "number"])
    for value in DANGEROUS:
        data.append([value, -5])
    data.append(["plain", 7])
    return data


def test_csv_cells_that_would_run_as_formulas_get_an_apostrophe():
    text = exports.CSV().export_data(dataset())
    rows = list(tablib.Dataset().load(text, format="csv"))
    assert [row[0] for row in rows] == [*("'" + value for value in DANGEROUS), "plain"]


def test_xlsx_cells_are_text_with_an_apostrophe_and_numbers_stay_numbers():
    content = exports.XLSX().export_data(dataset())
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    # XML keeps no lone CR: "\ry" comes back as "\ny", still behind the apostrophe.
    assert [row[0][:1] for row in rows] == ["'"] * len(DANGEROUS) + ["p"]
    assert all(row[1] in (-5, 7) for row in rows)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_json_is_written_as_it_is():
    assert '"=HYPERLINK' in exports.JSON().export_data(dataset()).replace('\\"', '"')


def test_the_admin_offers_the_escaping_formats(settings):
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is True
    assert settings.IMPORT_EXPORT_FORMATS == exports.FORMATS
    # The same choices, in the same order, as import-export offers by itself.
    titles = [fmt().get_title() for fmt in exports.FORMATS]
    assert titles == [fmt().get_title() for fmt in base_formats.DEFAULT_FORMATS]
