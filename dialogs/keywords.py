"""Trigger words inside a sentence: «Хочу поговорить с юристом» reaches the trigger «юрист».

A trigger's phrase is the whole message as a rule («меню», «оператор»). A message the bot would
otherwise not understand is also searched for a trigger's words, compared by their dictionary form
(pymorphy3: «юристом», «юриста», «юрист» are one word), so a client who writes as people write is
not told to press a button. Only such a message, so an answer to a question that mentions a lawyer
never jumps flows; only a short one (:data:`MAX_WORDS`), since a long text tells a story rather than
asks for a section; and only when its words point to one place: the bot does not guess between two.
Commands (``/start``) match only as the whole message.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dialogs.declension import analyzer

MAX_WORDS = 20
_WORD = re.compile(r"\w+(?:-\w+)*")


def words_of(text: str) -> tuple[str, ...]:
    """The dictionary forms of the text's words, in order."""
    return tuple(_lemma(word) for word in _split(text))


def sentence_of(text: str) -> tuple[str, ...]:
    """The dictionary forms of a short message's words; none for a longer one (:data:`MAX_WORDS`)."""
    words = _split(text)
    return tuple(_lemma(word) for word in words) if len(words) <= MAX_WORDS else ()


def _split(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("ё", "е"))


def contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs in ``words`` as consecutive words."""
    size = len(phrase)
    if not size:
        return False
    return any(words[start : start + size] == phrase for start in range(len(words) - size + 1))


@lru_cache(maxsize=16_384)
def _lemma(word: str) -> str:
    parses = analyzer().parse(word)
    return parses[0].normal_form.replace("ё", "е") if parses else word
