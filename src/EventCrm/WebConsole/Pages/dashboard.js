import { requireSession, shell, may, notAllowed, api, query, el, clear, problem, show, parseCsv, toCsv, tableWithDownload } from "./console.js";

// The filters live in this page's address (?from=&to=&by=&asOf=), so that a view can be shared; they hold no
// personal data. Every panel is one API request the user's token makes; its table is the API's own CSV.

const form = document.getElementById("filters");
/** The campaigns the funnel panel may show, newest first. */
let campaignList = [];

if (requireSession()) {
  shell("dashboard.html");
  if (!may("analytics:read")) clear(document.getElementById("content"), notAllowed("The dashboard", "analytics:read"));
  else {
    fill();
    await campaigns();
    fill(); // again: the chosen campaign can be selected only once its option exists
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
  const campaign = search.get("campaign") ?? "";
  return { from: date("from"), to: date("to"), asOf: date("asOf"),
    by: ["category", "country", "region", "industry", "source", "segment"].includes(by) ? by : "category",
    campaign: /^[0-9a-f-]{36}$/i.test(campaign) ? campaign.toLowerCase() : "" };
}

/** Fills the campaigns to choose a funnel from (the newest 100), when the session may read campaigns. */
async function campaigns() {
  if (!may("marketing:read")) return;
  try {
    campaignList = (await api(`api/marketing/campaigns${query({ pageSize: 100 })}`)).items;
  } catch {
    campaignList = []; // the funnel panel says what went wrong
  }
  const select = form.elements.campaign;
  select.append(...campaignList.map(c => el("option", { value: c.id }, `${c.name} (${c.channel}, ${c.status})`)));
}

function fill() {
  const values = filters();
  for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
}

function panels({ from, to, by, asOf, campaign }) {
  const period = { from, to };
  return [
    { id: "revenue-monthly", title: "Revenue per month", path: `api/analytics/revenue/monthly${query(period)}`, chart: true, policy: "analytics:read" },
    { id: "revenue-breakdown", title: `Revenue by ${by}`, path: `api/analytics/revenue/breakdown${query({ ...period, by })}`, chart: true, policy: "analytics:read" },
    { id: "pipeline-stage", title: "Pipeline by stage", path: `api/analytics/opportunities/breakdown${query({ by: "stage" })}`, chart: true, policy: "analytics:read" },
    { id: "tickets-monthly", title: "Service: tickets per month", path: `api/analytics/tickets/monthly${query(period)}`, chart: true, policy: "analytics:read" },
    { id: "campaign-attribution", title: "Campaigns: revenue attributed by each model", path: `api/analytics/attribution${query({ ...period, compare: "true" })}`, chart: true, policy: "marketing:read" },
    funnel(campaign),
    { id: "pipeline-asof", title: asOf ? `Pipeline as of ${asOf}` : "Pipeline now", path: `api/reports/pipeline${query({ asOf })}`, policy: "sales:read",
      rows: report => ({ columns: ["stage", "currency", "count", "total", "probability", "weighted"], rows: report.stages.map(s => [s.stage, s.currency, s.count, s.total, s.probability, s.weighted]) }) },
    { id: "models", title: "Models: quality of the active versions", path: "api/models", policy: "models:read",
      rows: models => {
        const metrics = [...new Set(models.flatMap(m => Object.keys(m.activeMetrics ?? {})))].sort();
        return { columns: ["model", "kind", "activeVersion", "versions", ...metrics],
          rows: models.map(m => [m.name, m.kind, m.activeVersion ?? "", m.versions, ...metrics.map(k => m.activeMetrics?.[k] ?? "")]),
          links: models.map(m => `model.html?name=${encodeURIComponent(m.name)}`) };
      } },
  ];
}

/** A campaign's funnel: the chosen one, or the newest; its report as the API's funnel chart and CSV. */
function funnel(id) {
  const chosen = campaignList.find(c => c.id === id) ?? (id ? { id, name: id } : campaignList[0]);
  if (!chosen) return { id: "campaign-funnel", title: "Campaign funnel", policy: "marketing:read", empty: "No campaign has been planned yet." };
  return { id: "campaign-funnel", title: `Campaign funnel: ${chosen.name}`, path: `api/marketing/campaigns/${encodeURIComponent(chosen.id)}/report`,
    chart: true, policy: "marketing:read" };
}

function render() {
  const target = document.getElementById("panels");
  clear(target, panels(filters()).map(panel => {
    const section = el("section", { class: "panel", id: panel.id, "aria-labelledby": `${panel.id}-title` },
      el("h2", { id: `${panel.id}-title` }, panel.title));
    if (!may(panel.policy)) section.append(notAllowed(panel.title, panel.policy));
    else if (panel.empty) section.append(el("p", { class: "help" }, panel.empty));
    else fillPanel(section, panel);
    return section;
  }));
}

async function fillPanel(section, panel) {
  const body = el("div", { class: "panel-body" }, el("p", { class: "help" }, "Loading…"));
  section.append(body);
  try {
    let columns, rows, csv, links;
    const figure = panel.chart ? chart(panel) : null;
    if (panel.chart) {
      // The table is the API's own CSV, so that what is shown and what is downloaded are what the API answers.
      csv = await api(panel.path, { accept: "text/csv" });
      [columns, ...rows] = parseCsv(csv);
    } else {
      ({ columns, rows, links } = panel.rows(await api(panel.path)));
      csv = toCsv(columns, rows);
    }
    const cells = rows.map((r, i) => r.map((cell, j) => j === 0 && links ? el("a", { href: links[i] }, show(cell)) : show(cell)));
    clear(body, figure, tableWithDownload(panel.id, panel.title, columns, cells, csv));
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
