"""Bone marrow edema pathway wizard.

Rooms: ``content`` (what editors own), ``pathway`` (pure Python: question vocabulary,
condition evaluation), ``clinic`` (what clinicians touch).
"""
