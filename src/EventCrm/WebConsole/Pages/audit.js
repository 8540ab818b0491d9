import { requireSession, shell, may, notAllowed, api, query, el, clear, table, problem, show, when, toCsv, download } from "./console.js";

/** A CSV export holds at most this many events (50 pages of 200); narrower filters export the rest. */
const MAX_EXPORT = 10_000;

if (requireSession()) {
  shell("audit.html");
  if (!may("audit")) clear(document.getElementById("content"), notAllowed("The audit log", "audit"));
  else start();
}

function filters(form) {
  const values = Object.fromEntries(new FormData(form));
  // The times are read as UTC, as the label says.
  for (const key of ["from", "to"]) if (values[key]) values[key] = `${values[key].length === 16 ? `${values[key]}:00` : values[key]}Z`;
  return values;
}

const COLUMNS = ["sequence", "timestamp", "type", "streamType", "streamId", "version", "user", "correlationId", "causationId", "source", "headers", "data"];
const row = e => [e.sequence, e.timestamp, e.type, e.streamType, e.streamId, e.version, e.user, e.correlationId, e.causationId, e.headers?.source ?? "", e.headers, e.data];

/** The newest signed checkpoint: what an auditor keeps a copy of, to hold the log to later. */
async function checkpoint() {
  const target = document.getElementById("checkpoint");
  try {
    const found = await api(`api/audit/checkpoints${query({ page: 1, pageSize: 1 })}`);
    const latest = found.items[0];
    if (!latest) {
      clear(target, el("p", { id: "no-checkpoint" }, "No checkpoint has been signed yet: events are sealed, but nothing signed states the log's root. An operator configures the signing key (docs/operations.md)."));
      return;
    }
    clear(target, table(`The latest of ${found.total} signed checkpoint${found.total === 1 ? "" : "s"}`,
      ["Events in the tree", "Last sequence", "Signed at (UTC)", "Key", "Root"],
      [[show(latest.treeSize), show(latest.lastSequence), when(latest.sealedAt), latest.keyId, el("code", {}, latest.root)]], { id: "latest-checkpoint" }));
  } catch (error) {
    clear(target, problem(error));
  }
}

/** Verification on demand: it reads the whole log, so it runs when asked, not on every visit. */
async function verify() {
  const button = document.getElementById("verify");
  const target = document.getElementById("verification");
  button.disabled = true;
  clear(target, el("p", { class: "help" }, "Verifying the whole log…"));
  try {
    const report = await api("api/audit/verify");
    const checked = `${report.eventsChecked} events and ${report.checkpointsChecked} checkpoint${report.checkpointsChecked === 1 ? "" : "s"} checked in ${report.seconds.toFixed(1)} s`;
    const masked = report.masked.length === 0 ? "" : `; ${report.masked.length} event${report.masked.length === 1 ? "" : "s"} masked by a recorded erasure (explained, not altered)`;
    const verdict = report.ok
      ? el("p", { id: "verdict", class: "ok", role: "status" }, `The log verifies: ${checked}${masked}.`)
      : el("p", { id: "verdict", class: "error", role: "alert" }, `The log does not verify: ${report.mismatchCount} mismatch${report.mismatchCount === 1 ? "" : "es"}; ${checked}${masked}.`);
    const mismatches = report.mismatches.length === 0 ? null : table("Mismatches (the first 100)", ["Kind", "Sequence", "Checkpoint size", "What differs"],
      report.mismatches.map(m => [m.kind, show(m.sequence), show(m.treeSize), m.detail]), { id: "mismatches" });
    const warnings = report.warnings.length === 0 ? null : el("ul", { id: "warnings" }, report.warnings.map(w => el("li", {}, w)));
    clear(target, verdict, mismatches, warnings);
  } catch (error) {
    clear(target, problem(error));
  } finally {
    button.disabled = false;
  }
}

function start() {
  checkpoint();
  document.getElementById("verify").addEventListener("click", verify);
  const form = document.getElementById("filters");
  const log = document.getElementById("log");
  let page = 1;

  async function show_(pageNumber) {
    page = pageNumber;
    clear(log, el("p", { class: "help" }, "Reading the log…"));
    try {
      const found = await api(`api/audit/events${query({ ...filters(form), page, pageSize: 50 })}`);
      const rows = found.items.map(e => [
        show(e.sequence), when(e.timestamp), e.type, e.streamType, e.streamId, show(e.version), e.user ?? "",
        e.correlationId ?? "", e.causationId ?? "", e.headers?.source ?? "",
        el("details", {}, el("summary", {}, "data"), el("pre", {}, JSON.stringify(e.data, null, 2)))]);
      clear(log,
        el("p", { id: "log-count" }, `${found.total} event${found.total === 1 ? "" : "s"}; page ${found.pageNumber} of ${Math.max(1, found.pageCount)}.`),
        table("Events in the order they were appended", ["Sequence", "When (UTC)", "Event", "Stream type", "Stream", "Version", "User", "Correlation", "Causation", "Source", "Data"], rows, { id: "events" }),
        el("div", { class: "pager" },
          el("button", { type: "button", disabled: page <= 1, onclick: () => show_(page - 1) }, "Previous page"),
          el("button", { type: "button", disabled: page >= found.pageCount, onclick: () => show_(page + 1) }, "Next page")));
    } catch (error) {
      clear(log, problem(error));
    }
  }

  async function exportCsv() {
    const button = document.getElementById("export");
    button.disabled = true;
    try {
      const events = [];
      let total = 0;
      for (let p = 1; events.length < MAX_EXPORT; p++) {
        const found = await api(`api/audit/events${query({ ...filters(form), page: p, pageSize: 200 })}`);
        events.push(...found.items);
        total = found.total;
        if (p >= found.pageCount) break;
      }
      download("audit-log.csv", toCsv(COLUMNS, events.slice(0, MAX_EXPORT).map(row)));
      if (total > MAX_EXPORT) log.prepend(el("p", { class: "notice", role: "status" }, `The file holds the first ${MAX_EXPORT} of ${total} events: narrow the filters to export the rest.`));
    } catch (error) {
      log.prepend(problem(error));
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", event => { event.preventDefault(); show_(1); });
  document.getElementById("export").addEventListener("click", exportCsv);
  show_(1);
}
