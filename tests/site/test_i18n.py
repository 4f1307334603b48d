"""The translations: every message of the pages and scripts has a Chinese text, the compiled
.mo files (committed, so a fresh clone needs no gettext tools) say what the .po files say, and
the pages follow the visitor's language."""
import gettext
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
STRING = re.compile(r'"((?:\\.|[^"\\])*)"')


def unquote(chunk):
    text = "".join(STRING.findall(chunk))
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def read_po(path):
    """{msgid or (msgid, plural): msgstr or [msgstr[n]...]}, and the fuzzy entries' msgids.
    A msgid with a context is "context\x04msgid", as gettext's compiled catalog keys it."""
    entries, fuzzy = {}, []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        keys = dict(re.findall(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) ((?:".*"\n?)+)',
                               block + "\n", re.M))
        if "msgid" not in keys:
            continue
        msgid = unquote(keys["msgid"])
        if "msgctxt" in keys:
            msgid = f"{unquote(keys['msgctxt'])}\x04{msgid}"
        if "#, fuzzy" in block and msgid:
            fuzzy.append(msgid)
        if "msgid_plural" in keys:
            plurals = sorted(k for k in keys if k.startswith("msgstr["))
            entries[(msgid, unquote(keys["msgid_plural"]))] = [unquote(keys[k]) for k in plurals]
        else:
            entries[msgid] = unquote(keys["msgstr"])
    return entries, fuzzy


def test_there_are_catalogs_for_the_pages_and_the_scripts():
    assert {p.name for p in CATALOGS} == {"django.po", "djangojs.po"}


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_message_is_translated_and_none_is_fuzzy(po):
    entries, fuzzy = read_po(po)
    assert not fuzzy
    untranslated = [k for k, v in entries.items() if k and (not v or (isinstance(v, list) and "" in v))]
    assert untranslated == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_the_compiled_mo_is_up_to_date_with_its_po(po):
    entries, _ = read_po(po)
    with open(po.with_suffix(".mo"), "rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    for key, value in entries.items():
        if key == "":
            continue
        if isinstance(key, tuple):
            assert catalog.get((key[0], 0)) == value[0], key   # Chinese: one plural form
        else:
            assert catalog.get(key) == value, f"{key!r}: run compilemessages (see docs/i18n.md)"
    assert len([k for k in catalog if k != ""]) == len([k for k in entries if k != ""])


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_no_string_of_the_pages_or_scripts_is_missing_from_the_catalogs(tmp_path):
    """makemessages over a copy of the checkout finds no message the .po files lack."""
    for name in ("playground", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "static" / "js", tmp_path / "static" / "js")
    shutil.copy(ROOT / "manage.py", tmp_path)
    for domain in ("django", "djangojs"):
        subprocess.run([sys.executable, "manage.py", "makemessages", "-d", domain, "-l",
                        "zh_Hans", "--no-obsolete"], cwd=tmp_path, check=True,
                       capture_output=True)
    for po in CATALOGS:
        fresh, _ = read_po(tmp_path / po.relative_to(ROOT))
        known, _ = read_po(po)
        assert set(fresh) - set(known) == set(), f"new messages: run makemessages ({po.name})"


@pytest.mark.django_db
def test_the_pages_follow_accept_language_and_the_remembered_choice():
    english = Client().get("/").content.decode()
    assert '<html lang="en">' in english and ">Run</button>" in english
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get("/").content.decode()
    assert '<html lang="zh-hans">' in chinese and ">运行</button>" in chinese
    client = Client()
    res = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/dashboard/"})
    assert res.status_code == 302 and res["Location"] == "/dashboard/"
    assert "django_language" in res.cookies
    assert '<html lang="zh-hans">' in client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_the_script_catalog_is_served_per_language_and_cached():
    res = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get("/jsi18n/?l=zh-hans")
    body = res.content.decode()
    assert res.status_code == 200 and json.dumps("停止并运行")[1:-1] in body   # as \\u escapes
    assert "max-age=31536000" in res["Cache-Control"]
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get("/").content.decode()
    assert re.search(r'src="/jsi18n/\?l=zh-hans&amp;v=[0-9a-f]{12}"', page)
