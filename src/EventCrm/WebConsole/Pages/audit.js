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

function start() {
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
