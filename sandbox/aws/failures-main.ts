/**
 * `npm run sandbox:failures -- --domain NAME`: puts a mix of objects that fail ingestion into
 * a domain of the running sandbox, through the emulator's API, so the domain's dead-letter
 * queue fills and the bot's next scan posts a digest. Without --domain it lists the domains
 * that have a dead-letter queue.
 *
 *   --domain NAME     the domain (e.g. amazon-connect-examplecorp)
 *   --endpoint URL    the AWS emulator (default http://127.0.0.1:4566, as npm run sandbox prints)
 *   --region R        default us-east-1
 */
import { parseArgs } from "node:util";
import { createAwsClients } from "../../src/aws/clients.js";
import { domainsWithDlq, FailureMakerError, makeFailures } from "./failures.js";

function fail(message: string, code = 1): never {
  process.stderr.write(`sandbox:failures: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { domain?: string; endpoint?: string; region?: string };
  try {
    ({ values } = parseArgs({
      options: {
        domain: { type: "string" },
        endpoint: { type: "string" },
        region: { type: "string" },
      },
    }));
  } catch (err) {
    return fail(`${(err as Error).message}. Usage: npm run sandbox:failures -- --domain NAME`, 2);
  }
  const endpoint = values.endpoint ?? "http://127.0.0.1:4566";
  if (!URL.canParse(endpoint)) fail(`--endpoint must be a URL, got "${endpoint}".`, 2);
  // The emulator checks no signature; these only let the SDK sign.
  const clients = createAwsClients({
    endpoint,
    region: values.region ?? "us-east-1",
    credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
    maxAttempts: 3,
  });
  try {
    if (!values.domain) {
      const domains = await domainsWithDlq(clients.profiles);
      fail(
        domains.length
          ? `Name a domain with --domain: ${domains.join(", ")} (these have a dead-letter queue).`
          : "No domain has a dead-letter queue yet: enable one in the sandbox page with /profiles enable, then run this again with --domain NAME.",
        2,
      );
    }
    const made = await makeFailures(clients, values.domain);
    const classes = Object.entries(made.classes)
      .map(([name, n]) => `${name} ${n}`)
      .join(", ");
    process.stdout.write(
      `Sent ${made.sent} objects to ${values.domain} that fail ingestion (${classes}).\n` +
        "Ingestion refuses them within a moment and writes them to its dead-letter queue; the digest shows them after the bot's next scan " +
        "(DLQ_SCAN_INTERVAL; App Home's Scan now is sooner) in the channel its alerts go to.\n",
    );
  } catch (err) {
    if (err instanceof FailureMakerError) fail(err.message);
    throw err;
  } finally {
    clients.destroy();
  }
}

void main();
