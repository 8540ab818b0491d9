import { requireSession, shell, may, notAllowed, api, query, el, clear, table, problem, show, parseCsv, toCsv, download } from "./console.js";

// The filters live in this page's address (?from=&to=&by=&asOf=), so that a view can be shared; they hold no
// personal data. Every panel is one API request the user's token makes; its table is the API's own CSV.

const form = document.getElementById("filters");

if (requireSession()) {
  shell("dashboard.html");
  if (!may("analytics:read")) clear(document.getElementById("content"), notAllowed("The dashboard", "analytics:read"));
  else {
    fill();
    form.addEventListener("submit", event => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      history.pushState(null, "", `dashboard.html${query(values)}`);
      render();
    });
    addEventListener("popstate", () => { fill(); render(); });
    render();
  }
}

function filters() {
  const search = new URLSearchParams(location.search);
  const date = name => /^\d{4}-\d{2}-\d{2}$/.test(search.get(name) ?? "") ? search.get(name) : "";
  const by = search.get("by");
  return { from: date("from"), to: date("to"), asOf: date("asOf"),
    by: ["category", "country", "region", "industry", "source", "segment"].includes(by) ? by : "category" };
}

function fill() {
  const values = filters();
  for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
}

function panels({ from, to, by, asOf }) {
  const period = { from, to };
  return [
    { id: "revenue-monthly", title: "Revenue per month", path: `api/analytics/revenue/monthly${query(period)}`, chart: true, policy: "analytics:read" },
    { id: "revenue-breakdown", title: `Revenue by ${by}`, path: `api/analytics/revenue/breakdown${query({ ...period, by })}`, chart: true, policy: "analytics:read" },
    { id: "pipeline-stage", title: "Pipeline by stage", path: `api/analytics/opportunities/breakdown${query({ by: "stage" })}`, chart: true, policy: "analytics:read" },
    { id: "tickets-monthly", title: "Service: tickets per month", path: `api/analytics/tickets/monthly${query(period)}`, chart: true, policy: "analytics:read" },
    { id: "campaign-attribution", title: "Campaigns: revenue attributed by each model", path: `api/analytics/attribution${query({ ...period, compare: "true" })}`, chart: true, policy: "marketing:read" },
    { id: "pipeline-asof", title: asOf ? `Pipeline as of ${asOf}` : "Pipeline now", path: `api/reports/pipeline${query({ asOf })}`, policy: "sales:read",
      rows: report => ({ columns: ["stage", "currency", "count", "total", "probability", "weighted"], rows: report.stages.map(s => [s.stage, s.currency, s.count, s.total, s.probability, s.weighted]) }) },
    { id: "models", title: "Models: quality of the active versions", path: "api/models", policy: "models:read",
      rows: models => {
        const metrics = [...new Set(models.flatMap(m => Object.keys(m.activeMetrics ?? {})))].sort();
        return { columns: ["model", "kind", "activeVersion", "versions", ...metrics],
          rows: models.map(m => [m.name, m.kind, m.activeVersion ?? "", m.versions, ...metrics.map(k => m.activeMetrics?.[k] ?? "")]) };
      } },
  ];
}

function render() {
  const target = document.getElementById("panels");
  clear(target, panels(filters()).map(panel => {
    const section = el("section", { class: "panel", id: panel.id, "aria-labelledby": `${panel.id}-title` },
      el("h2", { id: `${panel.id}-title` }, panel.title));
    if (!may(panel.policy)) section.append(notAllowed(panel.title, panel.policy));
    else fillPanel(section, panel);
    return section;
  }));
}

async function fillPanel(section, panel) {
  const body = el("div", { class: "panel-body" }, el("p", { class: "help" }, "Loading…"));
  section.append(body);
  try {
    let columns, rows, csv;
    const figure = panel.chart ? chart(panel) : null;
    if (panel.chart) {
      // The table is the API's own CSV, so that what is shown and what is downloaded are what the API answers.
      csv = await api(panel.path, { accept: "text/csv" });
      [columns, ...rows] = parseCsv(csv);
    } else {
      ({ columns, rows } = panel.rows(await api(panel.path)));
      csv = toCsv(columns, rows);
    }
    clear(body,
      figure,
      el("button", { type: "button", class: "download", "data-file": `${panel.id}.csv`, onclick: () => download(`${panel.id}.csv`, csv) },
        `Download ${panel.title.toLowerCase()} as CSV`),
      el("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": `${panel.title}: table` }, table(panel.title, columns, rows.map(r => r.map(show)))));
  } catch (error) {
    clear(body, problem(error));
  }
}

/** The API's SVG chart, fetched with the token and shown from a blob; the table below has its figures. */
function chart(panel) {
  const image = el("img", { alt: `${panel.title}: chart (the figures are in the table below)`, width: 900, height: 560, class: "chart" });
  api(panel.path, { accept: "image/svg+xml" })
    .then(blob => { image.src = URL.createObjectURL(blob); })
    .catch(error => image.replaceWith(problem(error)));
  return el("figure", {}, image);
}
