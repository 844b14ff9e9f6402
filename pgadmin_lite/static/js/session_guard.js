// When the login expires (any API call answers 401), say so and offer a re-login in a new tab;
// this page keeps its state and resumes (event "pgadmin-lite:logged-in") once the login is back.
import { h, refreshSession, url } from "./api.js";

let banner = null;
let checking = false;

function expectedUserId() {
  const id = document.querySelector('meta[name="user-id"]')?.content;
  return id ? Number(id) : null;
}

function loginUrl() {
  // The new tab lands on the console; this tab keeps its editor and resumes by itself.
  return url("login", { next: url("") });
}

function show(message) {
  if (!banner) {
    banner = h("div", { class: "session-banner warning", role: "alert", id: "session-banner" },
      h("span", { class: "session-message" }),
      h("a", { href: loginUrl(), target: "_blank", id: "session-login" }, "Log in again (opens a new tab)"),
      h("button", { type: "button", id: "session-retry", onclick: () => check(true) }, "Retry"));
    document.querySelector("main").prepend(banner);
  }
  banner.querySelector(".session-message").textContent = message;
  banner.hidden = false;
}

async function check(isExplicit) {
  if (checking) return;
  checking = true;
  try {
    const info = await refreshSession();
    const expected = expectedUserId();
    if (expected !== null && info.user.id !== expected) {
      show(`You are now logged in as ${info.user.email}, not as the owner of this page. Log in as the same user to continue.`);
      return;
    }
    banner?.remove();
    banner = null;
    window.dispatchEvent(new CustomEvent("pgadmin-lite:logged-in", { detail: info }));
  } catch {
    if (isExplicit) show("Still logged out — log in again in the other tab, then press Retry.");
  } finally {
    checking = false;
  }
}

/**
 * Run a state-changing API call; if the server refused its CSRF token (a login that expired, or was
 * renewed in another tab, rotates it) fetch the current token and try once more. When the login is
 * really gone, refreshSession() answers 401, which raises the "log in again" banner.
 */
export async function withSession(call) {
  try {
    return await call();
  } catch (err) {
    if (err.code !== "csrf_failed") throw err;
    await refreshSession();
    return call();
  }
}

/** Install once per page. */
export function installSessionGuard() {
  window.addEventListener("pgadmin-lite:logged-out", () => {
    if (!checking) show("Your session expired — log in again. Your editor text is kept in this browser.");
  });
  window.addEventListener("focus", () => {
    if (banner) check(false);
  });
}

export function isLoggedOut() {
  return banner !== null;
}
