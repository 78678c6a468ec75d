/**
 * Customer Profiles' saved state: the shapes kept in `state.profile` and how to find a domain.
 * It sits apart from the handlers so that the ingestion runtime, the seed and tests can
 * read domains without importing any request handling.
 */
import { ACCOUNT_ID, type EmulatorState } from "../state.js";

export interface ObjectTypeKey {
  StandardIdentifiers?: string[];
  FieldNames?: string[];
}

export interface ObjectTypeField {
  Source?: string;
  Target?: string;
  ContentType?: string;
}

export interface ProfileObjectType {
  name: string;
  description: string;
  templateId?: string;
  expirationDays?: number;
  encryptionKey?: string;
  allowProfileCreation: boolean;
  sourceLastUpdatedTimestampFormat?: string;
  maxProfileObjectCount?: number;
  fields: Record<string, ObjectTypeField>;
  keys: Record<string, ObjectTypeKey[]>;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface Integration {
  uri: string;
  /**
   * Listed only when the caller asks with IncludeHidden. AWS's model names no field or request
   * that makes an integration hidden (integrations AWS sets up for itself are), so only the
   * state sets it: a test or a saved state file.
   */
  hidden?: boolean;
  objectTypeName?: string;
  objectTypeNames?: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface Profile {
  profileId: string;
  /** Key name (e.g. "_account") → the values that identify this profile. */
  keys: Record<string, string[]>;
  /** Standard profile fields set through `_profile.X` targets (FirstName, EmailAddress, ...). */
  fields: Record<string, string>;
  attributes: Record<string, string>;
  createdAt: number;
}

export interface StoredObject {
  uniqueKey: string;
  objectTypeName: string;
  object: string;
  profileId: string;
  /** Key name → value, as computed at ingestion, for ListProfileObjects' ObjectFilter. */
  keys: Record<string, string>;
  ingestedAt: number;
}

export interface Domain {
  name: string;
  region: string;
  arn: string;
  defaultExpirationDays: number;
  defaultEncryptionKey?: string;
  deadLetterQueueUrl?: string;
  matching?: unknown;
  /** DataStore.Enabled as CreateDomain or UpdateDomain last set it; absent when never sent. */
  dataStore?: boolean;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
  integrations: Integration[];
  objectTypes: Record<string, ProfileObjectType>;
  profiles: Record<string, Profile>;
  objects: Record<string, StoredObject>;
  /** Dead-letter writes that could not be delivered (queue gone, policy or key withdrawn). */
  droppedDeadLetters: number;
}

export interface ProfileState {
  /** Keyed `${region}/${name}`: domain names are unique per region. */
  domains: Record<string, Domain>;
  /**
   * When true, PutIntegration refuses a Connect instance URI with AccessDeniedException, as
   * AWS's model warns it may ("link the instance from the Amazon Connect console").
   */
  refuseConnectLinks?: boolean;
}

export function profileState(state: EmulatorState): ProfileState {
  const s = state.profile as Partial<ProfileState>;
  s.domains ??= {};
  return s as ProfileState;
}

export const domainArn = (region: string, name: string, account = ACCOUNT_ID) =>
  `arn:aws:profile:${region}:${account}:domains/${name}`;

export function findDomain(
  state: EmulatorState,
  name: string,
  region = "us-east-1",
): Domain | undefined {
  return profileState(state).domains[`${region}/${name}`];
}

/** The profile ids of a domain, oldest first: for tests. */
export function profileIdsOf(state: EmulatorState, domainName: string, region = "us-east-1") {
  const domain = findDomain(state, domainName, region);
  return domain
    ? Object.values(domain.profiles)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((p) => p.profileId)
    : [];
}
