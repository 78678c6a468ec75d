/**
 * The Inspect modals the bot opened: for each view id Slack gave it, the domain (with its
 * account and region) and class it showed and the message ids it offered "Re-ingest this message" for. A click in a modal is
 * acted on only when its view is here and its value names that domain and one of those
 * messages, so a value copied from another domain's modal, or typed into a forged request,
 * acts on nothing. A day in Redis: longer than anyone keeps a modal open.
 */
import { type DomainRef, parseRefId, refId } from "../../aws/targets.js";
import type { DlqClass } from "../../dlq/classify.js";
import type { Redis } from "../../redis.js";

export interface InspectedView extends DomainRef {
  cls: DlqClass;
  messageIds: string[];
}

export interface InspectViewStore {
  remember(viewId: string, view: InspectedView): Promise<void>;
  get(viewId: string): Promise<InspectedView | undefined>;
}

const TTL_SECONDS = 24 * 3600;
/** Slack's view ids (`V…`); anything else is not a view the bot could have opened. */
const VIEW_ID = /^[A-Za-z0-9]{1,64}$/;

export const inspectViewKey = (prefix: string, viewId: string): string =>
  `${prefix}:dlq-inspect-view:${viewId}`;

export class RedisInspectViewStore implements InspectViewStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async remember(viewId: string, view: InspectedView): Promise<void> {
    if (!VIEW_ID.test(viewId)) return;
    const key = inspectViewKey(this.prefix, viewId);
    await this.redis.set(key, JSON.stringify(view), "EX", TTL_SECONDS);
  }

  async get(viewId: string): Promise<InspectedView | undefined> {
    if (!VIEW_ID.test(viewId)) return undefined;
    const raw = await this.redis.get(inspectViewKey(this.prefix, viewId));
    if (!raw) return undefined;
    try {
      const view = JSON.parse(raw) as InspectedView;
      // A record without a place (kept from before) binds nothing.
      return parseRefId(refId(view)) ? view : undefined;
    } catch {
      return undefined;
    }
  }
}
