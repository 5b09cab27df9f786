"""Typed shapes of fact values, one module per fact family.

A fact family (``posture.collect.facts.<family>``) parses a target's output into one of these
shapes; checks read it through ``checks.base.shaped``. The shapes sit at the base of the
house, beside ``posture.models``, so checks can import them without importing collection.
"""
