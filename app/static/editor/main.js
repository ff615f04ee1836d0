// The editor's enhancements, one module each, loaded by every editor page as
// <script type="module"> (files from this host, as the Content-Security-Policy requires).
// Every page works without them; with them:
// - the dashboard filters as you type (filter.js);
// - the slug follows the title until the author edits it (slug.js);
// - the preview updates as you type, rendered by the server's pipeline (preview.js);
// - unsaved text is kept in this browser at once and autosaved to the server every few
//   seconds (autosave.js), and after a crash or a closed tab the page offers it back
//   (recovery.js);
// - images are uploaded by the file picker, drag-and-drop or paste, and inserted at the
//   cursor as paragraphs of their own (uploads.js, blocks.js); a picked cover uploads at
//   once (cover.js);
// - keyboard shortcuts and focus mode (keyboard.js).
// The post form's parts share one context (form.js), whose field list comes from the server.
// Only this file's URL carries the ?v= fingerprint (immutable for a year); the relative
// imports are served with the site's short Cache-Control and revalidated by ETag, so a
// new version reaches browsers within CACHE_MAX_AGE.

import { initAutosave } from "./autosave.js";
import { initCover } from "./cover.js";
import { initFilter } from "./filter.js";
import { formContext } from "./form.js";
import { initFocusMode, initShortcuts } from "./keyboard.js";
import { initPreview, initScrollSync } from "./preview.js";
import { initRecovery } from "./recovery.js";
import { initPublishLabel, initSlug } from "./slug.js";
import { initUploads } from "./uploads.js";

function initPostForm() {
  const form = document.getElementById("post-form");
  if (!form) return;
  const ctx = formContext(form);
  initSlug(ctx);
  initPublishLabel(ctx);
  initPreview(ctx);
  initRecovery(ctx, initAutosave(ctx));
  initUploads(ctx);
  initCover(ctx);
  initShortcuts(ctx);
  initFocusMode(ctx);
  initScrollSync(ctx);
  // After a refused save, start at the list of problems (each links to its field).
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
}

// A module runs once the page is parsed, so the elements are all there.
initFilter();
initPostForm();
