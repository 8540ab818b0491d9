import { requireSession, shell, may, notAllowed, api, query, el, clear, table, problem, show } from "./console.js";

// The search terms stay in the page, not in its address: a name is personal data.
if (requireSession()) {
  shell("customers.html");
  if (!may("customers:read")) clear(document.getElementById("content"), notAllowed("Finding customers", "customers:read"));
  else start();
}

function start() {
  const form = document.getElementById("search");
  const results = document.getElementById("results");
  let page = 1;

  async function search() {
    const values = Object.fromEntries(new FormData(form));
    clear(results, el("p", { class: "help" }, "Searching…"));
    try {
      const found = await api(`api/customers${query({ ...values, page, pageSize: 25 })}`);
      const rows = found.items.map(c => [
        el("a", { href: `customer.html?id=${encodeURIComponent(c.id)}` }, c.name ?? "(erased)"),
        c.email ?? "", c.country ?? "", c.status, show(c.totalSpent), show(c.purchaseCount)]);
      clear(results,
        el("p", {}, `${found.total} customer${found.total === 1 ? "" : "s"}; page ${found.pageNumber} of ${Math.max(1, found.pageCount)}.`),
        table("Customers found", ["Name", "E-mail", "Country", "Status", "Total spent", "Purchases"], rows, { id: "customers" }),
        el("div", { class: "pager" },
          el("button", { type: "button", disabled: page <= 1, onclick: () => { page--; search(); } }, "Previous page"),
          el("button", { type: "button", disabled: page >= found.pageCount, onclick: () => { page++; search(); } }, "Next page")));
    } catch (error) {
      clear(results, problem(error));
    }
  }

  form.addEventListener("submit", event => { event.preventDefault(); page = 1; search(); });
  search();
}
