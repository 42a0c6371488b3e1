// Mints an Aftercare order token on a merchant's server (Node.js, no dependencies).
//
//   node examples/mint-token.mjs <merchant-id> <kid> <secret-hex> <shopper-id> '<order snapshot JSON>'
//
// The snapshot is what the case rules need: {"order_id", "item_ids", "state"?, "delivered_at"?,
// "prices"?: [{"item_id", "quantity", "unit_price", "currency"}]} — what was paid per item
// (minor units), the cap on any refund, offer or ruling.
import { createHmac, randomUUID } from "node:crypto";

export function orderToken({ merchantId, kid, secretHex, shopperId, order, ttlSeconds = 1800 }) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const header = encode({ alg: "HS256", typ: "JWT", kid });
  const claims = encode({
    iss: merchantId,
    aud: "aftercare",
    sub: shopperId,
    order_id: order.order_id,
    order,
    iat: now,
    exp: now + ttlSeconds,
    jti: randomUUID(),
  });
  const signature = createHmac("sha256", Buffer.from(secretHex, "hex")).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${signature}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [merchantId, kid, secretHex, shopperId, order] = process.argv.slice(2);
  console.log(orderToken({ merchantId, kid, secretHex, shopperId, order: JSON.parse(order) }));
}
