/**
 * Options for the enable wizard's pickers (external selects). Slack takes the options in
 * the ack itself, so the lists are loaded into the draft as each step opens and served
 * from there; only a cold or old list is looked up here, within a deadline that leaves
 * Slack's 3 seconds intact.
 */
import type { PlainTextOption } from "@slack/types";
import { beforeDeadline, TIMED_OUT } from "../../deadline.js";
import type { Draft, DraftPatch } from "../../enable/drafts.js";
import * as wizard from "../../enable/wizard.js";
import type { SlackDeps } from "../deps.js";
import type { Entry, OptionsArgs } from "../entries.js";
import { notice } from "../render/enable/common.js";
import { queueOptions } from "../render/enable/dlq.js";
import { domainOptions } from "../render/enable/domain.js";
import { actionId } from "../render/enable/ids.js";
import { instanceOptions } from "../render/enable/instance.js";
import { keyOptions } from "../render/enable/key.js";
import { draftGateways, draftStore, ownDraft } from "../views/enable/draft.js";
import { samePlaceAs } from "../views/enable/refresh.js";

/** Slack drops an options answer after 3 s; this leaves room for the round trip. */
const OPTIONS_DEADLINE_MS = 2_000;

/** The draft's lists; each name is also what the list is called in sentences. */
type ListName = "instances" | "domains" | "queues" | "keys";
type List<L extends ListName> = NonNullable<Draft[L]>;

/** Each list's picker, how the list is looked up, and how its rows become options. */
const PICKERS: {
  [L in ListName]: {
    field: wizard.WizardField;
    load: (gateways: wizard.WizardGateways) => Promise<List<L>>;
    render: (rows: NonNullable<List<L>["value"]>, query: string) => PlainTextOption[];
  };
} = {
  instances: { field: "instance", load: wizard.loadInstances, render: instanceOptions },
  domains: { field: "domain_existing", load: wizard.loadDomains, render: domainOptions },
  queues: { field: "dlq_queue", load: wizard.loadQueues, render: queueOptions },
  keys: { field: "key_existing", load: wizard.loadKeys, render: keyOptions },
};

const within = async <T>(work: Promise<T>, ms: number): Promise<T | undefined> => {
  const done = await beforeDeadline(work, ms);
  return done === TIMED_OUT ? undefined : done;
};

async function onOptions<L extends ListName>(
  { ack, body }: OptionsArgs,
  deps: SlackDeps,
  what: L,
): Promise<void> {
  const drafts = draftStore(deps);
  const draft = await ownDraft(drafts, body.view?.private_metadata ?? "", body.user.id);
  if (!draft) return ack({ options: notice("This form expired: run /profiles enable again") });
  const picker = PICKERS[what];
  let list = draft[what] as List<L> | undefined;
  if (!wizard.isFresh(list)) {
    const loading = Promise.resolve()
      .then(() => picker.load(draftGateways(deps, draft)))
      .then(async (loaded) => {
        if (samePlaceAs(draft, await drafts.get(draft.id))) {
          await drafts.patch(draft.id, { [what]: loaded } as DraftPatch);
        }
        return loaded;
      })
      .catch((err: unknown) => {
        deps.log.warn({ err }, `could not store the ${what} list`);
        return undefined;
      });
    list = (await within(loading, OPTIONS_DEADLINE_MS)) ?? list;
  }
  const query = body.value ?? "";
  if (!list) return ack({ options: notice(`Still loading the ${what}: type to search again`) });
  if (list.error && !list.value) {
    return ack({ options: notice(`Couldn't list ${what}: ${list.error}`) });
  }
  const options = picker.render(list.value ?? [], query);
  await ack({ options: options.length ? options : notice(`No ${what} match "${query}"`) });
}

export const ENABLE_OPTIONS_ENTRIES: Extract<Entry, { kind: "options" }>[] = (
  Object.keys(PICKERS) as ListName[]
).map((list) => ({
  kind: "options",
  id: actionId(PICKERS[list].field),
  permission: "enable",
  audited: false,
  handler: (args, deps) => onOptions(args, deps, list),
}));
