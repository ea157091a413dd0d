"""The message catalogue is complete in Finnish, Swedish and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kaiku_contracts.enums import RejectionReason
from kaiku_portal import i18n
from kaiku_portal.domain.languages import MOTHER_TONGUES

pytestmark = pytest.mark.unit
PACKAGE = Path(i18n.__file__).parent


def test_every_entry_has_three_non_empty_texts_with_the_same_placeholders():
    for key, texts in i18n.M.items():
        assert len(texts) == 3, key
        assert all(t.strip() for t in texts), key
        placeholders = [sorted(re.findall(r"\{(\w+)\}", t)) for t in texts]
        assert placeholders[0] == placeholders[1] == placeholders[2], key


def test_every_rejection_code_has_plain_words_in_every_language():
    for reason in RejectionReason:
        for lang in i18n.LANGS:
            text = i18n.reason_text(lang, reason.value)
            assert f"reason.{reason.value}" in i18n.M, reason
            assert reason.value not in text, (reason, lang)
    assert "mystery_code" in i18n.reason_text("sv", "mystery_code")  # unknown codes still say something


def test_every_key_a_template_or_page_uses_is_in_the_catalogue():
    prefixes = {key.split(".", 1)[0] for key in i18n.M}
    used: set[str] = set()
    for template in (PACKAGE / "templates").glob("*.html"):
        used |= set(re.findall(r"t\('([a-z_]+\.[a-z_.]+)'", template.read_text()))
    for module in PACKAGE.rglob("*.py"):
        literals = re.findall(r"\"([a-z_]+\.[a-z_.]+)\"", module.read_text())
        used |= {key for key in literals if key.split(".", 1)[0] in prefixes and not key.endswith((".", ".html"))}
    assert len(used) > 200
    assert sorted(key for key in used if key not in i18n.M and not key.endswith(".")) == []


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
    assert [k for k in keys if k not in i18n.M] == []
