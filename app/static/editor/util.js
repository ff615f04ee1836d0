// Small helpers the editor's modules share: the CSRF token, requests, this browser's
// storage, debouncing and status lines. No module state lives here.

export const STORAGE_PREFIX = "pressmark-editor:";

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

export function debounce(fn, wait) {
  let timer = null;
  return function () {
    clearTimeout(timer);
    timer = setTimeout(fn, wait);
  };
}

// POST with the CSRF token in the X-CSRFToken header; resolves to {ok, status, data}, where
// data is the parsed JSON when the server sent JSON, otherwise the response text.
export async function send(url, body, extraHeaders = {}) {
  const headers = { "X-CSRFToken": csrfToken(), Accept: "application/json", ...extraHeaders };
  const response = await fetch(url, { method: "POST", body, headers, credentials: "same-origin" });
  const type = response.headers.get("Content-Type") || "";
  const data = type.startsWith("application/json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, data };
}

// The reason a failed upload or request gives, for the author to read.
export function failure(result) {
  return result.data && result.data.error ? result.data.error
    : "the server answered " + result.status + ".";
}

// localStorage that never throws (private windows, full or disabled storage).
export const storage = {
  read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  },
  write(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  },
  remove(key) {
    try { localStorage.removeItem(key); } catch (e) { /* storage unavailable */ }
  }
};

export function clock(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// A function that writes a message into the status element, marked as an error or not.
export function statusLine(element) {
  return function say(text, isError) {
    if (!element) return;
    element.textContent = text;
    element.classList.toggle("is-error", Boolean(isError));
  };
}

// The message for a file over the upload limit, or "" when it fits (0 = no limit known).
export function tooLarge(file, limit, name = file.name) {
  if (!limit || file.size <= limit) return "";
  return "“" + name + "” is too large: the limit is " + Math.round(limit / 1048576) + " MiB.";
}
