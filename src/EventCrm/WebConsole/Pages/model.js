import { requireSession, shell, may, notAllowed, api, el, clear, problem, when, downloadableTable } from "./console.js";

// A model's card (GET /api/models/{name}): what it is for, the data its active version saw, how it scored against a
// naive baseline, what it learned (weights, importances, or the segments the customers are scored into), every
// version and every run. The name is in the address (?name=), so a card can be shared.

const content = document.getElementById("content");
// Declared before the page runs: the top-level await below uses it.
const number = value => typeof value === "number" ? Number(value.toPrecision(6)) : value;

if (requireSession()) {
  shell("dashboard.html");
  if (!may("models:read")) clear(content, notAllowed("A model card", "models:read"));
  else {
    const name = new URLSearchParams(location.search).get("name") ?? "";
    try {
      show(await api(`api/models/${encodeURIComponent(name)}`));
    } catch (error) {
      clear(content, problem(error));
    }
  }
}

function show(card) {
  document.getElementById("title").textContent = `Model card: ${card.name}`;
  document.title = `${card.name} · Model card · EventCrm console`;
  const active = card.active;
  clear(content,
    el("section", { "aria-labelledby": "about-title" },
      el("h2", { id: "about-title" }, "What it is"),
      el("p", {}, card.description),
      el("dl", { class: "facts" },
        el("dt", {}, "Kind"), el("dd", {}, card.kind),
        el("dt", {}, "Retrained"), el("dd", {}, card.schedule),
        el("dt", {}, "Features"), el("dd", {}, card.features.join(", ")),
        el("dt", {}, "Last scored"), el("dd", { id: "last-scored" }, card.lastScoredAt
          ? `${card.lastScoredCustomers} customers by version ${card.lastScoredVersion}, ${when(card.lastScoredAt)}`
          : "not yet"))),
    active ? activeVersion(active) : el("section", { "aria-labelledby": "active-title" },
      el("h2", { id: "active-title" }, "Active version"),
      el("p", { id: "no-active", role: "status" }, "No version is active yet: the runs below say why.")),
    el("section", { "aria-labelledby": "versions-title" },
      el("h2", { id: "versions-title" }, "Versions"),
      downloadableTable("versions", "Versions",
        ["version", "algorithm", "trainedAt", "dataCutoff", "rows", "trainRows", "testRows", "activated", "decision", "artifactSha256"],
        card.versions.map(v => [v.version, v.algorithm, when(v.trainedAt), when(v.dataCutoff), v.rows, v.trainRows, v.testRows, v.activated, v.decision ?? "", v.artifactSha256]))),
    el("section", { "aria-labelledby": "runs-title" },
      el("h2", { id: "runs-title" }, "Training runs"),
      downloadableTable("runs", "Training runs",
        ["startedAt", "status", "requestedBy", "jobId", "version", "outcome", "finishedAt", "leftOut"],
        card.runs.map(r => [when(r.startedAt), r.status, r.requestedBy ?? "", r.jobId ?? "", r.version ?? "", r.outcome ?? "", when(r.finishedAt),
          Object.entries(r.leftOut ?? {}).map(([reason, count]) => `${reason}: ${count}`).join("; ")]))));
}

function activeVersion(version) {
  const metrics = Object.keys(version.metrics).sort();
  const explanation = version.explanation ?? {};
  const learned = [];
  if (explanation.weights) {
    learned.push(el("p", {}, `Weights in the features' own units${explanation.intercept !== null && explanation.intercept !== undefined ? `, intercept ${number(explanation.intercept)}` : ""}.`));
    learned.push(downloadableTable("weights", "Weights", ["feature", "weight"],
      Object.entries(explanation.weights).map(([feature, weight]) => [feature, number(weight)])));
  }
  if (explanation.importance)
    learned.push(downloadableTable("importance", "Feature importance", ["feature", "importance"],
      Object.entries(explanation.importance).sort((a, b) => b[1] - a[1]).map(([feature, importance]) => [feature, number(importance)])));
  if (explanation.segments) {
    const features = [...new Set(explanation.segments.flatMap(s => Object.keys(s.centroid)))].sort();
    learned.push(downloadableTable("segments", "Segments", ["segment", "name", "customers", ...features],
      explanation.segments.map(s => [s.segment, s.name, s.customers, ...features.map(f => number(s.centroid[f]))])));
  }
  return el("section", { "aria-labelledby": "active-title" },
    el("h2", { id: "active-title" }, `Active version ${version.version}`),
    el("p", { id: "active-data" },
      `${version.algorithm}, trained ${when(version.trainedAt)} in ${number(version.seconds)} s on the history up to ${when(version.dataCutoff)}: ` +
      `${version.rows} rows, ${version.trainRows} to learn from and ${version.testRows} held out to score it.`),
    version.decision ? el("p", {}, `Gate: ${version.decision}`) : null,
    el("h3", {}, "Scored against a naive baseline on the held-out rows"),
    downloadableTable("metrics", "Metrics", ["metric", "this version", "baseline"],
      metrics.map(m => [m, number(version.metrics[m]), number(version.baseline[m] ?? "")])),
    el("h3", {}, "What it learned"),
    ...(learned.length ? learned : [el("p", {}, "This algorithm reports no explanation.")]));
}
