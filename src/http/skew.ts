/**
 * How far a Slack request's timestamp may be from our clock, either way. The signature check
 * refuses anything outside it, and the replay store remembers signatures for as long as it
 * lasts. Apart from verify.ts so that the replay store, which every process loads, does not
 * load Bolt's verifier with it.
 */
export const MAX_SKEW_SECONDS = 5 * 60;
