/**
 * The Customer Profiles seed: a domain that predates the bot, so the enable wizard and
 * provisioning meet an existing link, and the object type the bot defines for CRM contacts.
 */
import { accountOf, type EmulatorState } from "../state.js";
import { instanceArn, loadConnectSeed } from "./connect.js";
import { ingest, uniqueKeyOf } from "./profiles-ingestion.js";
import {
  type Domain,
  domainArn,
  type ObjectTypeField,
  type ObjectTypeKey,
  type ProfileObjectType,
  profileState,
} from "./profiles-state.js";

/** The `CRM-Contact` object type: one object per account number, which also finds the profile. */
export const CRM_CONTACT_TYPE: {
  Description: string;
  AllowProfileCreation: boolean;
  Fields: Record<string, ObjectTypeField>;
  Keys: Record<string, ObjectTypeKey[]>;
} = {
  Description: "Contacts exported from the legacy CRM",
  AllowProfileCreation: true,
  Fields: {
    AccountNumber: {
      Source: "_source.AccountNumber",
      Target: "_profile.AccountNumber",
      ContentType: "STRING",
    },
    FirstName: { Source: "_source.FirstName", Target: "_profile.FirstName", ContentType: "NAME" },
    LastName: { Source: "_source.LastName", Target: "_profile.LastName", ContentType: "NAME" },
    Email: {
      Source: "_source.Email",
      Target: "_profile.EmailAddress",
      ContentType: "EMAIL_ADDRESS",
    },
    Phone: { Source: "_source.Phone", Target: "_profile.PhoneNumber", ContentType: "PHONE_NUMBER" },
  },
  Keys: {
    _account: [{ StandardIdentifiers: ["PROFILE", "UNIQUE"], FieldNames: ["AccountNumber"] }],
    _email: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["Email"] }],
  },
};

const SEED_CONTACTS = [
  {
    AccountNumber: "1001",
    FirstName: "Ana",
    LastName: "Silva",
    Email: "ana.silva@example.com",
    Phone: "+15555550101",
  },
  {
    AccountNumber: "1002",
    FirstName: "Ben",
    LastName: "Okafor",
    Email: "ben.okafor@example.com",
    Phone: "+15555550102",
  },
  {
    AccountNumber: "1003",
    FirstName: "Chen",
    LastName: "Wei",
    Email: "chen.wei@example.com",
    Phone: "+15555550103",
  },
];

/**
 * A domain that predates the bot: `amazon-connect-legacy`, linked to the second seeded
 * Connect instance (`legacy-support`), no key and no DLQ, with a few CRM contacts.
 */
export function seedProfiles(
  state: EmulatorState,
  { region }: { region: string; baseUrl: string },
): void {
  const name = "amazon-connect-legacy";
  const created = Date.parse("2021-06-01T10:00:00Z");
  const legacy = loadConnectSeed()[1];
  if (!legacy) throw new Error("seed/connect-instances.json must list at least two instances.");
  const type: ProfileObjectType = {
    name: "CRM-Contact",
    description: CRM_CONTACT_TYPE.Description,
    allowProfileCreation: true,
    fields: structuredClone(CRM_CONTACT_TYPE.Fields),
    keys: structuredClone(CRM_CONTACT_TYPE.Keys),
    tags: {},
    createdAt: created,
    lastUpdatedAt: created,
  };
  const domain: Domain = {
    name,
    region,
    arn: domainArn(region, name, accountOf(state)),
    defaultExpirationDays: 366,
    tags: {},
    createdAt: created,
    lastUpdatedAt: created,
    integrations: [
      {
        uri: instanceArn(region, legacy.id, accountOf(state)),
        objectTypeName: "CTR",
        tags: {},
        createdAt: created,
        lastUpdatedAt: created,
      },
    ],
    objectTypes: { [type.name]: type },
    profiles: {},
    objects: {},
    droppedDeadLetters: 0,
  };
  profileState(state).domains[`${region}/${name}`] = domain;
  SEED_CONTACTS.forEach((contact, i) => {
    const objectJson = JSON.stringify(contact);
    // No options: seeding bypasses the size and rate checks that only live traffic meets.
    ingest(
      state,
      undefined,
      domain,
      type,
      objectJson,
      uniqueKeyOf(domain, type, objectJson),
      created + i,
    );
  });
}
