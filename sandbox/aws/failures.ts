/**
 * Makes ingestion failures in a domain's dead-letter queue, the way they happen on AWS: it
 * only calls Customer Profiles and KMS through their APIs (PutProfileObject with objects that
 * ingestion will refuse), so the emulator's own ingestion writes the DLQ messages. The
 * sandbox page's "Make ingestion failures" and `npm run sandbox:failures` both use it.
 *
 * What each class needs (sandbox/aws/README.md, "Customer Profiles ingestion"):
 * - throttled: several objects for one profile within a second;
 * - missing-key: an object without its UNIQUE key's field;
 * - multi-profile: an object whose keys find two existing profiles;
 * - too-large: an object over 256,000 UTF-8 bytes yet under the API's 256,000-character limit;
 * - kms: an object of a type encrypted with a key that is disabled.
 * Classes are named as the bot's digest names them (src/dlq/classify.ts).
 */
import { randomBytes } from "node:crypto";
import {
  type CustomerProfilesClient,
  GetDomainCommand,
  GetProfileObjectTypeCommand,
  ListDomainsCommand,
  PutProfileObjectCommand,
  PutProfileObjectTypeCommand,
  type PutProfileObjectTypeCommandInput,
} from "@aws-sdk/client-customer-profiles";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { CRM_CONTACT_TYPE } from "./services/profiles-seed.js";

/** The object type the failing objects use: the seeded CRM contacts' type. */
export const CONTACT_TYPE = "CRM-Contact";
/** The same type, encrypted with a key this module disables: the source of `kms` failures. */
export const ENCRYPTED_CONTACT_TYPE = "CRM-Contact-Encrypted";
/** The key behind ENCRYPTED_CONTACT_TYPE, disabled every time failures are made. */
export const FAILURES_KEY_ALIAS = "alias/sandbox-failures-disabled";

export interface FailureClients {
  profiles: CustomerProfilesClient;
  kms: KMSClient;
}

/** What was sent: objects that will land in the DLQ, in total and per digest class. */
export interface FailuresMade {
  sent: number;
  classes: Record<string, number>;
}

/** A refusal worth showing to a person as it is: it says what to do instead. */
export class FailureMakerError extends Error {
  override name = "FailureMakerError";
}

const errorName = (err: unknown): string => (err as { name?: string })?.name ?? "Error";

/** Runs one AWS call; an unexpected error names the call, the AWS code and what to check. */
async function call<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof FailureMakerError) throw err;
    throw new FailureMakerError(
      `${name} failed (${errorName(err)}: ${(err as Error).message}). Is the sandbox's AWS emulator running at the endpoint given?`,
    );
  }
}

const isNotFound = (err: unknown): boolean =>
  ["ResourceNotFoundException", "NotFoundException"].includes(errorName(err));

/** Domains whose failed objects reach a dead-letter queue: the ones failures can be made in. */
export async function domainsWithDlq(profiles: CustomerProfilesClient): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await call("ListDomains", () =>
      profiles.send(new ListDomainsCommand({ NextToken: token })),
    );
    names.push(...(page.Items ?? []).flatMap((d) => (d.DomainName ? [d.DomainName] : [])));
    token = page.NextToken;
  } while (token);
  const withDlq: string[] = [];
  for (const name of names) {
    const domain = await call(`GetDomain ${name}`, () =>
      profiles.send(new GetDomainCommand({ DomainName: name })),
    );
    if (domain.DeadLetterQueueUrl) withDlq.push(name);
  }
  return withDlq.sort();
}

async function checkDomain(profiles: CustomerProfilesClient, domain: string): Promise<void> {
  try {
    const found = await profiles.send(new GetDomainCommand({ DomainName: domain }));
    if (!found.DeadLetterQueueUrl) {
      throw new FailureMakerError(
        `Domain ${domain} has no dead-letter queue, so its failed objects are dropped and no digest can show them. Enable Customer Profiles with /profiles enable (the wizard creates a queue) and make failures in that domain.`,
      );
    }
  } catch (err) {
    if (isNotFound(err)) {
      throw new FailureMakerError(
        `There is no domain ${domain} in the sandbox's AWS emulator. Enable one with /profiles enable, or pick one of those listed.`,
      );
    }
    throw err;
  }
}

const contactTypeInput = CRM_CONTACT_TYPE as Pick<
  PutProfileObjectTypeCommandInput,
  "Description" | "AllowProfileCreation" | "Fields" | "Keys"
>;

/** Defines the contact type unless it exists; one with other keys would fail differently. */
async function ensureContactType(profiles: CustomerProfilesClient, domain: string): Promise<void> {
  let keys: unknown;
  try {
    const found = await profiles.send(
      new GetProfileObjectTypeCommand({ DomainName: domain, ObjectTypeName: CONTACT_TYPE }),
    );
    keys = found.Keys;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await call(`PutProfileObjectType ${CONTACT_TYPE}`, () =>
      profiles.send(
        new PutProfileObjectTypeCommand({
          DomainName: domain,
          ObjectTypeName: CONTACT_TYPE,
          ...contactTypeInput,
        }),
      ),
    );
    return;
  }
  if (JSON.stringify(keys) !== JSON.stringify(CRM_CONTACT_TYPE.Keys)) {
    throw new FailureMakerError(
      `Domain ${domain}'s object type ${CONTACT_TYPE} has other keys than the sandbox's, so its objects would not fail as intended. Make failures in another domain, or restart the sandbox to start over.`,
    );
  }
}

/** The failures key's ARN, created (enabled) on first use. */
async function failuresKey(kms: KMSClient): Promise<string> {
  try {
    const found = await kms.send(new DescribeKeyCommand({ KeyId: FAILURES_KEY_ALIAS }));
    const arn = found.KeyMetadata?.Arn ?? "";
    if (found.KeyMetadata?.KeyState === "Disabled") {
      await call("EnableKey", () => kms.send(new EnableKeyCommand({ KeyId: arn })));
    }
    return arn;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const created = await call("CreateKey", () =>
    kms.send(
      new CreateKeyCommand({
        Description: "Sandbox: disabled on purpose so Customer Profiles can't use it",
      }),
    ),
  );
  const arn = created.KeyMetadata?.Arn ?? "";
  await call("CreateAlias", () =>
    kms.send(new CreateAliasCommand({ AliasName: FAILURES_KEY_ALIAS, TargetKeyId: arn })),
  );
  return arn;
}

/**
 * The encrypted type exists with the failures key, and that key is disabled. Customer
 * Profiles accepts only an enabled key when the type is defined, so the key is enabled for
 * that call and disabled after it.
 */
async function ensureEncryptedType(clients: FailureClients, domain: string): Promise<void> {
  const { profiles, kms } = clients;
  let keyRef: string | undefined;
  try {
    const found = await profiles.send(
      new GetProfileObjectTypeCommand({
        DomainName: domain,
        ObjectTypeName: ENCRYPTED_CONTACT_TYPE,
      }),
    );
    keyRef = found.EncryptionKey;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!keyRef) {
    keyRef = await failuresKey(kms);
    const encryptionKey = keyRef;
    await call(`PutProfileObjectType ${ENCRYPTED_CONTACT_TYPE}`, () =>
      profiles.send(
        new PutProfileObjectTypeCommand({
          DomainName: domain,
          ObjectTypeName: ENCRYPTED_CONTACT_TYPE,
          ...contactTypeInput,
          EncryptionKey: encryptionKey,
        }),
      ),
    );
  }
  const key = await call("DescribeKey", () => kms.send(new DescribeKeyCommand({ KeyId: keyRef })));
  // A key someone re-enabled (to see KMS failures re-ingest) is disabled again; a deleted one
  // fails ingestion just as well.
  if (key.KeyMetadata?.KeyState === "Enabled") {
    await call("DisableKey", () => kms.send(new DisableKeyCommand({ KeyId: keyRef })));
  }
}

const contact = (run: string, account: string | undefined, email: string) => ({
  ...(account !== undefined ? { AccountNumber: account } : {}),
  FirstName: "Sandbox",
  LastName: `Failure ${run}`,
  Email: email,
  Phone: "+15555550199",
});

/**
 * Puts the objects that fail, in an order ingestion keeps (it processes arrivals in order):
 * the profiles a failure needs exist before the object that meets them.
 */
export async function makeFailures(clients: FailureClients, domain: string): Promise<FailuresMade> {
  const { profiles } = clients;
  await checkDomain(profiles, domain);
  await ensureContactType(profiles, domain);
  await ensureEncryptedType(clients, domain);

  // Fresh accounts each time, so a second run fails the same way as the first.
  const run = randomBytes(3).toString("hex");
  const put = (type: string, object: object) =>
    call(`PutProfileObject ${type}`, () =>
      profiles.send(
        new PutProfileObjectCommand({
          DomainName: domain,
          ObjectTypeName: type,
          Object: JSON.stringify(object),
        }),
      ),
    );
  const throttledAccount = `T-${run}`;
  const throttledEmail = `throttled-${run}@example.com`;
  const otherAccount = `P-${run}`;
  const otherEmail = `other-${run}@example.com`;

  // One profile gets four objects at once: the first is accepted, the others are throttled.
  await Promise.all(
    [1, 2, 3, 4].map(() => put(CONTACT_TYPE, contact(run, throttledAccount, throttledEmail))),
  );
  // A second profile; then objects whose account finds one profile and email the other.
  await put(CONTACT_TYPE, contact(run, otherAccount, otherEmail));
  await put(CONTACT_TYPE, contact(run, throttledAccount, otherEmail));
  await put(CONTACT_TYPE, contact(run, otherAccount, throttledEmail));
  // No AccountNumber, the UNIQUE key's field.
  await put(CONTACT_TYPE, contact(run, undefined, `no-account-${run}@example.com`));
  await put(CONTACT_TYPE, contact(run, undefined, `no-account-2-${run}@example.com`));
  // 2 bytes per "é": over 256,000 bytes, under 256,000 characters.
  await put(CONTACT_TYPE, {
    ...contact(run, `L-${run}`, `large-${run}@example.com`),
    Notes: "é".repeat(128_100),
  });
  await put(ENCRYPTED_CONTACT_TYPE, contact(run, `K1-${run}`, `kms-1-${run}@example.com`));
  await put(ENCRYPTED_CONTACT_TYPE, contact(run, `K2-${run}`, `kms-2-${run}@example.com`));

  const classes = {
    throttled: 3,
    "missing-key": 2,
    kms: 2,
    "too-large": 1,
    "multi-profile": 2,
  };
  return { sent: Object.values(classes).reduce((a, b) => a + b, 0), classes };
}
