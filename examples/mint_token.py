"""Mints an Aftercare order token on a merchant's server (Python 3, standard library only).

    python3 examples/mint_token.py <merchant-id> <kid> <secret-hex> <shopper-id> '<order snapshot JSON>'

The snapshot: {"order_id", "item_ids", "state"?, "delivered_at"?, "prices"?: [{"item_id",
"quantity", "unit_price", "currency"}]}; the prices (minor units) cap every refund.

With PyJWT installed, the same is:
    jwt.encode(claims, bytes.fromhex(secret_hex), algorithm="HS256", headers={"kid": kid})
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import uuid


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def order_token(merchant_id, kid, secret_hex, shopper_id, order, ttl_seconds=1800):
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    claims = {
        "iss": merchant_id,
        "aud": "aftercare",
        "sub": shopper_id,
        "order_id": order["order_id"],
        "order": order,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = hmac.new(bytes.fromhex(secret_hex), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


if __name__ == "__main__":
    merchant_id, kid, secret_hex, shopper_id, order = sys.argv[1:6]
    print(order_token(merchant_id, kid, secret_hex, shopper_id, json.loads(order)))
