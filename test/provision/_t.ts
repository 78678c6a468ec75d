import { Job, Worker } from "bullmq";
declare const w: Worker;
export const j = Job.fromId(w, "x");
