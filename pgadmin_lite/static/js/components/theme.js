// Apply the theme and editor font size to <html> at once (the server renders them too, so no flash).

/** Set data-theme (system | light | dark) and data-editor-font-size on the document element. */
export function applyLook({ theme, editor_font_size: fontSize } = {}) {
  const root = document.documentElement;
  if (theme) root.dataset.theme = theme;
  if (fontSize) root.dataset.editorFontSize = String(fontSize);
}

/** A palette variable (e.g. "--accent") as the rgb() colour it is now, for canvas drawing (uPlot). */
export function cssColor(name) {
  const probe = document.createElement("span");
  probe.hidden = true;
  probe.style.color = `var(${name})`;  // set through the CSSOM, which the CSP's style-src allows
  document.body.append(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

/** The palette variables (app.css) that colour a chart's series, in order: the dashboard and the Chart tab share them. */
export const SERIES_COLORS = ["--accent", "--ok", "--danger", "--warn", "--shared-fg"];
