// The server dialog's Sharing section (administrators): everyone, chosen users, roles and groups. It is saved
// with PUT api/v1/servers/<id>/shares after the registration itself, and only when the choice changed.
import { api, h } from "./api.js";
import { addSection } from "./server_form_sections.js";
import { withSession } from "./session_guard.js";

const form = document.querySelector("#server-form");
const section = form.querySelector("#server-section-sharing");  // only administrators have it
const KINDS = ["users", "roles", "groups"];
let targets = null;   // the share-targets answer, read once per page
let shown = null;     // the shares as the dialog opened ({everyone, users, roles, groups} of ids)
let server = null;

const EMPTY = { everyone: false, users: [], roles: [], groups: [] };

function labelOf(kind, item) {
  if (kind === "users") {
    const who = item.display_name ? `${item.display_name} <${item.email}>` : item.email;
    return item.is_active === false ? `${who} (inactive)` : who;
  }
  if (kind === "groups") return item.source === "local" ? item.name : `${item.name} (${item.source})`;
  return item.name;
}

function choice(kind, item, isChecked) {
  return h("label", { class: "check sharing-choice", "data-label": labelOf(kind, item).toLowerCase() },
    h("input", { type: "checkbox", name: `share_${kind}`, value: String(item.id), ...(isChecked ? { checked: "" } : {}) }),
    ` ${labelOf(kind, item)}`);
}

function render() {
  const chosen = shown ?? EMPTY;
  const me = Number(section.dataset.me);  // the owner (only owners share): always has access, never a share
  for (const kind of KINDS) {
    const items = (targets?.[kind] ?? []).filter((item) => !(kind === "users" && item.id === me));
    section.querySelector(`#sharing-${kind}`).replaceChildren(
      ...items.map((item) => choice(kind, item, chosen[kind].includes(item.id))),
      ...(items.length ? [] : [h("span", { class: "hint" }, kind === "groups" ? "No groups yet." : "None.")]));
  }
  form.share_everyone.checked = chosen.everyone;
  const isOwner = !server || server.is_owner;
  section.querySelector("#sharing-not-owner").hidden = isOwner;
  for (const input of section.querySelectorAll("input")) input.disabled = !isOwner;
  summarize();
}

function picked() {
  const data = { everyone: form.share_everyone.checked };
  for (const kind of KINDS) {
    data[kind] = [...section.querySelectorAll(`input[name=share_${kind}]:checked`)].map((input) => Number(input.value));
  }
  return data;
}

function summarize() {
  const data = picked();
  const parts = KINDS.filter((kind) => data[kind].length)
    .map((kind) => `${data[kind].length} ${data[kind].length === 1 ? kind.slice(0, -1) : kind}`);
  section.querySelector("#sharing-summary").textContent = data.everyone ? "Shared with every user."
    : parts.length ? `Shared with ${parts.join(", ")}.` : "Not shared.";
}

function isSame(a, b) {
  return a.everyone === b.everyone && KINDS.every((kind) => [...a[kind]].sort().join() === [...b[kind]].sort().join());
}

async function fillSharing(target) {
  server = target;
  shown = target?.shares ? { ...target.shares } : (target ? null : { ...EMPTY });
  render();
  if (!targets) {
    targets = await withSession(() => api("GET", "api/v1/servers/share-targets"));
    render();
  }
}

/** After the registration was saved: replace its shares if the choice differs from what the dialog showed. */
async function saveSharing(saved) {
  if (!saved.is_owner) return;
  const data = picked();
  if (isSame(data, saved.shares ?? EMPTY)) return;
  const result = await withSession(() => api("PUT", `api/v1/servers/${saved.id}/shares`, data));
  saved.shares = { everyone: result.everyone, ...Object.fromEntries(KINDS.map((k) => [k, result[k].map((x) => x.id)])) };
  shown = { ...saved.shares };
}

function filterList(filter) {
  const words = filter.value.trim().toLowerCase();
  for (const item of section.querySelectorAll(`#${filter.dataset.list} .sharing-choice`)) {
    item.hidden = Boolean(words) && !item.dataset.label.includes(words);
  }
}

if (section) {
  addSection({
    fill: (_form, target) => {
      fillSharing(target).catch((err) => {
        section.querySelector("#sharing-summary").textContent = `Could not list who to share with: ${err.message}`;
      });
    },
    collect: () => {},
    afterSave: saveSharing,
  });
  section.addEventListener("change", summarize);
  for (const filter of section.querySelectorAll(".sharing-filter")) filter.addEventListener("input", () => filterList(filter));
  form.querySelector(".server-section-list").append(section);  // last, after the sections other modules append
}
