// The live preview beside the body: rendered by the server's publishing pipeline as the
// author types (only the newest answer is shown), with the word count, and scrolled with
// the body.

import { debounce, send } from "./util.js";

const PREVIEW_DELAY = 350;

// The word count beside the title comes with the preview, so the editor and readers
// count words the same way.
function showCount(preview, count) {
  if (!count) return;
  const source = preview.querySelector("[data-word-count]");
  if (!source) { count.textContent = "0 words"; return; }
  const words = Number(source.getAttribute("data-word-count"));
  count.textContent = words + (words === 1 ? " word" : " words") + " · about " +
    source.getAttribute("data-reading-minutes") + " min read";
}

export function initPreview(ctx) {
  const preview = document.querySelector("[data-preview]");
  const count = document.getElementById("writing-count");
  if (!preview) return;
  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    const data = new FormData();
    data.append("body", ctx.body.value);
    preview.setAttribute("aria-busy", "true");
    try {
      const result = await send(ctx.form.getAttribute("data-preview-url"), data);
      if (mine !== seq) return;
      if (!result.ok || typeof result.data !== "string") throw new Error(String(result.status));
      preview.innerHTML = result.data;
      showCount(preview, count);
      // Lets plugin scripts (calculators...) enhance fragments added after page load.
      preview.dispatchEvent(new CustomEvent("pressmark:fragment", { bubbles: true }));
    } catch (error) {
      if (mine !== seq) return;
      ctx.setStatus("The preview could not be updated; press “Preview” to try again.", true);
    } finally {
      if (mine === seq) preview.removeAttribute("aria-busy");
    }
  }
  ctx.body.addEventListener("input", debounce(refresh, PREVIEW_DELAY));
}

// The preview scrolls with the body: the same fraction of the way down.
export function initScrollSync(ctx) {
  const preview = document.querySelector("[data-preview]");
  if (!preview) return;
  let frame = 0;
  ctx.body.addEventListener("scroll", () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const range = ctx.body.scrollHeight - ctx.body.clientHeight;
      const fraction = range > 0 ? ctx.body.scrollTop / range : 0;
      preview.scrollTop = fraction * (preview.scrollHeight - preview.clientHeight);
    });
  });
}
