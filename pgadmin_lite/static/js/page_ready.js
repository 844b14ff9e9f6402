// The page's ready state: <html data-ready="true"> once the page's first data is in (or its first load
// failed and said so), so tests and the workspace's tabs wait for the page itself, never for time.

/** Mark the page ready (idempotent). */
export function markReady() {
  document.documentElement.dataset.ready = "true";
}

/** Await the page's first load, then mark the page ready whether it succeeded or failed. */
export async function readyAfter(firstLoad) {
  try {
    return await firstLoad;
  } finally {
    markReady();
  }
}
