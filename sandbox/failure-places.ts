/**
 * The page's "Make ingestion failures" over every place the sandbox's bot serves: the domains
 * with a dead-letter queue in each account and region of AWS_TARGETS, labelled with the place
 * as the bot names it (`partner (444455556666) · eu-west-1`), and the failures made in the
 * place picked. A role target is reached as the bot reaches it, by assuming its role with its
 * external id (session `profiles-bot-sandbox-failures`), so the emulator files the objects,
 * their KMS key and the DLQ messages in that account.
 */
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { type AwsClientConfig, type AwsClients, createAwsClients } from "../src/aws/clients.js";
import { describeTarget, type Place, parseRefId, placeId, refId } from "../src/aws/targets.js";
import type { TargetConfig } from "../src/config.js";
import { domainsWithDlq, FailureMakerError, makeFailures } from "./aws/failures.js";
import { ACCOUNT_ID } from "./aws/index.js";
import type { FailureDomain, MadeFailures } from "./slack/index.js";

/** What AssumeRole's log in the emulator shows for the page's own calls in a role target. */
export const FAILURES_SESSION = "profiles-bot-sandbox-failures";

interface ServedPlace extends Place {
  target: TargetConfig;
  label: string;
}

export interface FailurePlaces {
  domains(): Promise<FailureDomain[]>;
  /** `value`: a FailureDomain's, the domain's refId. */
  makeFailures(value: string): Promise<MadeFailures>;
  destroy(): void;
}

/**
 * `targets` is read at each call (the bot's configuration is loaded after the page starts);
 * `aws` holds the emulator's endpoint and the sandbox's own credentials.
 */
export function failurePlaces(
  targets: () => readonly TargetConfig[],
  aws: AwsClientConfig,
): FailurePlaces {
  const clients = new Map<string, AwsClients>();

  const served = (): ServedPlace[] =>
    targets().flatMap((target) => {
      // Own credentials: the emulator's default account, as the bot's STS call finds it.
      const account = target.account ?? ACCOUNT_ID;
      return target.regions.map((region) => ({
        account,
        region,
        target,
        label: describeTarget({ ...target, account }, { account, region }),
      }));
    });

  const clientsIn = (place: ServedPlace): AwsClients => {
    const key = placeId(place);
    let made = clients.get(key);
    if (made) return made;
    const { roleArn, externalId } = place.target;
    made = createAwsClients({
      ...aws,
      region: place.region,
      ...(roleArn !== undefined && {
        credentials: fromTemporaryCredentials({
          params: {
            RoleArn: roleArn,
            RoleSessionName: FAILURES_SESSION,
            ...(externalId !== undefined && { ExternalId: externalId }),
          },
          ...(aws.credentials !== undefined && { masterCredentials: aws.credentials }),
          clientConfig: { region: place.region, endpoint: aws.endpoint },
        }),
      }),
    });
    clients.set(key, made);
    return made;
  };

  return {
    async domains() {
      const places = served();
      const listed = await Promise.all(
        places.map(async (place) => {
          // A place the sandbox can't read (a role refused) lists nothing; the others still do.
          const names = await domainsWithDlq(clientsIn(place).profiles).catch(() => []);
          return names.map((domain) => ({
            value: refId({ ...place, domain }),
            // One place: the names alone, as the page always showed them.
            label: places.length > 1 ? `${domain} · ${place.label}` : domain,
          }));
        }),
      );
      return listed.flat();
    },
    async makeFailures(value) {
      const ref = parseRefId(value);
      const place =
        ref && served().find((p) => p.account === ref.account && p.region === ref.region);
      if (!ref || !place) {
        throw new FailureMakerError(
          `"${value.slice(0, 100)}" is not a domain of a place the sandbox serves: pick one of the list.`,
        );
      }
      return makeFailures(clientsIn(place), ref.domain);
    },
    destroy() {
      for (const set of clients.values()) set.destroy();
      clients.clear();
    },
  };
}
