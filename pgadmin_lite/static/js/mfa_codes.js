// Recovery codes shown once (Account page, end of a forced enrolment): copy them or save them as a text file.
import { markReady } from "./page_ready.js";

const codes = document.querySelector("#recovery-codes");
const status = document.querySelector("#recovery-codes-status");

function say(text) {
  status.textContent = text;
}

if (codes) {
  const text = `pgadmin_lite recovery codes (each works once)\n${codes.textContent.trim()}\n`;
  document.querySelector("#copy-recovery-codes").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      say("Copied.");
    } catch {
      say("Copying was refused by the browser: select the codes and copy them.");
    }
  });
  document.querySelector("#download-recovery-codes").addEventListener("click", () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    link.download = "pgadmin_lite-recovery-codes.txt";
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(link.href);
    say("Downloaded.");
  });
}
markReady();
