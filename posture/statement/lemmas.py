"""Lemmatised words of a sentence, so rules name a topic once for every inflection.

"worden bewaard", "bewaart", "bewaren" all give the lemma ``bewaren``; "passwords are changed"
gives ``password`` and ``change``. simplemma (MIT, no model download) does the work. A rule's
word may be a lemma ("bewaren"), a pattern with ``*`` for compounds ("*wachtwoord*" matches
"rootwachtwoorden" and "wachtwoordbeleid"), or a phrase of several words ("ip adres"), matched
against the sentence's lemmas in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

import simplemma


@dataclass(frozen=True)
class Words:
    """The words of one sentence: lower-case tokens and their lemmas."""

    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    phrase: str  # the lemmas joined by single spaces, with spaces around it

    def has(self, word: str) -> bool:
        """Whether the sentence holds ``word`` (lemma, ``*`` pattern or phrase)."""
        if " " in word:
            return f" {word} " in self.phrase or f" {word} " in f" {' '.join(self.tokens)} "
        if "*" in word:
            return any(fnmatchcase(w, word) for w in self.lemmas + self.tokens)
        return word in self.lemmas or word in self.tokens

    def any_of(self, group: tuple[str, ...]) -> bool:
        """Whether one word of ``group`` is in the sentence."""
        return any(self.has(w) for w in group)


@lru_cache(maxsize=4096)  # a statement's sentences, each looked at by many rules
def words(text: str, lang: str) -> Words:
    """Tokens and lemmas of ``text`` (hyphenated words are also split: "IP-adressen")."""
    tokens: list[str] = []
    for token in simplemma.simple_tokenizer(text.lower()):
        if not re.search(r"\w", token):
            continue
        tokens.append(token)
        if "-" in token:
            tokens.extend(p for p in token.split("-") if p)
    lemmas = tuple(str(simplemma.lemmatize(t, lang=lang)).lower() for t in tokens)
    return Words(tuple(tokens), lemmas, f" {' '.join(lemmas)} ")
