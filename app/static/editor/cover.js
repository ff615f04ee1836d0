// The cover: picking a file uploads it at once and puts its address in the Cover image
// field (without script, the file goes with the form and the server does the same); the
// small preview under the field follows the address.

import { failure, send, statusLine, tooLarge } from "./util.js";

function coverPreview(field) {
  let preview = document.getElementById("ed-cover-preview");
  return function show() {
    const shown = field.value.startsWith("/uploads/");
    if (shown && !preview) {
      preview = document.createElement("img");
      preview.className = "cover-preview";
      preview.id = "ed-cover-preview";
      preview.alt = "The cover as chosen now";
      field.insertAdjacentElement("afterend", preview);
    }
    if (!preview) return;
    preview.hidden = !shown;
    if (shown) preview.src = field.value;
  };
}

export function initCover(ctx) {
  const input = ctx.form.elements.cover_file, field = ctx.field("cover_image");
  const url = ctx.form.getAttribute("data-upload-url");
  const limit = Number(ctx.form.getAttribute("data-upload-max")) || 0;
  if (!input || !field || !url) return;
  const say = statusLine(document.getElementById("ed-cover-status"));

  field.addEventListener("input", coverPreview(field));
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    input.value = "";
    const refusal = tooLarge(file, limit);
    if (refusal) { say(refusal, true); return; }
    const data = new FormData();
    data.append("image", file, file.name);
    say("Uploading “" + file.name + "”…", false);
    try {
      const result = await send(url, data);
      if (!result.ok) throw new Error(failure(result));
      field.value = result.data.url;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      say("Uploaded “" + file.name + "”: it is the cover now. Describe it in the alt text.", false);
    } catch (error) {
      say("“" + file.name + "” was not uploaded: " + error.message, true);
    }
  });
}
