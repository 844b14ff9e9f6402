// A drag handle (role=separator) that sets a side panel's width: pointer drag or ←/→ on the focused handle.
const MIN_WIDTH = 160;
const MAX_WIDTH = 1200;
const STEP = 20;

/** onResized(width) after a drag or a key press ends; returns {setWidth}. */
export function installResizer(handle, panel, onResized) {
  const bound = (width) => Math.round(Math.max(MIN_WIDTH, Math.min(width, MAX_WIDTH, window.innerWidth - 320)));
  const setWidth = (width) => {
    const px = bound(width);
    panel.style.width = `${px}px`;
    handle.setAttribute("aria-valuenow", String(px));
    return px;
  };
  handle.setAttribute("aria-valuemin", String(MIN_WIDTH));
  handle.setAttribute("aria-valuemax", String(MAX_WIDTH));
  handle.setAttribute("aria-valuenow", String(Math.round(panel.getBoundingClientRect().width)));

  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    const left = panel.getBoundingClientRect().left;
    document.body.classList.add("resizing");
    const move = (e) => setWidth(e.clientX - left);
    const end = (e) => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", end);
      document.body.classList.remove("resizing");
      onResized(setWidth(e.clientX - left));
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", end);
  });
  handle.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const width = panel.getBoundingClientRect().width + (event.key === "ArrowLeft" ? -STEP : STEP);
    onResized(setWidth(width));
  });
  return { setWidth };
}
