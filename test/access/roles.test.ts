import { describe, expect, it } from "vitest";
import { authorize } from "../../src/access/authorize.js";
import { StaticGroupDirectory } from "../../src/access/directory.js";
import { decide, type Permission, REQUIRED_ROLE, roleOf } from "../../src/access/roles.js";

const grants = { admins: ["U1", "S9"], operators: ["U2"], viewers: ["U3"] };

describe("roles", () => {
  it("grants nothing to an unconfigured user", () => {
    expect(roleOf("U4", [], grants)).toBeUndefined();
    for (const permission of Object.keys(REQUIRED_ROLE) as Permission[]) {
      expect(decide(undefined, permission).allowed).toBe(false);
    }
  });

  it("takes the highest role from the user and their groups", () => {
    expect(roleOf("U2", [], grants)).toBe("operator");
    expect(roleOf("U2", ["S9"], grants)).toBe("admin");
    expect(roleOf("U3", [], grants)).toBe("viewer");
  });

  it.each([
    ["viewer", "status", true],
    ["viewer", "reingest", false],
    ["operator", "reingest", true],
    ["operator", "inspect", true],
    ["operator", "discard", false],
    ["operator", "enable", false],
    ["admin", "discard", true],
    ["admin", "enable", true],
  ] as const)("%s may %s: %s", (role, permission, allowed) => {
    expect(decide(role, permission).allowed).toBe(allowed);
  });

  it("says which role is needed and who grants it", () => {
    const d = decide("operator", "discard");
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.message).toBe(
        "Discarding dead-letter messages needs the admin role. You have the operator role. An admin of this bot grants it by adding you, or a user group you are in, to PROFILES_ADMINS.",
      );
    }
  });

  it("reads user group membership through the directory", async () => {
    const directory = new StaticGroupDirectory({ S9: ["U7"] });
    expect((await authorize({ grants, directory }, "U7", "enable")).allowed).toBe(true);
    expect((await authorize({ grants, directory }, "U8", "enable")).allowed).toBe(false);
  });
});
