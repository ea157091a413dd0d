"""Holder background groups of the statistics (§4.2, §4.3, docs/contract.md "Definitions").

Only anonymous background data exists (§11): birth year, mother tongue, gender, postal code and
life situation. These functions put a holder in the groups the breakdowns count.
"""

from __future__ import annotations

from kaiku_contracts.enums import Gender, LifeSituation

AGE_GROUPS: tuple[str, ...] = ("16-29", "30-44", "45-64", "65+")
"""docs/contract.md: age groups 16–29, 30–44, 45–64, 65+ (age in the period's year)."""

MOTHER_TONGUE_GROUPS: tuple[str, ...] = ("finnish", "swedish", "sami", "foreign")
"""Statistics Finland's language grouping: the domestic languages Finnish, Swedish and Sámi, and
foreign-language speakers (every other language, and `other`)."""

GENDERS: tuple[str, ...] = tuple(g.value for g in Gender)
LIFE_SITUATIONS: tuple[str, ...] = tuple(s.value for s in LifeSituation)

# ISO 639-1 has one code for the Sámi languages ("se", Northern Sámi, the one with a two-letter code).
_SAMI_CODES = frozenset({"se"})


def age_group(birth_year: int, year: int) -> str:
    """The age group of a holder born in `birth_year`, by the age reached in `year`.

    Cards are granted from 16 (§2); an age below 16 cannot occur for a valid issue and falls in the youngest group.
    """
    age = year - birth_year
    if age < 30:
        return "16-29"
    if age < 45:
        return "30-44"
    if age < 65:
        return "45-64"
    return "65+"


def mother_tongue_group(code: str) -> str:
    code = code.strip().lower()
    if code == "fi":
        return "finnish"
    if code == "sv":
        return "swedish"
    if code in _SAMI_CODES:
        return "sami"
    return "foreign"


def postal_code_area(postal_code: str) -> str:
    """The postal-code area (Statistics Finland's "postinumeroalue") is the five-digit postal code itself."""
    return postal_code
