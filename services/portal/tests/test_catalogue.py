"""The gettext catalogues are complete in every language (locales/<lang>/LC_MESSAGES/portal.po)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import write_po
from kaiku_contracts.enums import RejectionReason
from kaiku_portal import i18n
from kaiku_portal.domain.languages import MOTHER_TONGUES
from kaiku_portal.entrypoints.http.web import templates

pytestmark = pytest.mark.unit
PACKAGE = Path(i18n.__file__).parent
SCRIPT = PACKAGE.parents[1] / "translations.py"


def test_finnish_swedish_and_english_are_offered_finnish_first():
    assert i18n.LANGS[:3] == ("fi", "sv", "en")
    assert i18n.LANGUAGES[:3] == (("fi", "Suomeksi"), ("sv", "På svenska"), ("en", "In English"))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str):
    catalogue = i18n.read_catalogue(i18n.catalogue_path(lang), lang)
    assert i18n.catalogue_problems(i18n.read_template(), catalogue) == []


def test_a_missing_untranslated_fuzzy_or_inconsistent_message_is_caught(tmp_path: Path):
    catalogue = i18n.read_catalogue(i18n.catalogue_path("sv"), "sv")
    catalogue.delete("nav.home")
    edits = {
        "nav.sign_out": "",
        "nav.grant": "Bevilja kort",  # marked fuzzy below
        "cards.list_caption": ("{count} kort", ""),
        "box.valid": "Kortet {kod} är giltigt till {until}.",
    }
    for key, text in edits.items():
        message = catalogue.get(key)
        assert message is not None
        message.string = text
    fuzzy = catalogue.get("nav.grant")
    assert fuzzy is not None
    fuzzy.flags.add("fuzzy")
    path = i18n.catalogue_path("sv", tmp_path)
    path.parent.mkdir(parents=True)
    with path.open("wb") as out:
        write_po(out, catalogue)
    problems = i18n.catalogue_problems(i18n.read_template(), i18n.read_catalogue(path, "sv"))
    assert sorted(problems) == [
        "box.valid: placeholders ['kod', 'until'], expected ['code', 'until']",
        "cards.list_caption: untranslated",
        "nav.grant: fuzzy",
        "nav.home: missing",
        "nav.sign_out: untranslated",
    ]


@pytest.mark.parametrize(
    ("lang", "one", "two", "many"),
    [
        ("fi", "1 kortti", "2 korttia", "1\u00a0234 korttia"),
        ("sv", "1 kort", "2 kort", "1\u00a0234 kort"),
        ("en", "1 card", "2 cards", "1\u00a0234 cards"),
    ],
)
def test_a_count_takes_the_languages_plural_form(lang: str, one: str, two: str, many: str):
    assert [i18n.translate(lang, "cards.list_caption", count=n) for n in (1, 2, 1234)] == [one, two, many]


def test_an_upload_summary_counts_its_rows():
    summary = i18n.translate("fi", "upload.summary", count=1, accepted=1, rejected=0, skipped=0)
    assert summary == "1 rivi käsitelty: 1 kirjattu, 0 hylätty, 0 ohitettu."
    summary = i18n.translate("en", "upload.summary", count=3, accepted=1, rejected=1, skipped=1)
    assert summary == "3 rows processed: 1 recorded, 1 refused, 1 skipped."


def test_templates_may_use_gettext_and_trans_in_the_pages_language():
    page = templates.from_string(
        "{{ _('nav.home') }}|{{ ngettext('cards.list_caption', 'cards.list_caption', 2) }}"
        "|{% trans count=3 %}{{ count }} thing{% pluralize %}{{ count }} things{% endtrans %}"
    )
    assert page.render(lang="sv") == "Till startsidan|{count} kort|3 things"
    assert page.render(lang="fi").startswith("Etusivulle|{count} korttia|")


def test_the_committed_catalogues_are_what_make_translations_writes():
    done = subprocess.run([sys.executable, str(SCRIPT), "check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_rejection_code_has_plain_words_in_every_language():
    for reason in RejectionReason:
        assert f"reason.{reason.value}" in i18n.message_ids(), reason
        for lang in i18n.LANGS:
            assert reason.value not in i18n.reason_text(lang, reason.value), (reason, lang)
    assert "mystery_code" in i18n.reason_text("sv", "mystery_code")  # unknown codes still say something


def test_every_key_a_template_or_page_uses_is_in_the_catalogue():
    keys = i18n.message_ids()
    prefixes = {key.split(".", 1)[0] for key in keys}
    used: set[str] = set()
    for template in (PACKAGE / "templates").glob("*.html"):
        used |= set(re.findall(r"t\('([a-z_]+\.[a-z_.]+)'", template.read_text()))
    for module in PACKAGE.rglob("*.py"):
        literals = re.findall(r"\"([a-z_]+\.[a-z_.]+)\"", module.read_text())
        used |= {key for key in literals if key.split(".", 1)[0] in prefixes and not key.endswith((".", ".html"))}
    assert len(used) > 200
    assert sorted(key for key in used if key not in keys and not key.endswith(".")) == []


def test_every_offered_value_has_a_name_in_every_language():
    from kaiku_contracts.enums import Gender, LifeSituation, RevocationReason, VenueCategory
    from kaiku_contracts.limits import PerformanceKind

    keys = (
        [f"tongue.{c}" for c in MOTHER_TONGUES]
        + [f"gender.{g.value}" for g in Gender]
        + [f"life.{s.value}" for s in LifeSituation]
        + [f"revocation.{r.value}" for r in RevocationReason]
        + [f"category.{c.value}" for c in VenueCategory]
        + [f"kind.{k.value}" for k in PerformanceKind]
    )
    assert [k for k in keys if k not in i18n.message_ids()] == []
