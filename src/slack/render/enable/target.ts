/** Step 1 when the bot serves several places: the target (AWS account) and region to work in. */
import type { ModalView, PlainTextOption } from "@slack/types";
import { placeId } from "../../../aws/targets.js";
import type { Draft, PlaceOption } from "../../../enable/drafts.js";
import { chosenPlace } from "../../../enable/wizard.js";
import { choice, modal, option, section, stepHeading } from "./common.js";

/** `prod (444455556666) · eu-west-2`, valued by the place's id (`444455556666.eu-west-2`). */
const placeOption = (place: PlaceOption): PlainTextOption => option(place.label, placeId(place));

export function targetView(draft: Draft): ModalView {
  const picked = chosenPlace(draft);
  return modal(
    "target",
    draft,
    [
      section(
        `${stepHeading(draft, "target", "AWS account and region")}\nPick where the Amazon Connect instance is: the target (AWS account) and the region. The next steps list that account's instances, domains, queues and keys in that region, and the job works there.`,
      ),
      choice(
        "target",
        "Target and region",
        "Pick an account and region",
        (draft.places ?? []).map(placeOption),
        picked ? placeOption(picked) : undefined,
      ),
    ],
    { submit: "Next" },
  );
}
