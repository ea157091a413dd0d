"""The paper transfer form ("blankett för överlåtelse", §4.2) as a spreadsheet: one row per card.

Columns as on the form: card code, issue date, birth year, mother tongue, gender, postal code, life
situation; optionally the card type (a community card, §4.3, has no holder: its holder columns stay
empty) and the holder's children under 18 (seed 000). Headers and values are accepted in English,
Finnish and Swedish, as people type them.
No column may carry anything else: a name, identity code or address column refuses the whole file
before any row is read (§11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kaiku_contracts.cards import MAX_CHILDREN_UNDER_18, HolderProfile
from kaiku_contracts.enums import CardType, Gender, LifeSituation
from kaiku_contracts.envelope import CardCode
from kaiku_runtime.tabular import normalise_header, parse_date
from pydantic import TypeAdapter, ValidationError

from kaiku_issuance.domain.cards import CardGrant
from kaiku_issuance.domain.refusals import Refusal

COLUMNS = ("card_code", "issued_on", "birth_year", "mother_tongue", "gender", "postal_code", "life_situation")
"""The form's columns, in the order the form (and the import template) lists them."""

OPTIONAL_COLUMNS = ("card_type", "children_under_18")
"""Columns a file may have: the card type (empty = personal; a community card's holder columns stay empty,
§4.3) and the number of the holder's own children and grandchildren under 18 written on the card (seed
000; empty = not recorded)."""

_HEADER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "card_code": (
        "code",
        "card",
        "card code",
        "card number",
        "kortin koodi",
        "kortin numero",
        "koodi",
        "kortti",
        "kortets kod",
        "kod",
        "kortnummer",
        "kortets nummer",
    ),
    "issued_on": (
        "issue date",
        "issued",
        "date",
        "date issued",
        "myöntämispäivä",
        "myöntöpäivä",
        "luovutuspäivä",
        "päivämäärä",
        "pvm",
        "datum",
        "beviljad",
        "beviljningsdatum",
        "överlåtelsedatum",
    ),
    "birth_year": ("year of birth", "syntymävuosi", "födelseår", "födelse år"),
    "mother_tongue": ("language", "mother tongue", "äidinkieli", "kieli", "modersmål", "språk"),
    "gender": ("sex", "sukupuoli", "kön"),
    "postal_code": ("postcode", "post code", "zip", "postinumero", "postnro", "postnummer"),
    "life_situation": ("situation", "life situation", "elämäntilanne", "livssituation"),
    "card_type": ("type", "card type", "kortin tyyppi", "korttityyppi", "tyyppi", "korttyp", "typ"),
    "children_under_18": (
        "children",
        "children under 18",
        "lapset",
        "alle 18-vuotiaat lapset",
        "lapsia",
        "barn",
        "barn under 18",
    ),
}
HEADER_ALIASES: dict[str, str] = {
    normalise_header(spelling): column for column, spellings in _HEADER_SPELLINGS.items() for spelling in spellings
}

_GENDER_WORDS: dict[str, Gender] = {
    "nainen": Gender.FEMALE,
    "n": Gender.FEMALE,
    "f": Gender.FEMALE,
    "kvinna": Gender.FEMALE,
    "mies": Gender.MALE,
    "m": Gender.MALE,
    "man": Gender.MALE,
    "muu": Gender.OTHER,
    "annat": Gender.OTHER,
    "annan": Gender.OTHER,
    "ei halua kertoa": Gender.NOT_DISCLOSED,
    "ei kerro": Gender.NOT_DISCLOSED,
    "vill inte uppge": Gender.NOT_DISCLOSED,
    "not disclosed": Gender.NOT_DISCLOSED,
}
_SITUATION_WORDS: dict[str, LifeSituation] = {
    "työtön": LifeSituation.UNEMPLOYED,
    "arbetslös": LifeSituation.UNEMPLOYED,
    "eläkeläinen": LifeSituation.PENSIONER,
    "pensionär": LifeSituation.PENSIONER,
    "opiskelija": LifeSituation.STUDENT,
    "studerande": LifeSituation.STUDENT,
    "studerande/elev": LifeSituation.STUDENT,
    "kuntoutuja": LifeSituation.REHABILITEE,
    "rehabiliteringsklient": LifeSituation.REHABILITEE,
    "yksinhuoltaja": LifeSituation.SINGLE_PARENT,
    "ensamförsörjare": LifeSituation.SINGLE_PARENT,
    "pienituloinen työssäkäyvä": LifeSituation.LOW_INCOME_EMPLOYED,
    "låginkomsttagare i arbete": LifeSituation.LOW_INCOME_EMPLOYED,
    "muu": LifeSituation.OTHER,
    "annat": LifeSituation.OTHER,
    "annan": LifeSituation.OTHER,
    "ei halua kertoa": LifeSituation.NOT_DISCLOSED,
    "ei kerro": LifeSituation.NOT_DISCLOSED,
    "vill inte uppge": LifeSituation.NOT_DISCLOSED,
    "not disclosed": LifeSituation.NOT_DISCLOSED,
}
_LANGUAGE_WORDS: dict[str, str] = {
    "suomi": "fi",
    "finska": "fi",
    "finnish": "fi",
    "ruotsi": "sv",
    "svenska": "sv",
    "swedish": "sv",
    "englanti": "en",
    "engelska": "en",
    "english": "en",
    "venäjä": "ru",
    "ryska": "ru",
    "russian": "ru",
    "viro": "et",
    "estniska": "et",
    "estonian": "et",
    "arabia": "ar",
    "arabiska": "ar",
    "arabic": "ar",
    "somali": "so",
    "somaliska": "so",
    "saame": "se",
    "samiska": "se",
    "pohjoissaame": "se",
    "muu": "other",
    "annat": "other",
    "annan": "other",
}
_CARD_TYPE_WORDS: dict[str, str] = {
    "henkilökohtainen": "personal",
    "henkilökortti": "personal",
    "personlig": "personal",
    "personligt": "personal",
    "yhteisö": "community",
    "yhteisökortti": "community",
    "gemenskap": "community",
    "gemenskapskort": "community",
    "sammanslutning": "community",
}
_CARD_TYPE_VALUES = [t.value for t in CardType]
_GENDERS = {word: gender.value for word, gender in _GENDER_WORDS.items()}
_GENDER_VALUES = [g.value for g in Gender]
_SITUATIONS = {word: situation.value for word, situation in _SITUATION_WORDS.items()}
_SITUATION_VALUES = [s.value for s in LifeSituation]
_CARD_CODE: TypeAdapter[str] = TypeAdapter(CardCode)
_HOLDER_FIELDS = ("birth_year", "mother_tongue", "gender", "postal_code", "life_situation")


@dataclass(frozen=True, slots=True)
class ColumnCheck:
    missing: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def refusal(self) -> Refusal | None:
        if self.unknown:
            return Refusal(
                "file",
                "columns not on the paper form: " + ", ".join(self.unknown) + ". Remove them: only the form's"
                " columns (" + ", ".join(COLUMNS) + ") are read, and names, identity codes, birth dates, addresses"
                " or phone numbers are never recorded (§11)",
            )
        if self.missing:
            return Refusal(
                "file", "missing columns: " + ", ".join(self.missing) + " (the form has " + ", ".join(COLUMNS) + ")"
            )
        return None


def check_columns(headers: list[str]) -> ColumnCheck:
    present = [h for h in headers if h]
    return ColumnCheck(
        missing=tuple(c for c in COLUMNS if c not in present),
        unknown=tuple(h for h in present if h not in COLUMNS and h not in OPTIONAL_COLUMNS),
    )


def _word(value: str) -> str:
    return " ".join(value.strip().lower().replace("_", " ").split())


def _enum_value(text: str, words: dict[str, str], allowed: list[str]) -> str | None:
    key = _word(text)
    if key.replace(" ", "_") in allowed:
        return key.replace(" ", "_")
    return words.get(key)


def _postal_code(text: str) -> str:
    # Five digits exactly (INTERFACE.md, §4.2): a shorter one is refused, never padded. `3310` may be 33100 with
    # a digit lost as well as 03310, and a padded guess would be recorded as the holder's home area.
    return text.strip()


def _code_and_date(values: dict[str, str], problems: list[Refusal]) -> tuple[str, date | None]:
    """The card code and the issue date of a row; what is wrong with them goes to `problems`."""
    card_code = ""
    try:
        card_code = _CARD_CODE.validate_python(values["card_code"])
    except ValidationError:
        problems.append(Refusal("card_code", "1–20 characters: letters A–Z, digits or '-'"))
    issued_on: date | None = None
    try:
        issued_on = parse_date(values["issued_on"])
    except ValueError:
        problems.append(Refusal("issued_on", "not a date; write it as 3.2.2026 or 2026-02-03"))
    return card_code, issued_on


def parse_row(values: dict[str, str], *, distributor_id: str, branch_id: str | None) -> CardGrant | list[Refusal]:
    """One row of the form as a grant, or everything wrong with it (fields named, values never echoed)."""
    problems: list[Refusal] = []
    card_type_text = values.get("card_type", "").strip()
    card_type = _enum_value(card_type_text, _CARD_TYPE_WORDS, _CARD_TYPE_VALUES) if card_type_text else "personal"
    if card_type is None:
        return [Refusal("card_type", "personal or community (empty: personal)")]
    if card_type == CardType.COMMUNITY.value:
        return _community_row(values, distributor_id=distributor_id, branch_id=branch_id)
    for column in COLUMNS:
        if not values.get(column, "").strip():
            problems.append(Refusal(column, "missing"))
    if problems:
        return problems

    card_code, issued_on = _code_and_date(values, problems)
    birth_year_text = values["birth_year"].strip()
    if not (birth_year_text.isdigit() and len(birth_year_text) == 4):
        problems.append(Refusal("birth_year", "a four-digit year, e.g. 1980 (never the birth date, §11)"))
    mother_tongue = _enum_value(values["mother_tongue"], _LANGUAGE_WORDS, ["other"])
    if mother_tongue is None:
        raw = _word(values["mother_tongue"])
        mother_tongue = raw if len(raw) == 2 and raw.isalpha() and raw.isascii() else None
    if mother_tongue is None:
        problems.append(Refusal("mother_tongue", "a two-letter ISO 639-1 code (fi, sv, en, ru, ...) or other"))
    gender = _enum_value(values["gender"], _GENDERS, _GENDER_VALUES)
    if gender is None:
        problems.append(Refusal("gender", "one of " + ", ".join(_GENDER_VALUES)))
    situation = _enum_value(values["life_situation"], _SITUATIONS, _SITUATION_VALUES)
    if situation is None:
        problems.append(Refusal("life_situation", "one of " + ", ".join(_SITUATION_VALUES)))
    postal_code = _postal_code(values["postal_code"])
    if not (postal_code.isdigit() and postal_code.isascii() and len(postal_code) == 5):
        problems.append(
            Refusal(
                "postal_code",
                "a Finnish postal code: five digits, never padded (in Excel, format the column as text so leading"
                " zeros stay)",
            )
        )
    children_text = values.get("children_under_18", "").strip()
    children = int(children_text) if children_text.isdigit() and children_text.isascii() else None
    if children_text and (children is None or children > MAX_CHILDREN_UNDER_18):
        problems.append(Refusal("children_under_18", f"a number from 0 to {MAX_CHILDREN_UNDER_18}, or empty"))
    if problems or mother_tongue is None or gender is None or situation is None:
        return problems
    try:
        holder = HolderProfile(
            birth_year=int(birth_year_text),
            mother_tongue=mother_tongue,
            gender=Gender(gender),
            postal_code=postal_code,
            life_situation=LifeSituation(situation),
        )
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")} & set(_HOLDER_FIELDS))
        return [Refusal(field, "out of range") for field in fields] or [Refusal("holder", "invalid")]
    return CardGrant(
        card_code=card_code,
        card_type=CardType.PERSONAL,
        distributor_id=distributor_id,
        holder=holder,
        issued_on=issued_on,
        branch_id=branch_id,
        children_under_18=children,
    )


def _community_row(values: dict[str, str], *, distributor_id: str, branch_id: str | None) -> CardGrant | list[Refusal]:
    """A community card's row (§4.3): a code and an issue date; it has no holder, so no holder column is filled."""
    problems = [
        Refusal(column, "missing") for column in ("card_code", "issued_on") if not values.get(column, "").strip()
    ]
    problems += [
        Refusal(column, "leave empty: a community card has no holder (§4.3)")
        for column in (*_HOLDER_FIELDS, "children_under_18")
        if values.get(column, "").strip()
    ]
    if problems:
        return problems
    card_code, issued_on = _code_and_date(values, problems)
    if problems:
        return problems
    return CardGrant(
        card_code=card_code,
        card_type=CardType.COMMUNITY,
        distributor_id=distributor_id,
        holder=None,
        issued_on=issued_on,
        branch_id=branch_id,
    )
