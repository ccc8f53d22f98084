"""The server's message catalogues (locale/<lang>/LC_MESSAGES/django.po) without GNU gettext
on the machine: compiles each .po to the .mo Django reads, and checks them (tests/test_i18n.py).

    python -m devtools.messages compile     # after editing a .po
    python -m devtools.messages check       # untranslated, fuzzy, placeholders, stale .mo

polib (pure Python, maintained) reads and writes both formats. Extracting new strings still
takes Django's `makemessages`, which needs GNU gettext: `make messages` runs both."""

from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def compile_all() -> list[Path]:
    written = []
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        po.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems(po_path: Path) -> list[str]:
    """What is wrong with one catalogue: untranslated or fuzzy entries, translations whose
    placeholders differ from the English, and a .mo that says something else than the .po."""
    po = polib.pofile(str(po_path))
    found: list[str] = []
    expected: dict[str, str] = {}
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
            if not all(forms):
                found.append(f"untranslated: {entry.msgid!r}")
            # the first form may drop the count ("every day"); the others keep the plural's
            wanted = [_placeholders(entry.msgid_plural)] * len(forms)
            if forms and not _placeholders(forms[0]) <= wanted[0]:
                found.append(f"placeholders differ: {entry.msgid!r}")
            for form, names in list(zip(forms, wanted, strict=True))[1:]:
                if _placeholders(form) != names:
                    found.append(f"placeholders differ: {entry.msgid!r}")
            key = f"{entry.msgid}\x00{entry.msgid_plural}"
            expected[key] = "\x00".join(forms)
            continue
        if not entry.msgstr:
            found.append(f"untranslated: {entry.msgid!r}")
        elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            found.append(f"placeholders differ: {entry.msgid!r}")
        expected[entry.msgid] = entry.msgstr
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [*found, f"{mo_path.relative_to(ROOT)} is missing: run compile"]
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    actual: dict[str, str] = {}
    plurals: dict[str, list[str]] = {}
    for key, value in compiled._catalog.items():  # type: ignore[attr-defined]
        if isinstance(key, tuple):
            plurals.setdefault(key[0], []).append((key[1], value))  # type: ignore[arg-type]
        elif key:
            actual[key] = value
    for msgid, forms in plurals.items():
        actual[msgid] = "\x00".join(value for _n, value in sorted(forms))
    actual = {k.split("\x00")[0]: v for k, v in actual.items()}
    want = {k.split("\x00")[0]: v for k, v in expected.items() if v}
    if actual != want:
        stale = sorted(set(actual.items()) ^ set(want.items()))[:5]
        found.append(f"{mo_path.relative_to(ROOT)} differs from the .po (run compile): {stale}")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "compile":
        for path in compile_all():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        bad = {path: problems(path) for path in catalogues()}
        for path, found in bad.items():
            for line in found:
                print(f"{path.relative_to(ROOT)}: {line}")
        return 1 if any(bad.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
