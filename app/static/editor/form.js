// The post form as the other modules share it: its fields, what they hold, the status line.
//
// The field names come from the server (the form's data-fields attribute, rendered from the
// editor's list of post fields), so every field the form saves is also kept in this
// browser, autosaved and restored: nothing is listed twice.

import { STORAGE_PREFIX, statusLine } from "./util.js";

function fieldNames(form) {
  try {
    const names = JSON.parse(form.getAttribute("data-fields") || "[]");
    return Array.isArray(names) ? names.filter((name) => typeof name === "string") : [];
  } catch (e) {
    return [];
  }
}

// Values as compared: newlines normalised, text trimmed (the body keeps its spaces, as
// the server keeps them), checkboxes as booleans.
function normaliser(names, flags) {
  return function normalise(values) {
    const out = {};
    names.forEach((name) => {
      if (flags.has(name)) { out[name] = Boolean(values[name]); return; }
      const text = String(values[name] ?? "").replace(/\r\n?/g, "\n");
      out[name] = name === "body" ? text : text.trim();
    });
    return out;
  };
}

export function formContext(form) {
  const names = fieldNames(form);
  const field = (name) => form.elements.namedItem(name);
  // Fields this page shows (a page has no "featured" box) that are checkboxes.
  const flags = new Set(names.filter((name) => field(name) && field(name).type === "checkbox"));
  const normalise = normaliser(names, flags);
  const postId = form.getAttribute("data-post-id");
  return {
    form,
    names,
    flags,
    field,
    body: form.elements.body,
    postId,
    storageKey: STORAGE_PREFIX + (postId || "new"),
    setStatus: statusLine(document.getElementById("autosave-status")),
    version: () => Number(form.getAttribute("data-version")) || 0,
    isField: (name) => names.includes(name),
    collect() {
      const values = {};
      names.forEach((name) => {
        const input = field(name);
        if (input) values[name] = flags.has(name) ? input.checked : input.value;
      });
      return values;
    },
    // Puts values back and announces each change, so every part reacts as to typing.
    fill(values) {
      names.forEach((name) => {
        const input = field(name);
        if (!input || !(name in values)) return;
        if (flags.has(name)) input.checked = Boolean(values[name]);
        else if (typeof values[name] === "string") input.value = values[name];
        else return;
        input.dispatchEvent(new Event(flags.has(name) ? "change" : "input", { bubbles: true }));
      });
    },
    same(a, b) {
      const x = normalise(a), y = normalise(b);
      return names.every((name) => x[name] === y[name]);
    }
  };
}
