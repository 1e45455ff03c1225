"""The edition's language: what the check cells say and the plots write, in English or in Korean.

``ML2DL_LANG`` names the language ("en" unless set; the Korean notebooks set "ko" in their first
code cell).  The texts of a language other than English are one file,
``exercise_data/i18n/<lang>.json`` (``make ko`` writes it from the catalogue ``i18n/ko/_grader.po``):
``messages`` (helpers.exercises.MESSAGES), ``hints`` and ``cases`` (keyed by their English text) and
``labels`` (helpers.plots.LABELS).  It is read once per language, here, by both.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

LANG_ENV = "ML2DL_LANG"
I18N_DIR = Path(__file__).with_name("exercise_data") / "i18n"
PARTS = ("messages", "hints", "cases", "labels")


def current() -> str:
    """The edition's language: ``ML2DL_LANG``, lower-cased, or "en"."""
    return os.environ.get(LANG_ENV, "").strip().lower() or "en"


@functools.cache
def texts(lang: str) -> dict[str, dict[str, str]]:
    """The translated texts of ``lang`` (every part empty for English or a language without a file)."""
    path = I18N_DIR / f"{lang}.json"
    doc = json.loads(path.read_text(encoding="utf-8")) if lang != "en" and path.is_file() else {}
    return {part: doc.get(part, {}) for part in PARTS}


def translated(part: str, key: str, english: str, lang: str | None = None) -> str:
    """``english`` in ``lang`` (default: the current one) where ``part`` has ``key``, else ``english``."""
    return texts(lang or current())[part].get(key, english)
