// Keeping unsaved text: in this browser at once, on the server every few seconds
// (existing posts only: a new post lives in this browser until its first save), and one
// last time when the tab closes. Requests carry the CSRF token.

import { clock, csrfToken, send, storage } from "./util.js";

const AUTOSAVE_DELAY = 3000;
const RETRY_DELAY = 10000;

function keepLocally(ctx) {
  return storage.write(ctx.storageKey, {
    postId: ctx.postId || null,
    version: ctx.version(),
    savedAt: Date.now(),
    fields: ctx.collect()
  });
}

// What the server's answer means to the author; true when retrying may help.
function report(ctx, result) {
  if (result.ok) {
    const data = result.data || {};
    let text = data.saved ? "Autosaved at " + clock(new Date()) + "." : "No unsaved changes.";
    if (data.stale) {
      text += " Someone saved this post after you opened it: saving will show both versions.";
    }
    ctx.setStatus(text, false);
    return false;
  }
  const status = result.status;
  if ([403, 410, 413].includes(status) && result.data && result.data.error) {
    // Not allowed, the post is gone, or the text is over the size limit: retrying cannot help.
    ctx.setStatus(result.data.error, true);
    return false;
  }
  ctx.setStatus(status === 401
    ? "You are signed out, so autosave stopped. Your text is kept in this browser; sign in again in another tab."
    : "Autosave failed; your text is kept in this browser. Trying again shortly.", true);
  return true;
}

// The form's fields as form data, for the beacon sent when the tab closes.
function beaconData(ctx) {
  const data = new FormData();
  const values = ctx.collect();
  Object.keys(values).forEach((name) => {
    if (!ctx.flags.has(name)) data.append(name, values[name]);
    else if (values[name]) data.append(name, "1");
  });
  data.append("version", ctx.form.getAttribute("data-version"));
  data.append("csrf_token", csrfToken());
  return data;
}

// Returns what recovery needs: keep(), which keeps the form in this browser now.
export function initAutosave(ctx) {
  const url = ctx.form.getAttribute("data-autosave-url");
  let dirty = false, submitting = false, timer = null;

  async function autosave() {
    timer = null;
    if (!dirty || submitting || !url) return;
    const values = { ...ctx.collect(), version: ctx.form.getAttribute("data-version") };
    dirty = false;
    let result;
    try {
      result = await send(url, JSON.stringify(values), { "Content-Type": "application/json" });
    } catch (error) {
      result = { ok: false, status: 0, data: null };  // offline or the server is down
    }
    if (report(ctx, result)) {
      dirty = true;
      if (!timer) timer = setTimeout(autosave, RETRY_DELAY);
    } else if (!result.ok) {
      dirty = true;
    }
  }

  function changed(event) {
    if (!event.target || !ctx.isField(event.target.name)) return;
    dirty = true;
    if (!keepLocally(ctx) && !url) ctx.setStatus("This browser cannot keep a copy; save often.", true);
    if (url && !timer) timer = setTimeout(autosave, AUTOSAVE_DELAY);
  }
  ctx.form.addEventListener("input", changed);
  ctx.form.addEventListener("change", changed);
  ctx.form.addEventListener("submit", () => {
    submitting = true;
    clearTimeout(timer);
  });
  // Closing the tab: one last autosave that outlives the page.
  window.addEventListener("pagehide", () => {
    if (!dirty || submitting || !url || !navigator.sendBeacon) return;
    navigator.sendBeacon(url, beaconData(ctx));
  });
  return { keep: () => keepLocally(ctx) };
}
