"""Privacy: what residents type is normalised and redacted at the door; stores are audited for what slipped through."""
from assistant.privacy.redact import (  # noqa: F401 (the package's public names)
    CORPORATE_NUMBER, EMAIL, MY_NUMBER, PHONE, PIN, Redaction, find_phones, is_corporate_number, is_my_number, redact,
)
