"""The coach behind a session: an interface and a deterministic default.

No external AI call: the default coach answers with a reflective question built from the
person's own words, so the same conversation always gets the same reply (testable, free,
and nothing leaves the platform). Another implementation can be plugged in later.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol

_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
# Words too common to be what the person is talking about.
# fmt: off
_QUIET_WORDS = frozenset({
    "about", "after", "again", "also", "because", "been", "before", "being", "could", "does",
    "doing", "from", "have", "into", "just", "like", "make", "more", "most", "much", "need",
    "only", "over", "really", "should", "some", "than", "that", "their", "them", "then",
    "there", "these", "they", "thing", "things", "this", "very", "want", "what", "when",
    "where", "which", "while", "with", "would", "your",
})
# fmt: on
_QUESTIONS = (
    'You mentioned "{focus}". What would it look like if that went well for {topic}?',
    'What is one small step you could take on "{focus}" this week?',
    'When you think about "{focus}", what matters most to you, and why?',
    'What has already worked for you around "{focus}"?',
    'If "{focus}" were no longer in the way, what would you do first for {topic}?',
)


class Coach(Protocol):
    def reply(self, *, topic: str, text: str, recent: Sequence[str], turn: int) -> str:
        """The coach's answer to ``text`` in a session on ``topic``.

        ``recent``: the texts of the session's latest earlier messages, oldest first, at
        most ``coaching.store.COACH_CONTEXT`` of them (never the whole history: posting a
        message must cost the same in a long session). ``turn``: how many messages the
        session held before ``text``.
        """
        ...


def focus_word(text: str) -> str:
    """The longest meaningful word of ``text`` (first on ties), or the text's start."""
    words: list[str] = [word for word in _WORD.findall(text) if word.lower() not in _QUIET_WORDS]
    if not words:
        return text.strip()[:40] or "this"
    return max(words, key=len)


class ReflectiveCoach:
    """Deterministic: the question depends only on the text and the number of turns."""

    def reply(self, *, topic: str, text: str, recent: Sequence[str], turn: int) -> str:
        # ``turn`` is the former ``len(history)``: a session's replies stay what they were.
        digest = hashlib.sha256(f"{turn}:{text}".encode()).digest()
        question = _QUESTIONS[digest[0] % len(_QUESTIONS)]
        return question.format(focus=focus_word(text), topic=topic)
