// After a crash or a closed tab, offer back the newer unsaved copy this browser kept;
// after a save the copy is safe on the server and is forgotten.

import { STORAGE_PREFIX, storage } from "./util.js";

// The copy to offer, or null: one that differs from the form, was not offered by the
// server's own autosave notice already, and is newer than the version loaded.
function copyToOffer(ctx) {
  const copy = storage.read(ctx.storageKey);
  if (!copy || !copy.fields || ctx.same(copy.fields, ctx.collect())) return null;
  const serverNotice = document.getElementById("autosave-notice");
  if (serverNotice) {
    let serverFields = null;
    try { serverFields = JSON.parse(serverNotice.getAttribute("data-fields") || "null"); } catch (e) { /* none */ }
    if (serverFields && ctx.same(copy.fields, serverFields)) return null;
  }
  const updatedAt = Date.parse(ctx.form.getAttribute("data-updated-at") || "") || 0;
  return copy.version >= ctx.version() || copy.savedAt > updatedAt ? copy : null;
}

export function initRecovery(ctx, keeper) {
  const form = ctx.form;
  if (form.hasAttribute("data-just-saved")) {
    storage.remove(ctx.storageKey);
    if (form.hasAttribute("data-created")) storage.remove(STORAGE_PREFIX + "new");
    return;
  }
  const notice = document.getElementById("local-recovery");
  if (form.hasAttribute("data-conflict") || !notice) return;
  const copy = copyToOffer(ctx);
  if (!copy) return;
  const when = notice.querySelector("[data-recovery-time]");
  if (when) when.textContent = new Date(copy.savedAt).toLocaleString();
  notice.hidden = false;
  const heading = notice.querySelector("h2");
  if (heading) heading.focus();
  notice.querySelector('[data-recovery="restore"]').addEventListener("click", () => {
    ctx.fill(copy.fields); // each field's event marks the form changed and autosaves
    notice.hidden = true;
    keeper.keep();
    ctx.setStatus("Restored your unsaved text from " + new Date(copy.savedAt).toLocaleString() +
      ". Save to keep it.", false);
    ctx.body.focus();
  });
  notice.querySelector('[data-recovery="discard"]').addEventListener("click", () => {
    storage.remove(ctx.storageKey);
    notice.hidden = true;
    ctx.field("title").focus();
  });
}
