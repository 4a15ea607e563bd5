"""Open WebUI's own settings, as its source reads them (open_webui/env.py and config.py at 0.11.0)."""

from __future__ import annotations

import re
from typing import Any, Optional

from stack_config.values import Parser, Rejected, text

# An address as Open WebUI accepts one at sign-up (validate_email_format, open_webui/utils/misc.py):
# something before an @ and a dotted domain after it, or `@localhost`; no spaces. It stores it
# lowercased (create_admin_user, open_webui/utils/auth.py).
_EMAIL_RE = re.compile(r"^[^@\s]+@(?:[^@\s]+\.[^@\s]+|localhost)$")
# RFC 9110 §5.1 field names: a token.
_HEADER_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_SIZE_RE = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")

# WEBUI_SECRET_KEY signs every session's JWT with HS256 (open_webui/utils/auth.py: SESSION_SECRET,
# ALGORITHM, create_token):
# RFC 7518 §3.2 asks for a key of at least 256 bits, 32 characters of `openssl rand -hex 32`'s 64.
MIN_SECRET_KEY_LENGTH = 32


def email_address(value: Any) -> str:
    accepted = "an email address such as admin@example.com (the admin account's sign-in name)"
    written = text(value, accepted)
    if len(written) > 254 or not _EMAIL_RE.match(written):
        raise Rejected(accepted)
    return written.lower()


# bcrypt, Open WebUI's default PASSWORD_HASH_ALGORITHM, hashes at most 72 bytes; the sign-up path
# refuses a longer password (validate_password, PASSWORD_BCRYPT_MAX_BYTES in open_webui/utils/auth.py),
# the start-up admin path does not check, and its failure is only logged: no admin, an unclaimed instance.
BCRYPT_MAX_BYTES = 72
# NIST SP 800-63B-4 §3.1.1.2: a password that is the only factor is at least 15 characters.
MIN_PASSWORD_LENGTH = 15


def secret_text(min_length: int, what: str, max_bytes: Optional[int] = None) -> Parser[str]:
    most = f" and at most {max_bytes} bytes in UTF-8" if max_bytes else ""
    accepted = f"{what}: text of at least {min_length} characters{most}, stored with `pulumi config set --secret --path`"

    def parse(value: Any) -> str:
        if not isinstance(value, str) or len(value) < min_length or (max_bytes and len(value.encode()) > max_bytes):
            raise Rejected(accepted)
        return value

    return parse


def header_name(value: Any) -> str:
    accepted = "an HTTP header name such as X-Forwarded-Email"
    written = text(value, accepted)
    if len(written) > 128 or not _HEADER_RE.match(written):
        raise Rejected(accepted)
    return written


def image_size(value: Any) -> str:
    """IMAGE_SIZE: `<width>x<height>` (open_webui/routers/images.py splits it on `x`)."""
    accepted = "a size in pixels as <width>x<height>, such as 1024x1024"
    written = text(value, accepted)
    if not _SIZE_RE.match(written):
        raise Rejected(accepted)
    return written
