/**
 * What a click or `/profiles alerts` tells the person, from the outcome the service or
 * src/queues returned: job states in the same words everywhere, who started a running job.
 */
import { describe, expect, it } from "vitest";
import {
  describeInterval,
  renderAlertsSet,
  renderAlertsStopped,
} from "../../src/slack/render/alerts.js";
import {
  renderAlreadyRunning,
  renderMalformedValue,
  renderNotThisDigest,
} from "../../src/slack/render/dlq-clicks.js";
import { renderNoJobId, renderProvisionClick } from "../../src/slack/render/provision-clicks.js";

describe("Retry and Clean up", () => {
  it("names the job's state in the shared words", () => {
    const waiting = { status: "wrong-state", jobId: "enable-i", state: "delayed" } as const;
    expect(renderProvisionClick("retry", waiting)).toBe(
      "This job is waiting to start already, so Retry did nothing.",
    );
    const done = { status: "wrong-state", jobId: "enable-i", state: "completed" } as const;
    expect(renderProvisionClick("cleanup", done)).toBe(
      "This job is finished; only a failed job can be cleaned up.",
    );
  });

  it("tells a second clicker that nothing more was started", () => {
    expect(renderProvisionClick("cleanup", { status: "busy", jobId: "enable-i" })).toMatch(
      /nothing more was started/,
    );
    expect(renderProvisionClick("retry", { status: "cleaning-up", jobId: "enable-i" })).toMatch(
      /retry once it has finished/,
    );
  });
});

describe("dead-letter buttons", () => {
  it("says who started a running job, or that it was the clicker", () => {
    expect(renderAlreadyRunning("reingest", "U0A", "U0B")).toContain("(started by <@U0A>)");
    expect(renderAlreadyRunning("discard", "U0A", "U0A")).toContain("(started by you)");
  });

  it("says what is wrong with a refused value, and that nothing changed", () => {
    const malformed = renderMalformedValue("the class is not a dead-letter class");
    expect(malformed).toContain("(the class is not a dead-letter class)");
    expect(malformed).toContain("Nothing was changed");
    const elsewhere = renderNotThisDigest("orders");
    expect(elsewhere).toContain(
      "names `orders`, but it was not clicked on that domain's current digest",
    );
    expect(elsewhere).toContain("Nothing was changed");
    expect(renderNoJobId("it is missing")).toContain("(it is missing), so nothing was started");
  });
});

describe("/profiles alerts", () => {
  it("names the channel, where it moved from, the queue and the interval", () => {
    const text = renderAlertsSet(
      {
        status: "bound",
        domain: "orders",
        channelId: "C0NEW",
        queueUrl: "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-dlq",
        movedFrom: "C0OLD",
      },
      300_000,
    );
    expect(text).toContain("will go to <#C0NEW> (moved from <#C0OLD>)");
    expect(text).toContain("`orders-dlq` is scanned every 5 minutes");
    expect(renderAlertsStopped({ status: "not-bound", domain: "orders" })).toContain(
      "Nothing changed",
    );
  });

  it("describes intervals in the largest whole unit", () => {
    expect([3_600_000, 60_000, 90_000, 1_000].map(describeInterval)).toEqual([
      "1 hour",
      "1 minute",
      "90 seconds",
      "1 second",
    ]);
  });
});
