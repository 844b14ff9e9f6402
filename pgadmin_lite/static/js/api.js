// The one place our JS builds URLs and talks to the API: prefix from the page, CSRF on every change.
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";

export const prefix = meta("app-prefix");

/** Build a URL under the app's prefix from a path relative to it, e.g. url("api/v1/users"). */
export function url(path, params) {
  const base = `${prefix}/${path.replace(/^\/+/, "")}`;
  if (!params) return base;
  const query = new URLSearchParams(params).toString();
  return query ? `${base}?${query}` : base;
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code;
    this.hint = error.hint;
    this.body = body;
  }
}

let csrfToken = meta("csrf-token");

/**
 * Call the API with JSON; throws ApiError with the server's message on failure. isBackground: the page asks on
 * its own (e.g. a lease renewal), which does not count as the user's activity for the login's inactivity timeout.
 */
export async function api(method, path, body, params, { isBackground = false } = {}) {
  const headers = { Accept: "application/json" };
  if (isBackground) headers["X-Background-Request"] = "1";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(url(path, params), { method, headers, body: payload, credentials: "same-origin" });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.status === 401) window.dispatchEvent(new CustomEvent("pgadmin-lite:logged-out", { detail: data }));
  if (!response.ok && response.status !== 202) throw new ApiError(response.status, data);
  return data;
}

/** POST a form (the CSRF token and `fields` as its fields) so the browser saves the answer as a download. */
export function postDownload(path, fields = {}) {
  const form = h("form", { method: "POST", action: url(path), hidden: true },
    h("input", { type: "hidden", name: "csrf_token", value: csrfToken }),
    ...Object.entries(fields).map(([name, value]) => h("input", { type: "hidden", name, value })));
  document.body.append(form);
  form.submit();
  form.remove();
}

/** POST as the page goes away (navigator.sendBeacon): a beacon sends no headers, so the token is a form field. */
export function beacon(path) {
  return navigator.sendBeacon(url(path), new URLSearchParams({ csrf_token: csrfToken }));
}

/** Refresh the CSRF token after a re-login in another tab. */
export async function refreshSession() {
  const info = await api("GET", "api/v1/session");
  csrfToken = info.csrf_token;
  return info;
}

/** Small DOM helper: element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else if (value !== false && value != null) el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child != null) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}
