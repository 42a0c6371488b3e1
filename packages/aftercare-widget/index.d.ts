// Types of the Aftercare widget's JavaScript API (window.Aftercare) and of every event
// it fires, for the ES module (`load`) and for pages that use the script tag.

/** A channel of the panel. */
export type ChannelKind = "chat" | "phone" | "email" | "weibo" | "wechat";

/** A problem type of the guided after-sale request. */
export type ProblemType = "quality" | "logistics" | "not_as_described" | "seller_service" | "no_reason_return";

/** A case's state, as the backend names it (openapi.json's `CaseState`; a test keeps them equal). */
export type CaseState =
  | "awaiting_seller"
  | "seller_refused"
  | "awaiting_return_shipment"
  | "awaiting_seller_receipt"
  | "awaiting_resolution"
  | "escalated"
  | "offer_pending"
  | "offer_declined"
  | "evidence_round"
  | "ruled"
  | "resolved"
  | "closed"
  | "withdrawn";

/** What a shopper did with a channel (`aftercare:channel`). */
export type ChannelAction = "open" | "call" | "copy" | "email" | "chat";

export interface OrderItem {
  id: string;
  name: string;
  quantity: number;
  /** Integer minor units (fen). */
  price: number;
  currency: string;
  sku?: string;
  image?: string;
}

export interface Order {
  id: string;
  items: OrderItem[];
  state?: "paid" | "shipped" | "delivered";
  /** `YYYY-MM-DD` or RFC 3339. */
  delivered_at?: string;
  carrier?: string;
  tracking_number?: string;
}

export interface Contact {
  name?: string;
  phone?: string;
  email?: string;
}

/** What the tag's data-* attributes say, in camelCase (`Aftercare.boot`, `load`). */
export interface Settings {
  /** Base URL of an Aftercare backend. */
  endpoint?: string;
  merchant?: string;
  /** `zh-CN` or `en`. */
  locale?: string;
  order?: Order | string;
  /** A signed order token from your server. */
  orderToken?: string;
  contact?: Contact | string;
  /** Configuration (a JSON Merge Patch over the defaults and the backend's). */
  config?: Record<string, unknown> | string;
  preload?: "idle";
  /** `inline`: the panel in the element `target` names, in the page's flow. */
  mode?: "popup" | "inline";
  /** A CSS selector, for `mode: "inline"`. */
  target?: string;
  /** `none`: no floating launcher; elements with `data-aftercare-open` open the widget. */
  launcher?: "none";
  theme?: "light" | "dark";
}

export interface LoadOptions extends Settings {
  /** Where the built widget (`dist/`) is hosted: the folder holding `aftercare.js`. */
  assetsUrl: string;
}

/** Each event's `detail`, by the name `on()` takes (DOM events are `aftercare:<name>`). */
export interface AftercareEvents {
  open: Record<string, never>;
  close: Record<string, never>;
  channel: { kind: ChannelKind; action: ChannelAction };
  "chat-handoff": { order_id: string | null; url?: string };
  "case-submitted": { caseId: string; number: string };
  "case-updated": { case_id: string; number: string; state: CaseState; version: number };
  "token-expired": null;
}

export interface AftercareApi {
  readonly version: string;
  open(): void;
  close(): void;
  openChannel(kind: ChannelKind): void;
  openAfterSale(type?: ProblemType | null): void;
  openRequests(): void;
  openCase(id: string): void;
  setOrder(order: Order): void;
  setOrderToken(token: string | null): void;
  /** Called when the backend says the order token expired; resolve with a fresh one. */
  onTokenRequest(handler: () => string | null | Promise<string | null>): void;
  setLocale(locale: string): void;
  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof AftercareEvents>(event: K, handler: (detail: AftercareEvents[K], event: CustomEvent<AftercareEvents[K]>) => void): () => void;
  /** Removes the widget, its listeners and timers; drafts are kept unless `forgetDrafts`. */
  shutdown(options?: { forgetDrafts?: boolean }): void;
  /** Starts the widget again with `settings` (shutting down the one running). */
  boot(settings?: Settings): void;
}

/** Adds the loader from `assetsUrl`, boots the widget with the rest, resolves with the API. */
export function load(options: LoadOptions): Promise<AftercareApi>;

declare global {
  interface Window {
    Aftercare?: AftercareApi & { q?: unknown[][] };
  }
  interface HTMLElementEventMap {
    "aftercare:open": CustomEvent<AftercareEvents["open"]>;
    "aftercare:close": CustomEvent<AftercareEvents["close"]>;
    "aftercare:channel": CustomEvent<AftercareEvents["channel"]>;
    "aftercare:chat-handoff": CustomEvent<AftercareEvents["chat-handoff"]>;
    "aftercare:case-submitted": CustomEvent<AftercareEvents["case-submitted"]>;
    "aftercare:case-updated": CustomEvent<AftercareEvents["case-updated"]>;
    "aftercare:token-expired": CustomEvent<AftercareEvents["token-expired"]>;
  }
}
