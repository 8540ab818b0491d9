// What every console page shares: the session (the token in this tab's sessionStorage, never in a URL), calls to
// the API with it, building the page from data as text (never as HTML), the navigation and the role notices.
// The API decides every request; what the pages hide from a role they hide only to say so plainly.

const TOKEN = "crm.token";
const CALLER = "crm.caller";
const ACTIVE = "crm.lastActive";
const ENDED = "crm.ended";

/** A session ends after this long without the user doing anything in the console, and when its token expires. */
export const IDLE_MINUTES = 30;

/** The pages, what each needs, and who may use it (from the API's policy table, docs/api.md#roles). */
export const PAGES = [
  { href: "customers.html", title: "Customers", policy: "customers:read" },
  { href: "audit.html", title: "Audit log", policy: "audit" },
  { href: "dashboard.html", title: "Dashboard", policy: "analytics:read" },
];

export const ROLES_FOR = {
  "customers:read": "admin, sales, support, marketing, analyst, auditor",
  "audit": "admin, auditor",
  "analytics:read": "admin, analyst, marketing, sales",
  "sales:read": "admin, sales, support, marketing, analyst, auditor",
  "models:read": "admin, analyst, auditor, marketing, sales",
};

// --- the session --------------------------------------------------------------------------------------------

export function caller() {
  const text = sessionStorage.getItem(CALLER);
  return text ? JSON.parse(text) : null;
}

export function may(policy) {
  const who = caller();
  return !!who && who.policies.includes(policy);
}

/** Asks the API who the token names; stores the session when it is accepted. Answers null or a reason. */
export async function signIn(token) {
  let response;
  try {
    response = await fetch("../api/me", { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, cache: "no-store" });
  } catch {
    return "The API could not be reached. Try again in a moment.";
  }
  if (response.status === 401) return "The token was not accepted: it has expired, is incomplete, or was signed for another deployment.";
  if (response.status === 403) return "The token carries no role the console knows (admin, sales, support, marketing, analyst, auditor).";
  if (!response.ok) return `The API answered ${response.status}. Try again in a moment.`;
  sessionStorage.setItem(TOKEN, token);
  sessionStorage.setItem(CALLER, JSON.stringify(await response.json()));
  sessionStorage.setItem(ACTIVE, String(Date.now()));
  sessionStorage.removeItem(ENDED);
  return null;
}

// --- signing in through an OpenID Connect provider (authorization code with PKCE; the console is a public client) ---

const FLOW = "crm.signInFlow";
/** How long a sign-in at the provider may take before its answer is no longer taken. */
const FLOW_MINUTES = 10;

/** How this deployment signs people in: {provider: null} for tokens only, or the provider's endpoints and client. */
export async function signInSettings() {
  let response;
  try {
    response = await fetch("sign-in.json", { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch {
    throw new Error("The console could not be reached. Try again in a moment.");
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not a problem document */ }
    throw new Error(problem?.detail || `The console answered ${response.status}. Try again in a moment.`);
  }
  return response.json();
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const randomText = length => base64url(crypto.getRandomValues(new Uint8Array(length)));

/**
 * Sends the browser to the provider's sign-in. The PKCE verifier and the state stay in this tab's sessionStorage;
 * only the verifier's SHA-256 (the challenge) leaves it, so a code caught on its way back is useless to anyone else.
 */
export async function startProviderSignIn(provider) {
  const verifier = randomText(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const state = randomText(16);
  const redirectUri = new URL("signed-in.html", location.href).href;
  sessionStorage.setItem(FLOW, JSON.stringify({ verifier, state, redirectUri, tokenEndpoint: provider.tokenEndpoint, clientId: provider.clientId, started: Date.now() }));
  const url = new URL(provider.authorizationEndpoint);
  const parameters = { response_type: "code", client_id: provider.clientId, redirect_uri: redirectUri, scope: provider.scope, state, code_challenge: challenge, code_challenge_method: "S256" };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  location.assign(url.href);
}

/**
 * The provider's answer (on signed-in.html): the code exchanged for an access token with the verifier, then the
 * session opened as with a pasted token. Answers null when signed in, or a reason for the person.
 */
export async function finishProviderSignIn(parameters) {
  const flow = JSON.parse(sessionStorage.getItem(FLOW) || "null");
  sessionStorage.removeItem(FLOW);
  if (parameters.get("error"))
    return `The sign-in provider did not sign you in: ${parameters.get("error_description") || parameters.get("error")}.`;
  if (!flow || !parameters.get("state") || parameters.get("state") !== flow.state)
    return "This sign-in did not start in this browser tab, so the console does not take it. Start again from the sign-in page.";
  if (Date.now() - flow.started > FLOW_MINUTES * 60_000)
    return `The sign-in took longer than ${FLOW_MINUTES} minutes. Start again from the sign-in page.`;
  const code = parameters.get("code");
  if (!code) return "The sign-in provider sent no code back. Start again from the sign-in page.";

  let response;
  try {
    response = await fetch(flow.tokenEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: flow.redirectUri, client_id: flow.clientId, code_verifier: flow.verifier }),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    return "The sign-in provider could not be reached to finish signing in. Try again in a moment.";
  }
  let answer = null;
  try { answer = await response.json(); } catch { /* not JSON */ }
  if (!response.ok || !answer?.access_token)
    return `The sign-in provider refused to finish signing in: ${answer?.error_description || answer?.error || `it answered ${response.status}`}.`;
  return signIn(answer.access_token);
}

export function signOut(reason) {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(CALLER);
  sessionStorage.removeItem(ACTIVE);
  if (reason) sessionStorage.setItem(ENDED, reason);
  else sessionStorage.removeItem(ENDED);
  location.assign("./");
}

/** Why the last session ended (once), for the sign-in page to say. */
export function endedBecause() {
  const reason = sessionStorage.getItem(ENDED);
  sessionStorage.removeItem(ENDED);
  return reason;
}

function expired() {
  const who = caller();
  if (!sessionStorage.getItem(TOKEN) || !who) return "signed-out";
  if (who.expiresAt && Date.parse(who.expiresAt) <= Date.now()) return "Your token expired: sign in with a new one.";
  const active = Number(sessionStorage.getItem(ACTIVE) || 0);
  if (Date.now() - active > IDLE_MINUTES * 60_000) return `You were signed out after ${IDLE_MINUTES} minutes without activity.`;
  return null;
}

/** Sends the user to sign in unless a live session exists; keeps it alive while they work. */
export function requireSession() {
  const reason = expired();
  if (reason) {
    signOut(reason === "signed-out" ? null : reason);
    return false;
  }
  const touch = () => sessionStorage.setItem(ACTIVE, String(Date.now()));
  touch();
  for (const event of ["keydown", "pointerdown"]) addEventListener(event, touch, { passive: true });
  setInterval(() => { const r = expired(); if (r) signOut(r === "signed-out" ? null : r); }, 15_000);
  return true;
}

// --- the API --------------------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The API answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * GET a path of the API with the session's token. JSON by default; {accept} for CSV or a chart (then a Blob);
 * {raw} for the JSON text exactly as served (a file whose proofs must check against what the API signed for).
 */
export async function api(path, { accept = "application/json", raw = false } = {}) {
  const response = await fetch(`../${path.replace(/^\//, "")}`, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN)}`, Accept: accept },
    cache: "no-store",
  });
  if (response.status === 401) {
    signOut("The API no longer accepts your token: sign in again.");
    throw new ApiError(401, null);
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not a problem document */ }
    throw new ApiError(response.status, problem);
  }
  if (accept === "application/json") return raw ? response.text() : response.json();
  return accept.startsWith("text/") ? response.text() : response.blob();
}

/** A query string from the filled fields only. */
export function query(values) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && String(value).trim() !== "") search.set(key, String(value).trim());
  const text = search.toString();
  return text ? `?${text}` : "";
}

// --- the page -------------------------------------------------------------------------------------------------

/** An element with attributes and children; strings become text nodes, so data is never read as HTML. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element, ...children) {
  element.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined && c !== false)
    .map(c => c instanceof Node ? c : document.createTextNode(String(c))));
}

/** The header: the pages this session may use, who is signed in, sign out. */
export function shell(current) {
  const who = caller();
  const nav = el("nav", { "aria-label": "Console" },
    el("ul", {}, PAGES.map(page => el("li", {},
      el("a", { href: page.href, "aria-current": page.href === current ? "page" : null }, page.title)))));
  const user = el("p", { class: "who" },
    `Signed in as ${who.user} (${who.roles.join(", ") || "no role"}) `,
    el("button", { type: "button", id: "sign-out", onclick: () => signOut(null) }, "Sign out"));
  document.getElementById("header").append(nav, user);
}

/** What a page says instead of its content when the session's roles do not pass its policy. */
export function notAllowed(what, policy) {
  const who = caller();
  return el("section", { class: "notice", role: "status", "data-policy": policy },
    el("h2", {}, "Not available to your roles"),
    el("p", {}, `${what} needs the ${policy} policy, which the roles ${ROLES_FOR[policy] ?? policy} have; your token carries ${who.roles.join(", ") || "no role"}.`));
}

export function problem(error) {
  return el("p", { class: "error", role: "alert" }, error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`);
}

export function when(text) {
  if (!text) return "";
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function show(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A table of rows; each cell is text (or a Node a caller built). */
export function table(caption, columns, rows, attributes = {}) {
  return el("table", attributes,
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, columns.map(c => el("th", { scope: "col" }, c)))),
    el("tbody", {}, rows.map(row => el("tr", {}, row.map(cell => el("td", {}, cell))))));
}

// --- CSV ------------------------------------------------------------------------------------------------------

/** RFC 4180 CSV into rows of text (quoted fields with separators, quotes and line breaks). */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/**
 * A CSV cell as the API writes one: quoted when it holds a separator, quote or line break; text a spreadsheet would
 * run as a formula (= + - @, tab, carriage return first) gets a leading apostrophe (docs/api.md#input-rules).
 */
export function csvCell(value) {
  let text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns, rows) {
  return [columns, ...rows].map(row => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Offers text as a file to save, without sending it anywhere. */
export function download(name, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A button that downloads `csv` as `<id>.csv`, and beneath it the table of `cells` that the CSV holds. */
export function tableWithDownload(id, title, columns, cells, csv) {
  return [
    el("button", { type: "button", class: "download", "data-file": `${id}.csv`, onclick: () => download(`${id}.csv`, csv) },
      `Download ${title.toLowerCase()} as CSV`),
    el("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": `${title}: table` }, table(title, columns, cells))];
}

/** A table with, above it, a button that downloads exactly its rows as CSV. */
export function downloadableTable(id, title, columns, rows) {
  return el("div", { class: "panel-body", id }, ...tableWithDownload(id, title, columns, rows.map(r => r.map(show)), toCsv(columns, rows)));
}
