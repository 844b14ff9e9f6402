"""The ledger of what became of each statement of a script: committed, rolled back, still open, never run."""

from __future__ import annotations

from itertools import groupby

from pgadmin_lite.connections.classify import Kind, savepoint_action, savepoint_name

COMMITTED, IN_TRANSACTION, ROLLED_BACK, FAILED, NOT_RUN = "committed", "in_transaction", "rolled_back", \
    "aborted", "not_run"
ENDED_BY = {"COMMIT": COMMITTED, "PREPARE TRANSACTION": IN_TRANSACTION}  # any other end of a transaction: rollback
ROLLED_BACK_COMMIT = "the transaction had failed and was rolled back; nothing was committed"


class Ledger:
    """Follows the user's transaction through the statements (savepoints included) from the server's states."""

    def __init__(self, count: int) -> None:
        self.fates = [NOT_RUN] * count
        self._open: list[int] = []  # statements of this script in the open transaction
        self._savepoints: list[tuple[str | None, int]] = []  # (name, how many of _open precede it)
        self.is_failed_transaction = False

    def _reach(self, index: int) -> None:
        """A flip of standard_conforming_strings can cut the rest of a script into more statements than planned."""
        self.fates += [NOT_RUN] * (index + 1 - len(self.fates))

    def ran(self, index: int, kind: Kind, statement: str, *, was_idle: bool, is_idle: bool, tag: str | None) -> None:
        """A statement succeeded; was_idle/is_idle: the user's state before and after it."""
        self._reach(index)
        if is_idle:
            fate = COMMITTED if was_idle else ENDED_BY.get(tag or "", ROLLED_BACK)
            self._end(fate)
            self.fates[index] = fate
            return
        action = savepoint_action(kind)
        if action == "rollback_to":
            self._rollback_to(savepoint_name(statement))
        elif action == "release":
            self._release(savepoint_name(statement))
        elif action == "set":
            self._savepoints.append((savepoint_name(statement), len(self._open) + 1))  # it stays: what follows goes
        self._open.append(index)
        self.fates[index] = IN_TRANSACTION

    def failed(self, index: int, *, is_idle: bool, is_usable: bool) -> None:
        """The statement failed; the transaction ended (rolled back), was kept usable, or is aborted."""
        self._reach(index)
        self.fates[index] = FAILED
        if is_idle:
            self._end(ROLLED_BACK)
        elif not is_usable:
            self.is_failed_transaction = True

    def _undo_after(self, position: int) -> None:
        """A ROLLBACK TO undid what followed position in the open transaction."""
        for undone in self._open[position:]:
            self.fates[undone] = ROLLED_BACK
        del self._open[position:]

    def end_transaction(self, *, committed: bool) -> None:
        """Our own COMMIT or ROLLBACK (single-transaction mode) ended the transaction."""
        self._end(COMMITTED if committed else ROLLED_BACK)

    def _end(self, fate: str) -> None:
        for index in self._open:
            self.fates[index] = fate
        self._open.clear()
        self._savepoints.clear()

    def _find(self, name: str | None) -> int | None:
        for position in range(len(self._savepoints) - 1, -1, -1):
            if self._savepoints[position][0] == name:
                return position
        return None  # set before this script: what it undoes here is not known to be ours

    def _rollback_to(self, name: str | None) -> None:
        found = self._find(name)
        start = self._savepoints[found][1] if found is not None else 0
        self._undo_after(start)
        if found is not None:
            del self._savepoints[found + 1:]

    def _release(self, name: str | None) -> None:
        found = self._find(name)
        if found is not None:
            del self._savepoints[found:]

    def summary(self) -> str:
        """One sentence a user can act on: which statements were kept, rolled back, left open, never run."""
        parts = []
        for fate, group in groupby(enumerate(self.fates, 1), key=lambda item: item[1]):
            numbers = [number for number, _ in group]
            parts.append(_phrase(fate, numbers, self.is_failed_transaction))
        text = "; ".join(parts[:1] + [part[0].lower() + part[1:] for part in parts[1:]])
        return text + "." if text else ""


def _phrase(fate: str, numbers: list[int], is_failed_transaction: bool) -> str:
    many = len(numbers) > 1
    label = f"Statements {numbers[0]}\N{EN DASH}{numbers[-1]}" if many else f"Statement {numbers[0]}"
    verb = "were" if many else "was"
    if fate == IN_TRANSACTION:
        if is_failed_transaction:
            return f"{label} {verb} in the failed transaction, which can only be rolled back"
        return f"{label} {'are' if many else 'is'} in the open transaction (not committed yet)"
    if fate == FAILED:
        return f"{label} failed"
    return f"{label} {verb} {dict(((COMMITTED, 'committed'), (ROLLED_BACK, 'rolled back'))).get(fate, 'not run')}"
