import { finishProviderSignIn } from "./console.js";

// The provider's answer is in the address: read it once, then take it out of the address bar and the history, so the
// code is not left where the next person at this browser, or a bookmark, would find it.
const parameters = new URLSearchParams(location.search);
history.replaceState(null, "", location.pathname);

const refused = await finishProviderSignIn(parameters);
if (refused) {
  document.getElementById("signing-in").hidden = true;
  document.getElementById("reason").textContent = refused;
  document.getElementById("refused").hidden = false;
} else {
  location.replace("./");
}
