"""Which language a statement is written in: Dutch or English, by its most common words.

A light check rather than a model: the share of Dutch and of English function words ("de",
"het", "wij", "niet" against "the", "and", "we", "not"). Statements are long, so the counts are
decisive; a text with too few of either gives no answer rather than a guess.
"""

from __future__ import annotations

import re

_STOPWORDS = {
    "nl": frozenset((
        "de", "het", "een", "en", "van", "wij", "we", "uw", "u", "is", "niet", "voor", "met",
        "op", "worden", "wordt", "zijn", "dat", "die", "te", "bij", "naar", "ook", "geen", "als",
        "om", "onze", "ons", "deze", "dit", "er", "kunt", "heeft", "wat", "hoe"
    )),
    "en": frozenset((
        "the", "a", "an", "and", "of", "to", "we", "you", "your", "is", "not", "for", "with",
        "on", "are", "be", "that", "by", "our", "from", "this", "no", "will", "can", "have",
        "has", "what", "how", "it", "as", "or"
    )),
}
MIN_HITS = 20  # fewer function words than this: too little text to tell
MARGIN = 1.5  # the winner needs this many times the other's count


def detect_language(text: str) -> str | None:
    """"nl" or "en" when the text is clearly one of them, else None."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda k: counts[k])
    other = min(counts.values())
    if counts[best] < MIN_HITS or counts[best] < MARGIN * other:
        return None
    return best
