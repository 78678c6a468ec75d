import { z } from "zod";
import type { EnableFacts, EnableInput } from "./plan.js";
import { invalid, type Validation, valid } from "./validation.js";

/**
 * Shapes for plans that arrive as JSON (the CLI's input file, a wizard draft read back from
 * Redis). They check structure only: names and numbers are judged by buildPlan, which turns
 * bad values into blockers with sentences a person can act on.
 */

const instanceSchema = z.object({
  id: z.string(),
  arn: z.string(),
  alias: z.string().optional(),
});

const domainSchema = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal("new"),
    name: z.string(),
    expirationDays: z.number(),
    dataStore: z.boolean().optional(),
  }),
  z.object({ mode: z.literal("existing"), name: z.string() }),
]);

const dlqSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("keep") }),
  z.object({ mode: z.literal("none") }),
  z.object({ mode: z.literal("new"), name: z.string(), retentionDays: z.number().optional() }),
  z.object({
    mode: z.literal("existing"),
    url: z.string(),
    arn: z.string(),
    mergePolicy: z.boolean(),
    confirmRedrive: z.boolean().optional(),
  }),
]);

const keySchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("keep") }),
  z.object({ mode: z.literal("aws-owned") }),
  z.object({ mode: z.literal("new"), alias: z.string(), description: z.string().optional() }),
  z.object({
    mode: z.literal("existing"),
    keyId: z.string(),
    arn: z.string(),
    updatePolicy: z.boolean(),
    confirmedStatement: z.boolean().default(false),
    alias: z
      .string()
      .regex(/^alias\/[a-zA-Z0-9/_-]{1,250}$/)
      .optional(),
  }),
]);

export const enableInputSchema: z.ZodType<EnableInput> = z.object({
  instance: instanceSchema,
  domain: domainSchema,
  dlq: dlqSchema,
  key: keySchema,
  confirmRelink: z.boolean().default(false),
  confirmReencrypt: z.boolean().default(false),
  channelId: z.string().optional(),
  requestedBy: z.string().optional(),
});

export const enableFactsSchema: z.ZodType<EnableFacts> = z.object({
  accountId: z.string(),
  region: z.string(),
  existingDomains: z.array(z.string()),
  instanceLinkedTo: z.string().optional(),
  linkedDomainProfiles: z.number().int().nonnegative().optional(),
  queuePolicy: z.string().optional(),
  queueRetentionSeconds: z.number().int().nonnegative().optional(),
  queueRedrive: z
    .object({ targetArn: z.string(), maxReceiveCount: z.number().int().positive() })
    .optional(),
  keyPolicy: z.string().optional(),
  keyState: z.string().optional(),
  keyManager: z.string().optional(),
  keySpec: z.string().optional(),
  keyUsage: z.string().optional(),
  existingAliases: z.array(z.string()).optional(),
  existingDomain: z
    .object({
      deadLetterQueueUrl: z.string().optional(),
      defaultEncryptionKey: z.string().optional(),
      profileCount: z.number().int().nonnegative().optional(),
    })
    .optional(),
});

/** One sentence naming the first field that's wrong, e.g. "dlq.mergePolicy: expected boolean". */
const firstIssue = (what: string, error: z.ZodError): string => {
  const [issue] = error.issues;
  if (!issue) return `The ${what} is not valid.`;
  const path = issue.path.map(String).join(".") || "(top level)";
  return `Fix the ${what} at ${path}: ${issue.message}.`;
};

const parseWith = <T>(schema: z.ZodType<T>, what: string, value: unknown): Validation<T> => {
  const result = schema.safeParse(value);
  return result.success ? valid(result.data) : invalid(firstIssue(what, result.error));
};

export const parseEnableInput = (value: unknown): Validation<EnableInput> =>
  parseWith(enableInputSchema, "plan input", value);

export const parseEnableFacts = (value: unknown): Validation<EnableFacts> =>
  parseWith(enableFactsSchema, "AWS facts", value);
