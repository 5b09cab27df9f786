"""Turn a privacy statement into an inventory skeleton: every sentence mapped or explained.

``posture statement import FILE --lang nl|en`` reads plain text or HTML
(:mod:`~posture.statement.source`), splits it into numbered sections and sentences
(:mod:`~posture.statement.segment`), matches each sentence against readable pattern rules per
language (``rules_nl.yml`` / ``rules_en.yml``, :mod:`~posture.statement.rules`), extracts
parameters (:mod:`~posture.statement.extract`) and writes claims plus a ledger
(:mod:`~posture.statement.skeleton`). Nothing is fetched: the statement is local text.
"""
