"""Look and feel rules a grep can hold: no window.prompt/confirm/alert in our JS, every colour from the palette."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "pgadmin_lite" / "static"
SCRIPTS = sorted((STATIC / "js").rglob("*.js"))
SHEETS = sorted((STATIC / "css").glob("*.css"))
# prompt( / confirm( / alert( called bare or on window/globalThis/self (x.confirm( of another object is fine).
NATIVE_DIALOG = re.compile(r"(?<![\w$.])(?:(?:window|globalThis|self)\s*\.\s*)?(?:prompt|confirm|alert)\s*\(")
COMMENT = re.compile(r"^\s*(//|\*|/\*)")
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|"
                    r"(?<![\w-])(?:white|black|red|green|blue|gray|grey|silver|navy|orange|yellow|purple)(?![\w-])")
PALETTE = re.compile(r"^:root \{.*?\}\n", re.S | re.M)  # app.css's first rule: the light and dark palette


def code_lines(path: Path) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if not COMMENT.match(line)]


def test_there_are_scripts_and_sheets() -> None:
    assert len(SCRIPTS) >= 10 and any(p.parent.name == "components" for p in SCRIPTS) and len(SHEETS) >= 3


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_no_native_prompt_confirm_or_alert(script: Path) -> None:
    offenders = [f"{script.name}:{n}: {line.strip()}" for n, line in code_lines(script) if NATIVE_DIALOG.search(line)]
    assert not offenders, "use askText/confirmAction from components/dialog.js:\n" + "\n".join(offenders)


@pytest.mark.parametrize("sample", ['if (!confirm("Drop?")) return;', 'const n = window.prompt("Name");',
                                    "alert (message)", "window . confirm(`x`)", "globalThis.alert(1)"])
def test_the_check_catches_native_dialogs(sample: str) -> None:
    assert NATIVE_DIALOG.search(sample)


@pytest.mark.parametrize("sample", ["await confirmAction({ title })", "promptPassword(title)", "dialog.confirm()",
                                    "askText({ label })", "this.alert(x)"])
def test_the_check_lets_our_dialogs_pass(sample: str) -> None:
    assert not NATIVE_DIALOG.search(sample)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_every_colour_is_a_palette_variable(sheet: Path) -> None:
    text = sheet.read_text(encoding="utf-8")
    if sheet.name == "app.css":
        palette = PALETTE.search(text)
        assert palette and "light-dark(" in palette.group(0)
        text = text.replace(palette.group(0), "")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    offenders = [line.strip() for line in text.splitlines() if COLOUR.search(line)]
    assert not offenders, "name a palette variable from app.css's :root instead:\n" + "\n".join(offenders)


def test_the_colour_check_catches_literals() -> None:
    assert all(COLOUR.search(s) for s in ("color: #fff;", "background: rgba(0, 0, 0, .2);", "border-color: white;"))
    assert not any(COLOUR.search(s) for s in ("color: var(--fg);", "white-space: nowrap;", "--on-danger: x"))
