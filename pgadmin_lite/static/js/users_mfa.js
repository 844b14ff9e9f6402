// Users page: an administrator turns off a user's two-factor authentication (a lost phone); their sessions end.
import { api, h } from "./api.js";
import { confirmAction } from "./components/dialog.js";

/** The "Reset 2FA" button of a user's row (null when TOTP is off); act(fn) runs fn and reloads the list. */
export function mfaResetButton(user, act) {
  if (!user.has_totp) return null;
  return h("button", {
    class: "mfa-reset-button",
    onclick: async () => await confirmAction({
      title: `Reset two-factor authentication of ${user.email}?`,
      detail: "Their TOTP device and recovery codes stop working and their sessions end. If their role requires "
        + "two-factor authentication, they set it up again at their next login.",
      confirmLabel: "Reset 2FA", isDanger: true,
    }) && act(() => api("POST", `api/v1/users/${user.id}/mfa/reset`)),
  }, "Reset 2FA");
}
