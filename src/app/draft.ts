/**
 * The draft check as the composition root provides it: a staff member's draft parsed as ingestion parses a corpus
 * file — in a sandbox process with limits for uploads (checkDraftInSandbox), in process for the command line.
 */
export { checkDraft, checkDraftInSandbox } from "../ingest/draft.js";
