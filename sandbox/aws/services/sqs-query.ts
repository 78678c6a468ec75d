/**
 * SQS's older Query protocol (form-encoded `Action=...&Version=2012-11-05`, XML replies),
 * translated to and from the JSON protocol's shapes so one set of handlers serves both.
 * Query lists are "flattened" and 1-based: `Attribute.1.Name`, `MessageAttribute.2.Value.DataType`.
 */

type Tree = { [key: string]: Tree | string };

/** How a flattened Query list maps onto the JSON protocol's member. */
type ListRule =
  | { to: string; kind: "list" }
  | { to: string; kind: "structs" }
  | { to: string; kind: "map"; key: "Name" | "Key"; value: "Value" };

const LIST_RULES: Record<string, ListRule> = {
  Attribute: { to: "Attributes", kind: "map", key: "Name", value: "Value" },
  Tag: { to: "Tags", kind: "map", key: "Key", value: "Value" },
  MessageAttribute: { to: "MessageAttributes", kind: "map", key: "Name", value: "Value" },
  MessageSystemAttribute: {
    to: "MessageSystemAttributes",
    kind: "map",
    key: "Name",
    value: "Value",
  },
  AttributeName: { to: "AttributeNames", kind: "list" },
  MessageAttributeName: { to: "MessageAttributeNames", kind: "list" },
  MessageSystemAttributeName: { to: "MessageSystemAttributeNames", kind: "list" },
  TagKey: { to: "TagKeys", kind: "list" },
  SendMessageBatchRequestEntry: { to: "Entries", kind: "structs" },
  DeleteMessageBatchRequestEntry: { to: "Entries", kind: "structs" },
  ChangeMessageVisibilityBatchRequestEntry: { to: "Entries", kind: "structs" },
};

/** The form parameters of a Query request: the body's, then the URL's. */
export function queryParams(body: Buffer, query: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams(body.toString("utf8"));
  for (const [k, v] of query) if (!params.has(k)) params.set(k, v);
  return params;
}

function toTree(params: URLSearchParams): Tree {
  const root: Tree = {};
  for (const [key, value] of params) {
    const parts = key.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === "object") node = next;
      else node = node[part] = {};
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return root;
}

const indexed = (tree: Tree) =>
  Object.keys(tree)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => tree[k] as Tree | string);

function convert(tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    const rule = LIST_RULES[key];
    if (typeof value === "string") out[key] = value;
    else if (!rule) out[key] = convert(value);
    else if (rule.kind === "list") out[rule.to] = indexed(value);
    else if (rule.kind === "structs") {
      out[rule.to] = indexed(value).map((v) => (typeof v === "string" ? v : convert(v)));
    } else {
      const map: Record<string, unknown> = {};
      for (const item of indexed(value)) {
        if (typeof item === "string") continue;
        const name = item[rule.key];
        const v = item[rule.value];
        if (typeof name === "string" && v !== undefined) {
          map[name] = typeof v === "string" ? v : convert(v);
        }
      }
      out[rule.to] = map;
    }
  }
  return out;
}

/** A Query request's parameters as the JSON protocol would have sent them. */
export function queryInput(
  operation: string,
  params: URLSearchParams,
  queueUrlFromPath: string | undefined,
): Record<string, unknown> {
  const input = convert(toTree(params));
  delete input.Action;
  delete input.Version;
  // CreateQueue's tags are lower-case in the JSON model, unlike TagQueue's.
  if (operation === "CreateQueue" && input.Tags) {
    input.tags = input.Tags;
    delete input.Tags;
  }
  // Old clients POST to the queue's own URL instead of passing QueueUrl.
  if (input.QueueUrl === undefined && queueUrlFromPath) input.QueueUrl = queueUrlFromPath;
  return input;
}

export const escapeXml = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    // A literal CR would be normalised away by the client's XML parser.
    .replace(/\r/g, "&#xD;");

function element(name: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "object") return `<${name}>${escapeXml(String(value))}</${name}>`;
  return `<${name}>${members(value as Record<string, unknown>, name)}</${name}>`;
}

/** JSON output members whose Query form is a flattened list, by member name. */
function listElement(key: string, value: unknown, operation: string): string | undefined {
  const map = value as Record<string, unknown>;
  const each = (tag: string, items: unknown[]) => items.map((v) => element(tag, v)).join("");
  switch (key) {
    case "Attributes":
      return each(
        "Attribute",
        Object.entries(map).map(([Name, Value]) => ({ Name, Value })),
      );
    case "MessageAttributes":
      return each(
        "MessageAttribute",
        Object.entries(map).map(([Name, Value]) => ({ Name, Value })),
      );
    case "Tags":
      return each(
        "Tag",
        Object.entries(map).map(([Key, Value]) => ({ Key, Value })),
      );
    case "QueueUrls":
    case "queueUrls":
      return each("QueueUrl", value as unknown[]);
    case "Messages":
      return each("Message", value as unknown[]);
    case "Successful":
      return each(`${operation}ResultEntry`, value as unknown[]);
    case "Failed":
      return each("BatchResultErrorEntry", value as unknown[]);
    default:
      return undefined;
  }
}

function members(obj: Record<string, unknown>, operation: string): string {
  return Object.entries(obj)
    .map(([k, v]) => listElement(k, v, operation) ?? element(k, v))
    .join("");
}

const XMLNS = "http://queue.amazonaws.com/doc/2012-11-05/";

export function queryResponse(
  operation: string,
  output: Record<string, unknown>,
  requestId: string,
): string {
  const result =
    Object.keys(output).length > 0
      ? `<${operation}Result>${members(output, operation)}</${operation}Result>`
      : "";
  return `<?xml version="1.0"?><${operation}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

export function queryErrorResponse(
  code: string,
  type: string,
  message: string,
  requestId: string,
): string {
  return `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
