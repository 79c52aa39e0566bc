"""Export formats for django-import-export that are safe to open in a spreadsheet.

settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT turns escaping on for every export;
import-export's own escaping only drops a leading "=" and turns every cell into text.
These formats instead put an apostrophe before any text cell that a spreadsheet would
run as a formula (= + - @ tab CR, as OWASP lists them) and leave numbers and dates be.
settings.IMPORT_EXPORT_FORMATS lists them in import-export's own order, so the admin
offers the same choices."""

from import_export.formats import base_formats

# Spreadsheet programs run cells starting with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class FormulaSafe:
    def _escape_formulae(self, dataset):
        for _row in range(dataset.height):
            dataset.append([neutralize_formula(cell) for cell in dataset.lpop()])


class DataOnly:
    """Formats no spreadsheet runs: the data is written as it is."""

    def _escape_formulae(self, dataset):
        pass


class CSV(FormulaSafe, base_formats.CSV):
    pass


class XLS(FormulaSafe, base_formats.XLS):
    pass


class XLSX(FormulaSafe, base_formats.XLSX):
    pass


class TSV(FormulaSafe, base_formats.TSV):
    pass


class ODS(FormulaSafe, base_formats.ODS):
    pass


class JSON(DataOnly, base_formats.JSON):
    pass


class YAML(DataOnly, base_formats.YAML):
    pass


class HTML(DataOnly, base_formats.HTML):
    pass


FORMATS = [fmt for fmt in (CSV, XLS, XLSX, TSV, ODS, JSON, YAML, HTML) if fmt.is_available()]
