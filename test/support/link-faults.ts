/**
 * A permanent PutIntegration failure that is not a refusal to link from the API: the
 * per-domain integrations quota, as AWS words it in a BadRequestException. A refused link
 * (access denied, or a request AWS calls invalid) no longer fails the job, since the link is
 * then made by hand; tests that need the link step to fail for good, after the domain was
 * made (for Retry and Clean up), inject this instead.
 */
export const LINK_QUOTA_FAULT = {
  "profile:PutIntegration": {
    code: "BadRequestException",
    message: "You have reached the maximum number of integrations for this domain.",
  },
};
