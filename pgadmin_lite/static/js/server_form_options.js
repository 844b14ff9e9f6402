// The server dialog's connection options: libpq parameters (Parameters), the comment, colours and role,
// the read-only rail, the tree's databases and post-connection SQL (Advanced), and the query tool's defaults.
import { addSection } from "./server_form_sections.js";

const TEXT_PARAMS = ["application_name", "hostaddr", "options", "target_session_attrs", "gssencmode"];
const NUMBER_PARAMS = ["connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"];
const MODES = ["autocommit", "auto_rollback", "single_transaction"];
const MODE_VALUES = { on: true, off: false };
const DEFAULTS = ["statement_timeout_ms", "preview_rows"];

/** A number input's value: a number, or null when empty ("not set"). */
function numberOf(input) {
  const text = input.value.trim();
  return text === "" ? null : Number(text);
}

function fill(form, server) {
  const params = server?.connect_params ?? {};
  for (const name of [...TEXT_PARAMS, ...NUMBER_PARAMS]) form[name].value = params[name] ?? "";
  form.comment.value = server?.comment ?? "";
  form.role.value = server?.role ?? "";
  const colors = server?.colors ?? {};
  form.use_colors.checked = Boolean(colors.bg || colors.fg);
  if (colors.bg) form.color_bg.value = colors.bg;
  if (colors.fg) form.color_fg.value = colors.fg;
  form.read_only.checked = Boolean(server?.read_only);
  form.db_restriction.value = (server?.db_restriction ?? []).join("\n");
  form.post_connection_sql.value = server?.post_connection_sql ?? "";
  for (const name of MODES) {
    const value = server?.query_modes?.[name];
    form[`mode_${name}`].value = value === undefined ? "" : value ? "on" : "off";
  }
  for (const name of DEFAULTS) form[name].value = server?.query_defaults?.[name] ?? "";
}

function collect(form, data) {
  const params = data.connect_params;
  for (const name of TEXT_PARAMS) {
    const value = form[name].value.trim();
    if (value) params[name] = value; else delete params[name];
  }
  for (const name of NUMBER_PARAMS) {
    const value = numberOf(form[name]);
    if (value !== null) params[name] = value; else delete params[name];
  }
  data.comment = form.comment.value.trim() || null;
  data.role = form.role.value.trim() || null;
  data.colors = form.use_colors.checked ? { bg: form.color_bg.value, fg: form.color_fg.value } : {};
  data.read_only = form.read_only.checked;
  data.db_restriction = form.db_restriction.value.split("\n").map((name) => name.trim()).filter(Boolean);
  data.post_connection_sql = form.post_connection_sql.value.trim() ? form.post_connection_sql.value : null;
  data.query_modes = {};
  for (const name of MODES) {
    const value = form[`mode_${name}`].value;
    if (value in MODE_VALUES) data.query_modes[name] = MODE_VALUES[value];
  }
  data.query_defaults = {};
  for (const name of DEFAULTS) {
    const value = numberOf(form[name]);
    if (value !== null) data.query_defaults[name] = value;
  }
}

addSection({ fill, collect });
