/**
 * AWS's Query protocol as STS and IAM speak it: a form-encoded POST naming `Action` and
 * `Version`, answered with XML (`<ActionResponse><ActionResult>…`), errors as `<ErrorResponse>`.
 * Lists in a request are `Name.member.N`, 1-based.
 */
import type { AwsError, AwsRequest, AwsResponse } from "../types.js";
import { escapeXml, queryParams } from "./sqs-query.js";

export { escapeXml };

/** The request's form parameters: the body's, then the URL's (as SQS's Query protocol reads them). */
export const formOf = (req: AwsRequest): URLSearchParams => queryParams(req.body, req.query);

/** `Name.member.1`, `Name.member.2`, … in order; empty when none is given. */
export function memberList(form: URLSearchParams, name: string): string[] {
  const found: [number, string][] = [];
  const prefix = `${name}.member.`;
  for (const [key, value] of form) {
    if (!key.startsWith(prefix)) continue;
    const index = Number(key.slice(prefix.length));
    if (Number.isInteger(index) && index >= 1) found.push([index, value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** The Action named by a request of this API version, or undefined. */
export function actionOf(req: AwsRequest, version: string, actions: readonly string[]) {
  const form = formOf(req);
  const action = form.get("Action") ?? "";
  return form.get("Version") === version && actions.includes(action) ? action : undefined;
}

export function xmlResponse(
  action: string,
  namespace: string,
  resultXml: string,
  requestId: string,
): AwsResponse {
  return {
    status: 200,
    headers: { "content-type": "text/xml" },
    body:
      `<${action}Response xmlns="${namespace}"><${action}Result>${resultXml}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function xmlError(err: AwsError, namespace: string, requestId: string): AwsResponse {
  // STS's and IAM's models declare no internal error: a 500 is AWS's common InternalFailure.
  const code = err.code === "InternalServerException" ? "InternalFailure" : err.code;
  return {
    status: err.status,
    headers: { "content-type": "text/xml" },
    body:
      `<ErrorResponse xmlns="${namespace}"><Error><Type>${err.fault}</Type>` +
      `<Code>${escapeXml(code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
