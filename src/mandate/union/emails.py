"""Members' personal email addresses, internationalised as the standard allows.

Django's `EmailValidator` takes an internationalised domain (it tries the IDNA form) but refuses a local part
with any character outside ASCII, so `zoë@example.org` or `用户@例子.广告` were refused on import although mail
servers that offer SMTPUTF8 (RFC 6531) deliver to them. Here the local part follows RFC 5322's dot-atom with
RFC 6532's extension (`atext` also takes any non-ASCII character), and is at most 64 octets in UTF-8 (RFC 5321 s.4.5.3.1.1); the domain is checked by Django's own validator,
IDN included. Control, format, unassigned, private-use and separator characters (a non-breaking space, a
zero-width joiner, a right-to-left override, NUL) are refused everywhere, as are an empty part, a leading,
trailing or doubled dot, and an address longer than 254 octets.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

_ascii = EmailValidator()
# RFC 5322 atext, as a character class, for the ASCII side; RFC 6532 adds every non-ASCII character, checked
# by Unicode category below.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-"
_ATOM = rf"[{_ATEXT}\u0080-\U0010FFFF]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*\Z")
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
MESSAGE = "is not a valid email address"


def _refused_character(text: str) -> str | None:
    for ch in text:
        if ord(ch) > 0x7F and unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ch
    return None


def validate_personal_email(value: str) -> None:
    """Raise ValidationError unless `value` is a well-formed address, internationalised or not."""
    if not isinstance(value, str) or "@" not in value:
        raise ValidationError(MESSAGE, code="invalid")
    if value.isascii():
        _ascii(value)
        return
    if len(value.encode("utf-8")) > 254 or _refused_character(value) is not None:
        raise ValidationError(MESSAGE, code="invalid")
    local, _, domain = value.rpartition("@")
    if not local or len(local.encode("utf-8")) > 64:
        raise ValidationError(MESSAGE, code="invalid")
    if not _DOT_ATOM.match(local):  # a quoted local part is refused, as Django refuses an ASCII one
        raise ValidationError(MESSAGE, code="invalid")
    # The domain (an IDN is taken in its IDNA form) by Django's rules, with a plain local part standing in.
    _ascii(f"x@{domain}")
