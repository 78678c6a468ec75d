// Architecture rules for profiles-bot, checked by `npm run lint:deps` (dependency-cruiser).
// test/architecture/dependency-rules.test.ts loads this file and shows every rule firing.
//
// Layers:
//   src/slack/**        Slack presentation: commands, actions, views, renderers
//   services            src/enable, src/provision, src/dlq, src/access, src/audit, src/domains, src/home
//   src/aws/**          the only home of the AWS SDK (gateways and clients)
//   src/queues/**       queue definitions: the only place outside jobs/ that knows BullMQ
//   jobs/**             BullMQ workers
//   src/runtime.ts      composition root: the one module that wires slack/ and jobs/ together
//   sandbox/, test/, bench/ are not production code: they may import anything,
//   but production code (src/, jobs/) must never import them.

/**
 * A package (`bullmq`) or a scope (`@aws-sdk`) as import targets: its resolved path
 * (node_modules/<pkg>/...) and its bare specifier, so an import of a package that is not
 * installed is still caught.
 */
const pkg = (name) => [
  `(^|/)node_modules/${name}/`,
  name.startsWith("@") ? `^${name}/` : `^${name}$`,
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-slack-to-jobs-bullmq-aws",
      comment:
        "src/slack/** is the presentation layer: it must not import jobs/**, bullmq or @aws-sdk/*. " +
        "Call a service (src/enable, src/provision, src/dlq, ...) or a queue helper from src/queues " +
        "that src/runtime.ts passes in through the Slack deps instead.",
      severity: "error",
      from: { path: "^src/slack/" },
      to: { path: ["^jobs/", ...pkg("bullmq"), ...pkg("@aws-sdk")] },
    },
    {
      name: "no-jobs-to-slack",
      comment:
        "jobs/** (BullMQ workers) must not import src/slack/**. Depend on a port (e.g. a Notifier or " +
        "reporter interface defined outside src/slack) and let src/runtime.ts inject the Slack implementation.",
      severity: "error",
      from: { path: "^jobs/" },
      to: { path: "^src/slack/" },
    },
    {
      name: "no-services-to-slack-jobs-bullmq",
      comment:
        "Services (src/enable, src/provision, src/dlq, src/access, src/audit, src/domains, src/home, src/workflow) hold " +
        "the domain logic and must not know how they are triggered or presented: no src/slack/**, jobs/**, " +
        "bullmq or @slack/*. Take what you need as a parameter or an interface and let the caller " +
        "(src/slack, jobs/ or src/runtime.ts) adapt it.",
      severity: "error",
      from: { path: "^src/(enable|provision|dlq|access|audit|domains|home|workflow)/" },
      to: { path: ["^src/slack/", "^jobs/", ...pkg("bullmq"), ...pkg("@slack")] },
    },
    {
      name: "aws-sdk-only-in-src-aws",
      comment:
        "Only src/aws/** may import @aws-sdk/* (sandbox/, test/ and bench/ are exempt). Add or use a " +
        "gateway in src/aws and depend on its types; if you need an SDK shape (e.g. an SQS Message), " +
        "re-export or map it from src/aws.",
      severity: "error",
      from: { path: "^(src|jobs)/", pathNot: "^src/aws/" },
      to: { path: pkg("@aws-sdk") },
    },
    {
      name: "no-production-to-sandbox",
      comment:
        "Production code (src/**, jobs/**) must not import sandbox/**: the sandbox is a local stand-in " +
        "for Slack and AWS and is not shipped. Move what you need into src/ (and let the sandbox import it).",
      severity: "error",
      from: { path: "^(src|jobs)/" },
      to: { path: "^sandbox/" },
    },
    {
      name: "no-production-to-test-or-bench",
      comment:
        "Production code (src/**, jobs/**) must not import test/** or bench/**: they are not shipped. " +
        "Move the shared code into src/ and import it from the test or bench instead.",
      severity: "error",
      from: { path: "^(src|jobs)/" },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "bullmq-only-in-queues-jobs-runtime",
      comment:
        "Only src/queues/**, jobs/** and the composition root src/runtime.ts " +
        "may import bullmq (tests, bench and sandbox are exempt). Elsewhere, depend on a function or " +
        "interface exported from src/queues (e.g. an enqueue helper) instead of Queue/Job/Worker.",
      severity: "error",
      from: {
        path: "^(src|jobs)/",
        pathNot: ["^src/queues/", "^jobs/", "^src/runtime\\.ts$"],
      },
      to: { path: pkg("bullmq") },
    },
    {
      name: "jobs-only-from-runtime",
      comment:
        "src/runtime.ts is the composition root and the only module in src/ that may import jobs/**. " +
        "To start work from elsewhere in src/, enqueue through src/queues; anything jobs/ and src/ " +
        "share belongs in src/ (jobs/ imports it, not the other way round).",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/runtime\\.ts$" },
      to: { path: "^jobs/" },
    },
    {
      name: "no-circular",
      comment:
        "This module is part of an import cycle. Cycles make load order fragile and layers meaningless: " +
        "break it by moving the shared piece into a lower-level module, or by passing a dependency in.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    // `npm run lint:deps` starts from src/ and jobs/ only: test/, bench/ and sandbox/ may import
    // anything. If production code imports one of them, the rules above report that import.
    // Resolve with the project's tsconfig, so `./x.js` imports resolve to `./x.ts`.
    tsConfig: { fileName: "tsconfig.json" },
    // Analyse the TypeScript source as written: `import type` counts as a dependency too.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
