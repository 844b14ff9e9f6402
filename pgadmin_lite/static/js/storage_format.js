// Formatting shared by the file manager and the users page (no side effects: safe to import anywhere).

/** 1536 → "1.5 KiB": binary units, as quotas and limits are set. */
export function formatBytes(bytes) {
  if (bytes == null) return "";
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
