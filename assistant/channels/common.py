"""What every front end shares, defined once: channel names, the fixed apology and the security headers."""
from __future__ import annotations

from typing import Mapping, Optional

# The channels a conversation can come from (the REST door accepts only these as input_channel).
CHANNELS = ("rest", "kiosk", "telegram")

# What a resident reads when the assistant cannot answer (never silence).
APOLOGY = "申し訳ありません。ただいまお答えできませんでした。少し時間をおいてもう一度お試しください。"


def apology(desk: Optional[Mapping[str, str]] = None) -> str:
    """The apology, with the desk's name, phone and hours when they are known."""
    if not desk:
        return APOLOGY
    return f"{APOLOGY}お急ぎの方は{desk['name']}（電話 {desk['phone']}、{desk['hours']}）にお問い合わせください。"


# Sent with every answer of every web surface; each surface adds its own Content-Security-Policy.
_BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# The Rasa server's JSON routes (REST channel, Rasa's own API): nothing to load, nothing to cache.
API_HEADERS = dict(_BASE_HEADERS, **{
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
})
# The kiosk page: its own scripts, styles and images only (the QR code is a data: image).
KIOSK_HEADERS = dict(API_HEADERS, **{
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
    ),
})
# The staff console (its middleware sets Cache-Control per route: pages no-store, static files no-cache).
STAFF_HEADERS = dict(_BASE_HEADERS, **{
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
})
