/**
 * AWS's Query protocol (STS, IAM) read as the model names it: a form body whose lists are
 * `Name.member.N` and maps `Name.entry.N.key`/`.value`, and an XML answer whose result sits in
 * `<ActionResult>`. Every value comes back as text; the checker reads it as text.
 */
import type { Model, ShapeRef } from "./model.js";

export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

const decode = (text: string) =>
  text.replace(/&(#x?[0-9a-fA-F]+|\w+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });

/** Elements and text only: enough for AWS's answers, which use no attributes but xmlns. */
function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: "", children: [], text: "" };
  const stack = [root];
  const tokens = xml
    .replace(/<\?xml[^>]*\?>/, "")
    .matchAll(/<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g);
  for (const [, closing, name, selfClosing, text] of tokens) {
    const top = stack.at(-1) as XmlNode;
    if (text !== undefined) top.text += decode(text);
    else if (closing) stack.pop();
    else {
      const node: XmlNode = { name: name as string, children: [], text: "" };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  return root;
}

const find = (node: XmlNode | undefined, name: string): XmlNode | undefined =>
  node?.children.find((c) => c.name === name);

function fromXml(model: Model, ref: ShapeRef, node: XmlNode): unknown {
  const shape = model.shapes[ref.shape];
  if (!shape) return node.text;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      const members = Object.entries(shape.members ?? {});
      for (const child of node.children) {
        const member = members.find(([name, m]) => (m.locationName ?? name) === child.name);
        // A child the model does not name is kept under its own name, so the checker sees it.
        out[member?.[0] ?? child.name] = member ? fromXml(model, member[1], child) : child.text;
      }
      return out;
    }
    case "list": {
      const itemName = shape.member?.locationName ?? "member";
      return node.children
        .filter((c) => c.name === itemName)
        .map((c) => (shape.member ? fromXml(model, shape.member, c) : c.text));
    }
    case "map": {
      const out: Record<string, unknown> = {};
      for (const entry of node.children) {
        const key = find(entry, shape.key?.locationName ?? "key")?.text ?? "";
        const value = find(entry, shape.value?.locationName ?? "value");
        out[key] = value && shape.value ? fromXml(model, shape.value, value) : value?.text;
      }
      return out;
    }
    default:
      return node.text;
  }
}

/** The answer's result (inside `<ActionResponse><ActionResult>`), as the output shape names it. */
export function xmlOutput(model: Model, ref: ShapeRef, resultWrapper: string, xml: string) {
  const response = parseXml(xml).children[0];
  const result = find(response, resultWrapper);
  return result ? (fromXml(model, ref, result) as Record<string, unknown>) : {};
}

/** The error code of an `<ErrorResponse><Error><Code>`. */
export function xmlErrorCode(xml: string): string | undefined {
  const error = find(find(parseXml(xml), "ErrorResponse"), "Error");
  return find(error, "Code")?.text;
}

/** The request's parameters as the input shape names them; `Action` and `Version` aside. */
export function formInput(model: Model, ref: ShapeRef, body: string): Record<string, unknown> {
  const params = new URLSearchParams(body);
  params.delete("Action");
  params.delete("Version");
  return (fromForm(model, ref, params, "") ?? {}) as Record<string, unknown>;
}

const present = (params: URLSearchParams, prefix: string) =>
  [...params.keys()].some((k) => k === prefix || k.startsWith(`${prefix}.`));

function fromForm(model: Model, ref: ShapeRef, params: URLSearchParams, prefix: string): unknown {
  const shape = model.shapes[ref.shape];
  if (!shape) return params.get(prefix) ?? undefined;
  const join = (name: string) => (prefix ? `${prefix}.${name}` : name);
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const v = fromForm(model, member, params, join(member.locationName ?? name));
        if (v !== undefined) out[name] = v;
      }
      if (!prefix) {
        // Parameters no member names are reported as members the model does not have.
        const named = (k: string) =>
          Object.entries(shape.members ?? {}).some(([name, m]) => {
            const wire = m.locationName ?? name;
            return k === wire || k.startsWith(`${wire}.`);
          });
        for (const k of params.keys()) if (!named(k)) out[k] = params.get(k);
      }
      return prefix && Object.keys(out).length === 0 && !present(params, prefix) ? undefined : out;
    }
    case "list": {
      if (params.get(prefix) === "") return [];
      const items: unknown[] = [];
      for (let i = 1; present(params, `${prefix}.member.${i}`); i++) {
        if (shape.member)
          items.push(fromForm(model, shape.member, params, `${prefix}.member.${i}`));
      }
      return items.length > 0 ? items : undefined;
    }
    case "map": {
      const out: Record<string, unknown> = {};
      for (let i = 1; present(params, `${prefix}.entry.${i}`); i++) {
        const key = params.get(`${prefix}.entry.${i}.key`) ?? "";
        out[key] = shape.value
          ? fromForm(model, shape.value, params, `${prefix}.entry.${i}.value`)
          : undefined;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    default:
      return params.get(prefix) ?? undefined;
  }
}
