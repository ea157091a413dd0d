"""`make translations`: extract the portal's message ids, update each language's catalogue, compile them.

    python services/portal/translations.py [all|extract|update|compile|check|init LANG]

extract  writes locales/portal.pot: the ids found in templates (`t('key')`, `_()`, `{% trans %}`) and the
         keys written as string literals in the Python code, added to the ids the template already has (a key
         built at run time, such as `'gender.' ~ g`, is never found; it stays until deleted from the .pot)
update   brings every locales/<lang>/LC_MESSAGES/portal.po in line with the .pot: a new id gets an empty
         text (the catalogue test fails until it is translated), a deleted one is dropped
compile  compiles every catalogue as the portal does at start-up and lists what is untranslated or fuzzy
check    fails when extract and update would change a committed file (run by the tests)
init     starts the catalogue of a new language (an ISO 639 code, e.g. `se` for Northern Sámi)

The output is stable (fixed header dates, no source line numbers), so running it twice changes nothing.
"""

from __future__ import annotations

import re
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
from kaiku_portal import i18n

PACKAGE = Path(i18n.__file__).parent
TEMPLATE = i18n.LOCALES / f"{i18n.DOMAIN}.pot"
# `t('key', ...)` in templates; jinja2.ext.i18n's own callables; no `%`-format flags (keys are plain ids)
KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": None, "_": None, "gettext": None, "ngettext": (1, 2)}
KEY = re.compile(r"\"([a-z_]+\.[a-z_.]+)\"")


def _ids(catalog: Catalog) -> list[str | tuple[str, str]]:
    return [
        message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
        for message in catalog
        if message.id
    ]


def extract(template: Catalog) -> Catalog:
    """The template's ids, then any id newly found in the code, in the order found."""
    found: list[str | tuple[str, str]] = _ids(template)
    for _, _, message, _, _ in extract_from_dir(
        PACKAGE / "templates", method_map=[("**.html", "jinja2")], keywords=KEYWORDS, comment_tags=()
    ):
        found.append(message if isinstance(message, str) else (message[0], message[1]))
    prefixes = {str(key if isinstance(key, str) else key[0]).split(".", 1)[0] for key in found}
    for module in sorted(PACKAGE.rglob("*.py")):
        found += [
            key
            for key in KEY.findall(module.read_text(encoding="utf-8"))
            if key.split(".", 1)[0] in prefixes and not key.endswith((".", ".html"))
        ]
    fresh = _new_catalog(template, None)
    fresh.header_comment = template.header_comment
    seen: set[str] = set()
    for message_id in found:
        singular = message_id if isinstance(message_id, str) else message_id[0]
        if singular not in seen:
            seen.add(singular)
            fresh.add(message_id)
    return fresh


def update(template: Catalog, catalog: Catalog) -> Catalog:
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
    catalog.obsolete.clear()  # a deleted key is dropped, not kept commented out
    return catalog


def compile_problems(lang: str, catalog: Catalog) -> list[str]:
    write_mo(BytesIO(), catalog, use_fuzzy=False)  # what the portal does at start-up; raises if it cannot
    return [f"{lang}: {problem}" for problem in i18n.catalogue_problems(i18n.read_template(), catalog)]


def _new_catalog(like: Catalog, lang: str | None) -> Catalog:
    return Catalog(
        locale=lang,
        domain=i18n.DOMAIN,
        project=like.project,
        version=like.version,
        copyright_holder=like.copyright_holder,
        msgid_bugs_address=like.msgid_bugs_address,
        creation_date=like.creation_date,
        revision_date=like.revision_date,
        fuzzy=False,
        charset="utf-8",
    )


def render(catalog: Catalog) -> bytes:
    out = BytesIO()
    write_po(out, catalog, no_location=True, include_previous=False)
    return out.getvalue()


def planned(extracting: bool) -> dict[Path, bytes]:
    """Every file `extract` (when `extracting`) and `update` would write, with its contents."""
    template = extract(i18n.read_template()) if extracting else i18n.read_template()
    files = {TEMPLATE: render(template)}
    for lang in i18n.LANGS:
        path = i18n.catalogue_path(lang)
        files[path] = render(update(template, i18n.read_catalogue(path, lang)))
    return files


def init(lang: str) -> int:
    path = i18n.catalogue_path(lang)
    if path.exists():
        print(f"{path} exists already", file=sys.stderr)
        return 1
    template = i18n.read_template()
    path.parent.mkdir(parents=True)
    path.write_bytes(render(update(template, _new_catalog(template, lang))))
    print(f"{path}: {len(_ids(template))} messages to translate")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    if command == "init" and len(argv) == 2:
        return init(argv[1])
    if command not in ("extract", "update", "compile", "all", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    files = planned(extracting=command != "update") if command != "compile" else {}
    if command == "check":
        stale = [str(path) for path, text in files.items() if path.read_bytes() != text]
        for name in stale:
            print(f"out of date (run `make translations`): {name}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        wanted = path == TEMPLATE if command == "extract" else path != TEMPLATE or command == "all"
        if wanted and path.read_bytes() != text:
            path.write_bytes(text)
            print(f"wrote {path}")
    problems: list[str] = []
    if command in ("compile", "all"):
        for lang in i18n.LANGS:
            problems += compile_problems(lang, i18n.read_catalogue(i18n.catalogue_path(lang), lang))
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"compiled {', '.join(i18n.LANGS)}: {len(problems)} untranslated, fuzzy or inconsistent")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
