"""Every user-facing string is translated into Kazakh and Russian (English is the source)."""

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def po_entries(path: Path):
    """(msgid, [msgstr…], flags) of each entry of a .po file, continuation lines joined."""
    entries, current, key, flags = [], {}, None, ""
    for line in path.read_text("utf-8").splitlines() + [""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append((current["msgid"], [v for k, v in sorted(current.items()) if k.startswith("msgstr")],
                                flags))
            current, key, flags = {}, None, ""
        elif line.startswith("#,"):
            flags = line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += line[1:-1]
        else:
            match = re.match(r"^(msgid_plural|msgid|msgstr(?:\[\d\])?|msgctxt) \"(.*)\"$", line)
            key = match.group(1)
            current[key] = match.group(2)
    return entries


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_is_complete(language):
    entries = po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    untranslated = [msgid for msgid, strs, _f in entries if not all(strs)]
    fuzzy = [msgid for msgid, _s, flags in entries if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_placeholders_survive_translation(language):
    for msgid, strs, _flags in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        wanted = set(re.findall(r"%\(\w+\)[sd]", msgid))
        for translated in strs:
            assert set(re.findall(r"%\(\w+\)[sd]", translated)) == wanted, (msgid, translated)


def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds no string the committed catalogues lack."""
    import shutil
    import subprocess
    import sys

    root = LOCALE.parent
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        source = root / name
        if source.is_file() and not name.startswith(("tests/", "bench/")):
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "kk", "--no-obsolete", "--ignore=tests",
                    "--ignore=bench"], cwd=tmp_path, check=True, capture_output=True,
                   env={**__import__("os").environ, "ATTESTATION_VAR_DIR": str(tmp_path / "var")})
    fresh = {msgid for msgid, _s, _f in po_entries(tmp_path / "locale" / "kk" / "LC_MESSAGES" / "django.po")}
    committed = {msgid for msgid, _s, _f in po_entries(LOCALE / "kk" / "LC_MESSAGES" / "django.po")}
    assert sorted(fresh - committed) == []
