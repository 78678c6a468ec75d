/**
 * Where a source file gets its AWS SDK names from, read from its text: each
 * `import { … } from "@aws-sdk/client-…"` (types too), and each `const { … } = connectSdk()`
 * that takes them from a package src/aws/clients.ts loads at its first use. The IAM policy
 * test and the emulator contract both read the gateways' calls with it.
 */
import { LAZY_PACKAGES } from "../../src/aws/clients.js";

export interface SdkNames {
  /** The names between the braces, as written (`A, B as C, type D`). */
  names: string;
  /** The package, e.g. `@aws-sdk/client-sqs`. */
  pkg: string;
}

export function sdkNamesIn(source: string): SdkNames[] {
  const imported = [
    ...source.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*["'](@aws-sdk\/client-[\w-]+)["']/g,
    ),
  ].map(([, names = "", pkg = ""]) => ({ names, pkg }));
  const taken = [...source.matchAll(/const\s*\{([^}]*)\}\s*=\s*(\w+)\(\)/g)]
    .filter(([, , accessor = ""]) => accessor in LAZY_PACKAGES)
    .map(([, names = "", accessor]) => ({
      names,
      pkg: LAZY_PACKAGES[accessor as keyof typeof LAZY_PACKAGES],
    }));
  return [...imported, ...taken];
}
