"""How editors are named on pages, history and messages."""

from __future__ import annotations

DELETED_ACCOUNT = "a deleted account"


def person_name(user) -> str:
    """An editor's full name, else their username; "a deleted account" once the account is gone."""
    if user is None:
        return DELETED_ACCOUNT
    return user.get_full_name() or user.get_username()
