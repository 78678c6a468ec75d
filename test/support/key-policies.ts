/** Key policies the tests give a KMS key. */
import { ACCOUNT_ID } from "../../sandbox/aws/state.js";

/**
 * A key policy that lets only the account (its root) use and administer the key: no
 * Customer Profiles statement, as a key made outside the bot may have.
 */
export const ROOT_ONLY_KEY_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});
