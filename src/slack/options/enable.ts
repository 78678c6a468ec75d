/**
 * Options for the enable wizard's pickers (external selects). Slack takes the options in
 * the ack itself, so the lists are loaded into the draft as each step opens and served
 * from there; only a cold or old list is looked up here, within a deadline that leaves
 * Slack's 3 seconds intact.
 */
import type { AllMiddlewareArgs, App, SlackOptionsMiddlewareArgs } from "@slack/bolt";
import type { PlainTextOption } from "@slack/types";
import type { Draft, DraftPatch, Loaded } from "../../enable/drafts.js";
import {
  isFresh,
  loadDomains,
  loadInstances,
  loadKeys,
  loadQueues,
  type WizardField,
} from "../../enable/wizard.js";
import type { SlackDeps } from "../deps.js";
import { actionId, option } from "../views/enable/common.js";
import { queueOptions } from "../views/enable/dlq.js";
import { domainOptions } from "../views/enable/domain.js";
import { instanceOptions } from "../views/enable/instance.js";
import { keyOptions } from "../views/enable/key.js";
import { draftStore, ownDraft } from "../views/enable/submit.js";

type OptionsArgs = SlackOptionsMiddlewareArgs<"block_suggestion"> & AllMiddlewareArgs;

/** Slack drops an options answer after 3 s; this leaves room for the round trip. */
export const OPTIONS_DEADLINE_MS = 2_000;

interface Picker<T> {
  field: WizardField;
  cached: (draft: Draft) => Loaded<T[]> | undefined;
  load: (deps: SlackDeps) => Promise<Loaded<T[]>>;
  store: (list: Loaded<T[]>) => DraftPatch;
  render: (list: T[], query: string) => PlainTextOption[];
  what: string;
}

const PICKERS: Picker<unknown>[] = [
  {
    field: "instance",
    cached: (d) => d.instances,
    load: (deps) => loadInstances(deps.gateways),
    store: (instances) => ({ instances }),
    render: instanceOptions,
    what: "instances",
  } satisfies Picker<Parameters<typeof instanceOptions>[0][number]>,
  {
    field: "domain_existing",
    cached: (d) => d.domains,
    load: (deps) => loadDomains(deps.gateways),
    store: (domains) => ({ domains }),
    render: domainOptions,
    what: "domains",
  } satisfies Picker<string>,
  {
    field: "dlq_queue",
    cached: (d) => d.queues,
    load: (deps) => loadQueues(deps.gateways),
    store: (queues) => ({ queues }),
    render: queueOptions,
    what: "queues",
  } satisfies Picker<Parameters<typeof queueOptions>[0][number]>,
  {
    field: "key_existing",
    cached: (d) => d.keys,
    load: (deps) => loadKeys(deps.gateways),
    store: (keys) => ({ keys }),
    render: keyOptions,
    what: "keys",
  } satisfies Picker<Parameters<typeof keyOptions>[0][number]>,
] as Picker<unknown>[];

/** A single option that explains; picking it makes the step say what to do. */
const notice = (text: string): PlainTextOption[] => [option(text, "unavailable")];

const within = <T>(work: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([
    work,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref()),
  ]);

async function onOptions(args: OptionsArgs, deps: SlackDeps, picker: Picker<unknown>) {
  const { ack, body } = args;
  const drafts = draftStore(deps);
  const draft = await ownDraft(drafts, body.view?.private_metadata ?? "", body.user.id);
  if (!draft) {
    await ack({ options: notice("This form expired: run /profiles enable again") });
    return;
  }
  let list = picker.cached(draft);
  if (!isFresh(list)) {
    const loading = picker
      .load(deps)
      .then(async (loaded) => {
        await drafts.patch(draft.id, picker.store(loaded));
        return loaded;
      })
      .catch((err: unknown) => {
        deps.log.warn({ err }, `could not store the ${picker.what} list`);
        return undefined;
      });
    list = (await within(loading, OPTIONS_DEADLINE_MS)) ?? list;
  }
  if (!list) {
    await ack({ options: notice(`Still loading the ${picker.what}: type to search again`) });
    return;
  }
  if (list.error && !list.value) {
    await ack({ options: notice(`Couldn't list ${picker.what}: ${list.error}`) });
    return;
  }
  const options = picker.render(list.value ?? [], body.value ?? "");
  await ack({
    options: options.length ? options : notice(`No ${picker.what} match "${body.value ?? ""}"`),
  });
}

export function register(app: App, deps: SlackDeps): void {
  for (const picker of PICKERS) {
    app.options<"block_suggestion">(actionId(picker.field), (args) =>
      onOptions(args, deps, picker),
    );
  }
}
