// The topbar's theme switch (system / light / dark): applied at once, saved as the user's preference.
import { api } from "../api.js";
import { applyLook } from "./theme.js";

const toggle = document.querySelector("#theme-toggle");
if (toggle) {
  toggle.addEventListener("change", async () => {
    const previous = document.documentElement.dataset.theme;
    applyLook({ theme: toggle.value });
    try {
      await api("PUT", "api/v1/preferences", { theme: toggle.value });
      toggle.title = "";
    } catch (err) {
      applyLook({ theme: previous });
      toggle.value = previous;
      toggle.title = `Not saved: ${err.message}`;
    }
  });
  toggle.disabled = false;  // served disabled: a change made before this listener existed would be lost
}
