"""Reading and saving a user's editor drafts; no Flask globals."""

from __future__ import annotations

import re

from pgadmin_lite.errors import BadRequest, PayloadTooLarge
from pgadmin_lite.extensions import db
from pgadmin_lite.models.drafts import EditorDraft

MAX_KEY_CHARS = 200
MAX_TEXT_BYTES = 1024 * 1024  # 1 MiB of UTF-8: far more than any script someone types
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_key(key: str) -> str:
    """A key is 1-200 printable characters (the page builds it from the server id and database)."""
    if not key or len(key) > MAX_KEY_CHARS or _CONTROL.search(key):
        raise BadRequest(f"A draft key must be 1-{MAX_KEY_CHARS} characters without control characters.")
    return key


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise BadRequest("text must be a string.")
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise PayloadTooLarge(f"The draft is {size} bytes; at most {MAX_TEXT_BYTES} bytes are kept.",
                              hint="Keep large scripts as files in your storage area instead.")
    return text


def get_draft(user_id: int, key: str) -> EditorDraft | None:
    return db.session.execute(
        db.select(EditorDraft).filter_by(user_id=user_id, key=check_key(key))).scalar_one_or_none()


def save_draft(user_id: int, key: str, text: object) -> EditorDraft:
    """Create or replace the user's draft under key."""
    text = check_text(text)
    draft = get_draft(user_id, key)
    if draft is None:
        draft = EditorDraft(user_id=user_id, key=key, text=text)
        db.session.add(draft)
    else:
        draft.text = text
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return draft


def delete_draft(user_id: int, key: str) -> bool:
    result = db.session.execute(db.delete(EditorDraft).filter_by(user_id=user_id, key=check_key(key)))
    db.session.commit()
    return bool(result.rowcount)
