"""Writes of the trade journal: tags and a note per round trip (audited by django-auditlog)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from backtests.journal import normalise_tags
from backtests.models import TradeNote
from quant.models import Fill, Strategy

MAX_NOTE = 4000
MAX_TAGS = 300


class TradeNoteError(ValueError):
    """The note cannot be saved; the message says why."""


@transaction.atomic
def trade_note_save(
    *, strategy: Strategy, entry_fill_id: int, exit_fill_id: int, tags: str, note: str, user: AbstractBaseUser
) -> TradeNote | None:
    """Set the tags and note of the round trip ``entry_fill -> exit_fill`` of ``strategy``.

    Both fills must be the strategy's, of one symbol, on opposite sides, the entry not after the
    exit. Blank tags and note delete the row. The caller checks ``change_strategy`` first.
    """
    fills = {f.pk: f for f in Fill.objects.filter(pk__in=[entry_fill_id, exit_fill_id], strategy=strategy)}
    entry, exit_ = fills.get(entry_fill_id), fills.get(exit_fill_id)
    if entry is None or exit_ is None:
        raise TradeNoteError(f"fills {entry_fill_id} and {exit_fill_id} are not both fills of {strategy.name}")
    if entry.symbol != exit_.symbol or entry.side == exit_.side or entry.trade_date > exit_.trade_date:
        raise TradeNoteError(f"fills {entry_fill_id} -> {exit_fill_id} do not form a round trip")
    clean_tags, clean_note = normalise_tags(tags), note.strip()
    if len(clean_tags) > MAX_TAGS or len(clean_note) > MAX_NOTE:
        raise TradeNoteError(f"tags are limited to {MAX_TAGS} characters and the note to {MAX_NOTE}")
    existing = TradeNote.objects.filter(entry_fill=entry, exit_fill=exit_).first()
    if not clean_tags and not clean_note:
        if existing:
            existing.delete()
        return None
    row = existing or TradeNote(strategy=strategy, entry_fill=entry, exit_fill=exit_)
    row.tags, row.note, row.updated_by = clean_tags, clean_note, user  # type: ignore[assignment]
    row.save()
    return row
