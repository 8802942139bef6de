"""Errors the user can act on."""


class UserError(Exception):
    """A problem the user can fix; the message says what is wrong, where, and what to do."""
