// Images in the body: picked with the file input, dropped on the body or pasted into it,
// uploaded at once, and their Markdown inserted at the caret as a paragraph of its own.

import { insertBlock } from "./blocks.js";
import { failure, send, statusLine, tooLarge } from "./util.js";

const files = (list) => Array.from(list || []);
const hasFiles = (event) => Boolean(event.dataTransfer) &&
  Array.from(event.dataTransfer.types || []).includes("Files");

function uploader(ctx, url, limit) {
  const alt = ctx.form.elements.image_alt;
  const say = statusLine(document.getElementById("upload-status"));
  return async function upload(file) {
    const name = file.name || "pasted image";
    const refusal = tooLarge(file, limit, name);
    if (refusal) { say(refusal, true); return; }
    const data = new FormData();
    data.append("image", file, file.name || "pasted-image");
    data.append("alt", (alt && alt.value.trim()) || name.replace(/\.[^.]*$/, ""));
    say("Uploading “" + name + "”…", false);
    try {
      const result = await send(url, data);
      if (!result.ok) throw new Error(failure(result));
      insertBlock(ctx.body, result.data.markdown);
      if (alt) alt.value = "";
      say("Uploaded “" + name + "” and inserted it at the cursor, as its own paragraph.", false);
    } catch (error) {
      say("“" + name + "” was not uploaded: " + error.message, true);
    }
  };
}

export function initUploads(ctx) {
  const input = ctx.form.elements.image;
  const url = ctx.form.getAttribute("data-upload-url");
  if (!input || !url) return;
  const upload = uploader(ctx, url, Number(ctx.form.getAttribute("data-upload-max")) || 0);
  const body = ctx.body;
  // Picking a file uploads it at once, so the no-script button is not needed.
  const button = ctx.form.querySelector("[data-upload-button]");
  if (button) button.hidden = true;

  input.addEventListener("change", () => {
    files(input.files).forEach(upload);
    input.value = "";
  });
  body.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    body.classList.add("is-drop-target");
  });
  body.addEventListener("dragleave", () => body.classList.remove("is-drop-target"));
  body.addEventListener("drop", (event) => {
    body.classList.remove("is-drop-target");
    const dropped = files(event.dataTransfer && event.dataTransfer.files);
    if (!dropped.length) return;
    event.preventDefault();
    dropped.forEach(upload);
  });
  body.addEventListener("paste", (event) => {
    const pasted = files(event.clipboardData && event.clipboardData.files);
    if (!pasted.length) return;
    event.preventDefault();
    pasted.forEach(upload);
  });
}
