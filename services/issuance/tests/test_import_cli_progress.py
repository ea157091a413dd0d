"""`kaiku issuance import-cards` off a terminal: plain progress lines with the counts, no escape codes.

The issuance service is stood in for by httpx's MockTransport (the real one: test_paper_import.py).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from kaiku_issuance.entrypoints import cli
from typer.testing import CliRunner

pytestmark = pytest.mark.unit
HEADER = "card_code,issued_on,birth_year,mother_tongue,gender,postal_code,life_situation"


def answer(request: httpx.Request) -> httpx.Response:
    """Accept every row except those whose postal code is not five digits."""
    body = request.read().decode()
    text = body[body.index("card_code,") : body.rindex("\r\n--")]
    rows = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        ok = row["postal_code"].isdigit()
        rows.append(
            {
                "row": number,
                "card_code": row["card_code"],
                "status": "accepted" if ok else "rejected",
                "reason": None if ok else "invalid_field",
                "detail": None if ok else "postal_code: five digits",
            }
        )
    return httpx.Response(200, json={"rows": rows})


def test_import_reports_rows_line_by_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_client = httpx.Client

    def client(**options: Any) -> httpx.Client:
        return real_client(transport=httpx.MockTransport(answer), **options)

    monkeypatch.setattr(httpx, "Client", client)
    lines = [HEADER] + [f"C{n},1.2.2026,1980,fi,female,00100,unemployed" for n in range(25)]
    lines[4] = "C3,1.2.2026,1980,fi,female,ABCDE,unemployed"
    path = tmp_path / "forms.csv"
    path.write_text("\n".join(lines) + "\n")
    done = CliRunner().invoke(
        cli.app, ["import-cards", str(path), "--chunk-rows", "10"], env={"KAIKU_TOKEN": "a-token"}
    )
    assert done.exit_code == 1, done.output  # a row was rejected
    assert not re.search(r"\x1b\[", done.output)
    progress = [line.split() for line in done.output.splitlines() if "/25 rows" in line]
    assert [words[0] for words in progress] == ["10/25", "20/25", "25/25"]
    assert "24 accepted" in " ".join(progress[-1])
    assert "1 rejected" in " ".join(progress[-1])
    assert "row 5: C3: invalid_field" in done.output
    assert "24 accepted, 0 already recorded, 1 rejected" in done.output


def test_import_without_a_token_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAIKU_TOKEN", raising=False)
    path = tmp_path / "forms.csv"
    path.write_text(HEADER + "\n")
    done = CliRunner().invoke(cli.app, ["import-cards", str(path)])
    assert done.exit_code == 2
    assert "KAIKU_TOKEN" in done.output
