/**
 * The dead-letter scan's Slack publisher: one digest message per domain, edited in place;
 * posted again when someone deleted it; the resolved line once the queue is empty; new
 * classes as replies in its thread. Rendering settings (preview mode, the re-ingest pace the
 * confirmation states) come from the configuration.
 */
import type { DigestPublisher, DigestView } from "../../dlq/publisher.js";
import type { PreviewMode } from "../../dlq/redact.js";
import type { Logger } from "../../logger.js";
import type { Notifier } from "../notifier/notifier.js";
import { renderDigest, renderNewClassReply, renderResolved } from "../render/digest.js";

export interface DigestPublisherDeps {
  notifier: Notifier;
  log: Logger;
  preview: PreviewMode;
  /** Objects per second the re-ingest job is paced at, for the Re-ingest confirmation. */
  reingestRate?: number;
}

/** Slack refused the edit because the digest was deleted: post a new one instead. */
const isGone = (err: unknown) =>
  /message_not_found|channel_not_found|cant_update_message/.test(
    String((err as { data?: { error?: string } }).data?.error ?? (err as Error).message),
  );

export function createDigestPublisher(deps: DigestPublisherDeps): DigestPublisher {
  return {
    async publish(channel: string, ts: string | undefined, digest: DigestView) {
      const message = renderDigest({
        ...digest,
        preview: deps.preview,
        now: digest.scannedAt,
        ...(deps.reingestRate !== undefined && { reingestRate: deps.reingestRate }),
      });
      if (ts) {
        try {
          await deps.notifier.update(channel, ts, message);
          return ts;
        } catch (err) {
          if (!isGone(err)) throw err;
          deps.log.info({ channel, domain: digest.domain }, "the digest is gone; posting anew");
        }
      }
      return (await deps.notifier.post(channel, message)).ts;
    },
    async resolve(channel, ts, info) {
      await deps.notifier.update(channel, ts, renderResolved(info));
    },
    async newClass(channel, threadTs, info) {
      await deps.notifier.post(channel, { ...renderNewClassReply(info), threadTs });
    },
  };
}
