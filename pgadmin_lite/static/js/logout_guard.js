// Logout asks before it leaves transactions open (or rolls them back) in the user's other browsers.
// Without JS the form logs out and keeps them, as "Log out, keep them" does.
import { api, h } from "./api.js";
import { logoutDialog } from "./session_dialogs.js";

const form = document.querySelector("#logout")?.form;
let isAsked = false;

async function otherTransactions() {
  const items = await api("GET", "api/v1/sessions");
  return items.filter((item) => !item.browser.is_this_browser
    && (item.state === "in_transaction" || item.state === "in_error"));
}

form?.addEventListener("submit", async (event) => {
  if (isAsked) return;
  event.preventDefault();
  let items = [];
  try {
    items = await otherTransactions();
  } catch {
    // cannot tell (login already gone?): log out as the form would
  }
  const choice = items.length ? await logoutDialog(items) : "keep";
  if (choice === null) return;
  if (choice === "rollback") {
    for (const item of items) form.append(h("input", { type: "hidden", name: "roll_back", value: item.tx_id }));
  }
  isAsked = true;
  form.requestSubmit();
});
if (form) form.dataset.guarded = "true";  // from here on Log out asks (tests wait for it; before, the form keeps them)
