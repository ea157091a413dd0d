"""The portal's texts: gettext catalogues in `locales/<lang>/LC_MESSAGES/portal.po`, one per language.

Finland is bilingual (the operating model exists in both Finnish and Swedish); English serves staff
who use neither. A page's language comes from `?lang=` (remembered in a cookie), then the cookie,
then the browser's `Accept-Language`, else Finnish. A message id is a key (`stats.download_csv`);
every catalogue, English included, holds the text. A message with plural forms takes its number as
`count`. Adding a language is adding its catalogue (docs/portal/README.md, "Translations").

The `.po` files are read at start-up and compiled in memory: no compiled `.mo` can drift from its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from kaiku_contracts.enums import RejectionReason

from kaiku_portal.domain.formats import show_number
from kaiku_portal.domain.refusals import FORM_FIELDS, MISSING, PERSONAL_DATA, field_faults

INVALID_REQUEST = RejectionReason.INVALID_REQUEST.value
Lang = str  # a language with a catalogue: one of LANGS
DOMAIN = "portal"
LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANG: Lang = "fi"
# Finland's two official languages first, then English; any further catalogue after them by its code.
_FIRST = ("fi", "sv", "en")


def catalogue_path(lang: str, root: Path = LOCALES) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _available() -> tuple[Lang, ...]:
    found = {path.parents[1].name for path in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return tuple(sorted(found, key=lambda code: (_FIRST.index(code) if code in _FIRST else len(_FIRST), code)))


LANGS: tuple[Lang, ...] = _available()


def read_catalogue(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=lang, domain=DOMAIN, abort_invalid=True)


def read_template() -> Catalog:
    """`locales/portal.pot`: every message id, a plural message with `msgid_plural`."""
    return read_catalogue(LOCALES / f"{DOMAIN}.pot")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _texts(string: str | tuple[str, ...] | list[str] | None) -> list[str]:
    return [string or ""] if not isinstance(string, (tuple, list)) else [text or "" for text in string]


def catalogue_problems(template: Catalog, catalogue: Catalog, reference: Catalog | None = None) -> list[str]:
    """What keeps `catalogue` from being complete: an id of the template missing, untranslated or fuzzy, a
    plural message without all its forms, a placeholder the default language's text does not have (or lacks;
    a plural form may leave out `{count}`), an id the template does not know."""
    if reference is None:
        reference = read_catalogue(catalogue_path(DEFAULT_LANG), DEFAULT_LANG)
    problems: list[str] = []
    wanted_keys: set[str] = set()
    for wanted in template:
        if not wanted.id:
            continue
        key = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
        wanted_keys.add(key)
        message = catalogue.get(wanted.id)
        if message is None:
            problems.append(f"{key}: missing")
            continue
        texts = _texts(message.string)
        if message.fuzzy:
            problems.append(f"{key}: fuzzy")
        if wanted.pluralizable != message.pluralizable:
            problems.append(f"{key}: {'plural forms expected' if wanted.pluralizable else 'not a plural message'}")
        elif message.pluralizable and len(texts) != catalogue.num_plurals:
            problems.append(f"{key}: {catalogue.num_plurals} plural forms expected, {len(texts)} found")
        if any(not text.strip() for text in texts):
            problems.append(f"{key}: untranslated")
        model = reference.get(wanted.id)
        expected = {name for text in _texts(model.string if model else None) for name in _PLACEHOLDER.findall(text)}
        for text in texts:
            names = set(_PLACEHOLDER.findall(text))
            if names - {"count"} != expected - {"count"} or not names <= expected:
                problems.append(f"{key}: placeholders {sorted(names)}, expected {sorted(expected)}")
    for message in catalogue:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key and key not in wanted_keys:
            problems.append(f"{key}: not in the template")
    return problems


@cache
def messages(lang: Lang) -> Translations:
    """The language's compiled catalogue; a text it lacks (or marks fuzzy) comes from the default language."""
    if lang not in LANGS:
        lang = DEFAULT_LANG
    catalogue = read_catalogue(catalogue_path(lang), lang)
    for message in list(catalogue):
        if message.id and not all(text.strip() for text in _texts(message.string)):
            catalogue.delete(message.id)  # a half-translated plural message falls back whole
    compiled = BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    translations = Translations(compiled, domain=DOMAIN)
    if lang != DEFAULT_LANG:
        translations.add_fallback(messages(DEFAULT_LANG))
    return translations


@cache
def message_ids() -> frozenset[str]:
    """Every key of the default catalogue (a plural message by its singular id)."""
    ids = (message.id for message in read_catalogue(catalogue_path(DEFAULT_LANG), DEFAULT_LANG) if message.id)
    return frozenset(key if isinstance(key, str) else key[0] for key in ids)


def translate(lang: str, key: str, **values: Any) -> str:
    """The text of `key` in `lang`, its placeholders filled; a missing key shows itself (a test keeps the
    catalogues complete). With `count` the message's plural form for that number is chosen."""
    catalogue = messages(lang)
    if "count" in values:
        count = values["count"]
        text = catalogue.ngettext(key, key, count)
        if text == key:  # not a plural message: the count is just a placeholder
            text = catalogue.gettext(key)
        values["count"] = show_number(count, lang) if isinstance(count, int) else count
    else:
        text = catalogue.gettext(key)
    return text.format(**values) if values else text


def gettext(lang: str, message: str) -> str:
    return messages(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, number: int) -> str:
    return messages(lang).ngettext(singular, plural, number)


def preferred_languages(accept_language: str | None) -> list[str]:
    """The tags of an `Accept-Language` header, most wanted first (RFC 9110 §12.5.4; `q=0` means not wanted)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(asked: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """`?lang=` first, then the remembered choice, then the browser's preference (by its q order)."""
    for candidate in (asked, cookie):
        if candidate in LANGS:
            return candidate
    chosen = negotiate_locale(preferred_languages(accept_language), LANGS, sep="-")
    return chosen.lower() if chosen is not None and chosen.lower() in LANGS else DEFAULT_LANG


def reason_text(lang: str, reason: str) -> str:
    """A rejection code in plain words; an unknown code still names itself, never a stack trace."""
    key = f"reason.{reason}"
    return translate(lang, key) if key in message_ids() else translate(lang, "reason.other", code=reason)


def field_error_key(field: str | None, kind: str) -> str:
    """The message key telling a field's fault: what the field takes, or that it is missing or personal data."""
    if kind == PERSONAL_DATA:
        return "fielderror.personal_data"
    if kind == MISSING:
        return "fielderror.missing"
    return f"fielderror.{field}" if field in FORM_FIELDS else "fielderror.other"


@dataclass(frozen=True, slots=True)
class RefusalView:
    """A service's refusal as a page shows it: the reason in the person's language, each field at fault with
    its own words (message keys by form field; `None` for a fault no form field holds), and the service's
    English detail for support staff (folded away on the page)."""

    message: str
    fields: dict[str, str]
    others: list[str]
    detail: str


def refusal_faults(reason: str, detail: str) -> list[tuple[str | None, str]]:
    """Each field a refusal names (None: no form field) with the key of its words; only `invalid_request` and
    `limit_below_minimum` name fields in their detail (docs/contract.md)."""
    if reason not in (INVALID_REQUEST, RejectionReason.LIMIT_BELOW_MINIMUM.value):
        return []
    return [(fault.field, field_error_key(fault.field, fault.kind)) for fault in field_faults(detail)]


def refusal_keys(reason: str, detail: str) -> list[str]:
    """The refusal's field texts as message keys, in order (an import row's refusal told in words)."""
    return list(dict.fromkeys(key for _, key in refusal_faults(reason, detail)))


def refusal_view(lang: str, reason: str, detail: str) -> RefusalView:
    """The one mapping of a refusal to words, used by every page (entrypoints.http.web.render)."""
    fields: dict[str, str] = {}
    others: list[str] = []
    for name, key in refusal_faults(reason, detail):
        if name is None:
            others.append(key)
        else:
            fields.setdefault(name, key)
    return RefusalView(reason_text(lang, reason), fields, others, detail)


# The language switcher: each language named in itself.
LANGUAGES: tuple[tuple[Lang, str], ...] = tuple((lang, translate(lang, "lang.name")) for lang in LANGS)
REJECTION_REASONS: tuple[str, ...] = tuple(r.value for r in RejectionReason)
