// Entry point for the vendored uPlot bundle used by the dashboard's live graphs.
// Built by `npm run build` into pgadmin_lite/static/vendor/uplot/uplot.bundle.js
// (one self-contained, minified ES module); the stylesheet is copied next to it as uPlot.min.css
// (uPlot injects no <style> element, so it works under `style-src 'self'`).
import uPlot from "uplot";

export { uPlot };
export default uPlot;
