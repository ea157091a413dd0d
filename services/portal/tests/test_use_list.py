"""The coordinator's list of uses as the §9.2 form: what usage's report import reads back, in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kaiku_contracts.enums import Channel
from kaiku_contracts.http.stats import RegionUse
from kaiku_portal.domain.use_list import REPORT_COLUMNS, as_csv, as_xlsx, performance_day, report_rows
from kaiku_portal.i18n import LANGS, translate
from kaiku_runtime.tabular import read_table
from kaiku_usage.domain.venue_report import ReportLine, SkippedRow, canonical_column, parse_line

pytestmark = pytest.mark.unit


def use(rid: str, code: str, adults: int, children: int, when: datetime | None) -> RegionUse:
    return RegionUse(
        redemption_id=rid,
        card_code=code,
        venue_id="V1",
        performance_id="P1",
        performance_name="En magisk sommarnatt",
        starts_at=when,
        adult_tickets=adults,
        child_tickets=children,
        channel=Channel.BOX_OFFICE,
    )


USES = [
    use("u1", "10141", 1, 2, datetime(2020, 2, 9, 16, tzinfo=UTC)),
    use("u2", "10142", 0, 1, datetime(2020, 2, 9, 22, 30, tzinfo=UTC)),  # 00:30 on the 10th in Helsinki
]


def test_the_day_is_the_performances_day_in_helsinki_as_the_form_writes_it():
    assert [performance_day(u) for u in USES] == ["9.2.2020", "10.2.2020"]
    assert performance_day(use("u3", "1", 1, 0, None)) == ""


@pytest.mark.parametrize("lang", LANGS)
def test_each_languages_headers_are_the_columns_usages_import_reads(lang: str):
    headers = [translate(lang, f"uses.column.{column}") for column in REPORT_COLUMNS]
    read = [canonical_column(header) for header in headers]
    assert read == ["card_code", "adult_tickets", "child_tickets", "performance", "date", None]  # the venue: ignored


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exported_file_goes_back_through_the_report_import_as_it_is(lang: str, fmt: str):
    rows = report_rows(USES, {"V1": "Kaupunginteatteri"}, lambda key: translate(lang, key))
    assert rows[-1][1:3] == [1, 3]  # the total row sums the tickets
    data = as_csv(rows) if fmt == "csv" else as_xlsx(rows, translate(lang, "uses.sheet"))
    parsed = [parse_line(row.number, row.values) for row in read_table(data)]
    lines = [p for p in parsed if isinstance(p, ReportLine)]
    assert [
        (p.card_code, p.adult_tickets, p.child_tickets, p.performance_name, p.performed_on.isoformat()) for p in lines
    ] == [
        ("10141", 1, 2, "En magisk sommarnatt", "2020-02-09"),
        ("10142", 0, 1, "En magisk sommarnatt", "2020-02-10"),
    ]
    assert isinstance(parsed[-1], SkippedRow)  # the total row is recognised, not taken for a card
