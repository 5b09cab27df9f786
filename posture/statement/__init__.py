"""Turn a privacy statement into an inventory skeleton: every sentence mapped or explained.

``posture statement import FILE --lang nl|en`` reads plain text or HTML in any common encoding
(:mod:`~posture.statement.source`), checks its language (:mod:`~posture.statement.language`),
splits it into numbered sections and sentences (:mod:`~posture.statement.segment`), finds each
sentence's topics with readable rules over lemmatised words per language (``rules_nl.yml`` /
``rules_en.yml``, :mod:`~posture.statement.rules`, :mod:`~posture.statement.lemmas`), extracts
values (:mod:`~posture.statement.extract`: periods, versions, parties with negation scope) and
writes claims plus a ledger (:mod:`~posture.statement.skeleton`), marking security sentences
without a claim for review (:mod:`~posture.statement.review`). Nothing is fetched.
"""
