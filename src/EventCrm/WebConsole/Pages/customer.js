import { requireSession, shell, may, notAllowed, api, el, clear, table, problem, show, when, download } from "./console.js";

const id = new URLSearchParams(location.search).get("id") ?? "";

if (requireSession()) {
  shell("customers.html");
  const content = document.getElementById("content");
  if (!may("customers:read")) clear(content, notAllowed("A customer's page", "customers:read"));
  else if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    clear(content, el("p", { class: "error", role: "alert" }, "This address names no customer: open one from the customer search."));
  else {
    profile();
    if (may("audit")) { asOf(); exportButton(); }
    else {
      clear(document.getElementById("asof"), notAllowed("The customer's history and its as-of view", "audit"));
      clear(document.getElementById("export"), notAllowed("The customer's export with proofs", "audit"));
    }
    timeline(1);
  }
}

async function profile() {
  const target = document.getElementById("profile");
  try {
    const customer = await api(`api/customers/${id}`);
    document.getElementById("title").textContent = customer.name ?? "Erased customer";
    document.title = `${customer.name ?? "Erased customer"} · EventCrm console`;
    clear(target, fields("The profile now", customer, null));
  } catch (error) {
    clear(target, problem(error));
  }
}

/** A profile as a table of its fields; with a previous one, each field that differs is marked (not by colour alone). */
function fields(caption, profile, previous) {
  const rows = Object.keys(profile).map(key => {
    const changed = previous !== null && show(profile[key]) !== show(previous?.[key]);
    return el("tr", { class: changed ? "changed" : null, "data-field": key },
      el("th", { scope: "row" }, key),
      el("td", {}, show(profile[key])),
      previous === null ? null : el("td", {}, previous === undefined ? "" : show(previous[key])),
      previous === null ? null : el("td", {}, changed ? el("strong", {}, "changed") : ""));
  });
  return el("table", { class: "fields" },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Field"), el("th", { scope: "col" }, "Value"),
      previous === null ? null : el("th", { scope: "col" }, "Before"),
      previous === null ? null : el("th", { scope: "col" }, "Change"))),
    el("tbody", {}, rows));
}

/** The export as the API answers it, saved as a file: the proofs check against the file as it was served. */
function exportButton() {
  const target = document.getElementById("export");
  const button = el("button", { type: "button", id: "export-proofs" }, "Download the export with proofs (JSON)");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      download(`customer-${id}-export.json`, await api(`api/customers/${id}/export`, { raw: true }), "application/json");
      clear(target, button, el("p", { role: "status" }, "Saved. Check it with: python3 docs/audit-proofs.py export FILE --keys KEYS.json"));
    } catch (error) {
      clear(target, button, problem(error));
    } finally {
      button.disabled = false;
    }
  });
  clear(target, button);
}

async function history() {
  const events = [];
  for (let page = 1; page <= 25; page++) {
    const found = await api(`api/customers/${id}/history?page=${page}&pageSize=200`);
    events.push(...found.items);
    if (page >= found.pageCount) break;
  }
  return events;
}

async function asOf() {
  const target = document.getElementById("asof");
  let events;
  try {
    events = await history();
  } catch (error) {
    clear(target, problem(error));
    return;
  }
  const latest = events.length ? events[events.length - 1].version : 1;
  const byVersion = new Map(events.map(e => [e.version, e]));
  const cache = new Map();
  const load = version => {
    if (!cache.has(version)) cache.set(version, api(`api/customers/${id}/as-of?version=${version}`));
    return cache.get(version);
  };

  const describe = version => {
    const event = byVersion.get(version);
    return event ? `version ${version} of ${latest}: ${event.type} at ${when(event.timestamp)} by ${event.user ?? "unknown"}` : `version ${version} of ${latest}`;
  };
  const slider = el("input", { id: "version", type: "range", min: 1, max: latest, step: 1, value: latest, "aria-valuetext": describe(latest) });
  const label = el("output", { id: "version-label", for: "version" }, describe(latest));
  const shown = el("div", { id: "asof-profile", "aria-live": "polite" });
  // Or a moment: the API says which version was in force then (the profile's own version), and the slider goes there.
  const at = el("input", { id: "at", name: "at", type: "datetime-local", step: 1 });
  const atProblem = el("p", { id: "at-problem", role: "status" });
  const atForm = el("form", { class: "filters", method: "post" },
    el("div", {}, el("label", { for: "at" }, "Or as it was at (UTC)"), at),
    el("button", { type: "submit" }, "Show that moment"));
  atForm.addEventListener("submit", async event => {
    event.preventDefault();
    atProblem.textContent = "";
    if (!at.value) return;
    const moment = `${at.value.length === 16 ? `${at.value}:00` : at.value}Z`;
    try {
      const then = await api(`api/customers/${id}/as-of?at=${encodeURIComponent(moment)}`);
      slider.value = String(then.version);
      render(then.version);
    } catch (error) {
      atProblem.textContent = error.status === 404 ? `The customer did not exist yet at ${moment}.` : error.message;
    }
  });
  clear(target,
    el("p", { class: "help" }, "Move the slider over the customer's versions: the profile as it was then, with what changed from the version before marked."),
    el("div", { class: "slider" }, el("label", { for: "version" }, "Version"), slider, label),
    atForm, atProblem,
    shown);

  let asked = 0;
  async function render(version) {
    const ask = ++asked;
    slider.setAttribute("aria-valuetext", describe(version));
    label.textContent = describe(version);
    try {
      const [now, before] = await Promise.all([load(version), version > 1 ? load(version - 1) : Promise.resolve(undefined)]);
      if (ask !== asked) return;
      const changed = Object.keys(now).filter(k => show(now[k]) !== show(before?.[k]));
      clear(shown,
        el("p", { id: "asof-summary" }, version === 1 ? "The first version: every field is new." : `Changed from version ${version - 1}: ${changed.join(", ") || "nothing"}.`),
        fields(`The profile at ${describe(version)}`, now, before));
      shown.dataset.version = String(version);
    } catch (error) {
      if (ask === asked) clear(shown, problem(error));
    }
  }
  slider.addEventListener("input", () => render(Number(slider.value)));
  render(latest);
}

async function timeline(page) {
  const target = document.getElementById("timeline");
  try {
    const found = await api(`api/customers/${id}/timeline?page=${page}&pageSize=50`);
    const rows = found.items.map(e => [
      when(e.timestamp), e.type, `${e.streamType} ${e.streamId}`, show(e.version), e.user ?? "", e.headers?.source ?? "",
      e.correlationId ?? "", e.causationId ?? "",
      el("details", {}, el("summary", {}, "data"), el("pre", {}, JSON.stringify(e.data, null, 2)))]);
    clear(target,
      el("p", {}, `${found.total} event${found.total === 1 ? "" : "s"}; page ${found.pageNumber} of ${Math.max(1, found.pageCount)}.`),
      table("The customer's timeline", ["When (UTC)", "Event", "Stream", "Version", "User", "Source", "Correlation", "Causation", "Data"], rows, { id: "timeline-table" }),
      el("div", { class: "pager" },
        el("button", { type: "button", disabled: page <= 1, onclick: () => timeline(page - 1) }, "Earlier events"),
        el("button", { type: "button", disabled: page >= found.pageCount, onclick: () => timeline(page + 1) }, "Later events")));
  } catch (error) {
    clear(target, problem(error));
  }
}
