"""Verifies an Aftercare webhook delivery on the merchant's server (Python 3, standard
library only). Check the signature over the raw body bytes, before parsing them.

    python3 examples/verify_webhook.py <secret> '<Aftercare-Signature header>' <file with the body>
    (prints "valid" and exits 0, or "invalid" and exits 1)
"""
import hashlib
import hmac
import sys
import time

TOLERANCE_SECS = 5 * 60


def verify(secret: str, header: str, body: bytes, now_secs: int | None = None) -> bool:
    now_secs = int(time.time()) if now_secs is None else now_secs
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or abs(now_secs - timestamp) > TOLERANCE_SECS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


if __name__ == "__main__":
    secret, header, path = sys.argv[1:4]
    with open(path, "rb") as file:
        valid = verify(secret, header, file.read())
    print("valid" if valid else "invalid")
    sys.exit(0 if valid else 1)
