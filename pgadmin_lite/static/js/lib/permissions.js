// What the user's role allows (the server checks every request; this only hides what would be refused).
const meta = globalThis.document?.querySelector('meta[name="permissions"]');
const granted = meta ? new Set(meta.content.split(" ").filter(Boolean)) : null;

/** Whether the role grants the permission (users/permissions.py names); without the page's list, true. */
export function can(permission) {
  return granted === null || granted.has(permission);
}
