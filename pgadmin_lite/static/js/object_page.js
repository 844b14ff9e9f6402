// The object page (a workspace tab, or a page of its own): one object's ObjectDetail, opened on the tab the
// URL names. Embedded, it tells the workspace what changed (postMessage to the same origin) so the tab follows.
import { ObjectDetail } from "./object_detail.js";
import { installSessionGuard } from "./session_guard.js";

const root = document.querySelector("#object-browser");
const ref = JSON.parse(root.dataset.ref);

function tell(event, detail) {
  if (window.parent !== window) window.parent.postMessage({ source: "pgadmin-lite-object", event, ...detail }, window.location.origin);
}

const detail = new ObjectDetail(document.querySelector("#object-detail"), {
  onChanged: (changed, { dropped, previous }) => {
    if (!dropped) document.title = document.title.replace(previous.name, changed.name); // a rename shows
    tell(dropped ? "dropped" : "changed", { ref: changed, previous });
  },
});
installSessionGuard();
detail.show(ref, { tab: root.dataset.tab, data: { mode: root.dataset.dataMode, where: root.dataset.dataFilter } })
  .finally(() => { document.documentElement.dataset.ready = "true"; });
