import { caller, signIn, endedBecause, requireSession, shell, el, PAGES, may, ROLES_FOR, signInSettings, startProviderSignIn } from "./console.js";

const signInSection = document.getElementById("sign-in");
const home = document.getElementById("home");

if (caller()) {
  if (requireSession()) showHome();
} else {
  showSignIn();
}

function showSignIn() {
  signInSection.hidden = false;
  const ended = endedBecause();
  if (ended) {
    const notice = document.getElementById("ended");
    notice.textContent = ended;
    notice.hidden = false;
  }
  const form = document.getElementById("sign-in-form");
  const error = document.getElementById("sign-in-error");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const input = document.getElementById("token");
    const token = input.value.trim().replace(/^Bearer\s+/i, "");
    error.hidden = true;
    const refused = await signIn(token);
    input.value = "";
    if (refused) {
      error.textContent = refused;
      error.hidden = false;
      input.focus();
      return;
    }
    location.assign("./");
  });
  document.getElementById("token").focus();
  offerProvider();
}

/** With an OpenID Connect provider configured, its sign-in comes first (the token form stays for API users). */
async function offerProvider() {
  let settings;
  try {
    settings = await signInSettings();
  } catch (error) {
    const problem = document.getElementById("provider-error");
    problem.textContent = error.message;
    problem.hidden = false;
    document.getElementById("provider").hidden = false;
    return;
  }
  if (!settings.provider) return;
  const button = document.getElementById("provider-sign-in");
  button.textContent = `Sign in with ${settings.provider.name}`;
  button.addEventListener("click", () => startProviderSignIn(settings.provider));
  document.getElementById("provider").hidden = false;
  button.focus();
}

function showHome() {
  shell("");
  home.hidden = false;
  document.getElementById("pages").replaceChildren(...PAGES.map(page => el("li", {},
    may(page.policy)
      ? el("a", { href: page.href }, page.title)
      : el("span", { class: "unavailable" }, `${page.title}: needs the ${page.policy} policy (${ROLES_FOR[page.policy]})`))));
}
