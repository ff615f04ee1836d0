// The editor's enhancements. Every page works without them; with them:
// - the dashboard filters as you type;
// - the slug follows the title until the author edits it;
// - the preview updates as you type (rendered by the server's publishing pipeline);
// - unsaved text is kept in this browser at once and autosaved to the server every few
//   seconds (existing posts only: a new post lives in this browser until its first save),
//   and after a crash or a closed tab the page offers to restore it;
// - images are uploaded by the file picker, drag-and-drop or paste, and their Markdown is
//   inserted at the cursor;
// - keyboard shortcuts (save, preview, publish, focus mode), the word count, and a
//   preview that scrolls with the body.
// The post form's parts are small named functions (initSlug, initPreview, initAutosave,
// initRecovery, initUploads...) that share one formContext.
// Requests carry the CSRF token (from <meta name="csrf-token">) in the X-CSRFToken header.
(function () {
  "use strict";

  var STORAGE_PREFIX = "pressmark-editor:";
  var AUTOSAVE_DELAY = 3000;
  var RETRY_DELAY = 10000;
  var PREVIEW_DELAY = 350;
  var FIELDS = ["title", "slug", "summary", "topic", "tags", "authors", "series",
    "series_position", "published_at", "body"];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }

  // POST with the CSRF token; resolves to {ok, status, data} where data is parsed JSON
  // when the server sent JSON, otherwise the response text.
  function send(url, body, extraHeaders) {
    var headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        var read = type.indexOf("application/json") === 0 ? response.json() : response.text();
        return read.then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
      });
  }

  var storage = {
    read: function (key) {
      try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
    },
    write: function (key, value) {
      try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
    },
    remove: function (key) {
      try { localStorage.removeItem(key); } catch (e) { /* storage unavailable */ }
    }
  };

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // --- dashboard filter ---------------------------------------------------------------------

  function initFilter() {
    var input = document.querySelector("[data-filter-target]");
    if (!input) return;
    var root = document.getElementById(input.getAttribute("data-filter-target"));
    var status = document.getElementById("filter-status");
    if (!root) return;

    function apply() {
      var query = input.value.trim().toLowerCase();
      var total = 0;
      root.querySelectorAll("[data-filter-group]").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("tr[data-filter-text]").forEach(function (row) {
          var match = !query || row.getAttribute("data-filter-text").indexOf(query) !== -1;
          row.hidden = !match;
          if (match) shown += 1;
        });
        var table = group.querySelector("table");
        if (table) table.hidden = shown === 0;
        var count = group.querySelector("[data-filter-count]");
        if (count) count.textContent = String(shown);
        var empty = group.querySelector("[data-filter-empty]");
        if (empty) {
          empty.hidden = shown !== 0;
          empty.textContent = query ? "None match." : empty.getAttribute("data-empty-text");
        }
        total += shown;
      });
      if (status) {
        var noun = total === 1 ? " post" : " posts";
        status.textContent = query
          ? total + noun + (total === 1 ? " matches" : " match") + " “" + input.value.trim() + "”."
          : total + noun + ".";
      }
    }
    input.addEventListener("input", debounce(apply, 120));
    // Text typed before this script ran, or restored by the browser on going back.
    if (input.value) apply();
  }

  // --- the post form ------------------------------------------------------------------------

  function slugify(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80).replace(/-+$/, "");
  }

  function normalise(fields) {
    var out = {};
    FIELDS.forEach(function (name) {
      out[name] = String(fields[name] || "").replace(/\r\n?/g, "\n");
    });
    out.title = out.title.trim();
    out.summary = out.summary.trim();
    out.featured = Boolean(fields.featured);
    return out;
  }

  function sameFields(a, b) {
    var x = normalise(a), y = normalise(b);
    return FIELDS.every(function (name) { return x[name] === y[name]; }) && x.featured === y.featured;
  }

  // The post form as the parts below share it: its fields, what they hold, the status line.
  function formContext(form) {
    var autosaveStatus = document.getElementById("autosave-status");
    var ctx = {
      form: form,
      body: form.elements.body,
      postId: form.getAttribute("data-post-id"),
      field: function (name) { return form.elements[name]; },
      version: function () { return Number(form.getAttribute("data-version")) || 0; },
      collect: function () {
        var values = {};
        FIELDS.forEach(function (name) { values[name] = ctx.field(name).value; });
        var featured = ctx.field("featured");
        values.featured = Boolean(featured && featured.checked);
        return values;
      },
      // Puts values back and announces each change, so every part reacts as to typing.
      fill: function (values) {
        FIELDS.forEach(function (name) {
          if (typeof values[name] !== "string") return;
          ctx.field(name).value = values[name];
          ctx.field(name).dispatchEvent(new Event("input", { bubbles: true }));
        });
        var featured = ctx.field("featured");
        if (featured) featured.checked = Boolean(values.featured);
      },
      setStatus: function (text, isError) {
        if (!autosaveStatus) return;
        autosaveStatus.textContent = text;
        autosaveStatus.classList.toggle("is-error", Boolean(isError));
      }
    };
    ctx.storageKey = STORAGE_PREFIX + (ctx.postId || "new");
    return ctx;
  }

  function initEditor() {
    var form = document.getElementById("post-form");
    if (!form) return;
    var ctx = formContext(form);
    initSlug(ctx);
    initPublishLabel(ctx);
    initPreview(ctx);
    var keeper = initAutosave(ctx);
    initRecovery(ctx, keeper);
    initUploads(ctx);
    initCover(ctx);
    initShortcuts(ctx);
    initFocusMode(ctx);
    initScrollSync(ctx);
    // After a refused save, start at the list of problems (each links to its field).
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  // Slug suggestion: follows the title while the slug is empty or still the suggestion,
  // never for a published post (its address would change under the author's feet).
  function initSlug(ctx) {
    var title = ctx.field("title"), slug = ctx.field("slug");
    var echo = ctx.form.querySelector("[data-slug-echo]");
    var follows = ctx.form.getAttribute("data-status") !== "published" &&
      (slug.value === "" || slug.value === slugify(title.value));
    function updateEcho() {
      if (echo) echo.textContent = slug.value || slugify(title.value) || "…";
    }
    title.addEventListener("input", function () {
      if (follows) slug.value = slugify(title.value);
      updateEcho();
    });
    slug.addEventListener("input", function () {
      follows = slug.value === "";
      updateEcho();
    });
  }

  // "Publish" reads "Schedule" when the date is in the future (dates are UTC).
  function initPublishLabel(ctx) {
    var button = ctx.form.querySelector("[data-publish-button]");
    var date = ctx.field("published_at");
    if (!button || !date || date.type === "hidden") return;
    function update() {
      var when = date.value ? Date.parse(date.value + "Z") : NaN;
      button.textContent = when > Date.now() ? "Schedule" : "Publish";
    }
    date.addEventListener("input", update);
    update();
  }

  // Live preview, rendered by the server; only the newest answer is shown. The word count
  // beside the title comes with it, so the editor and readers count words the same way.
  function initPreview(ctx) {
    var preview = document.querySelector("[data-preview]");
    var count = document.getElementById("writing-count");
    if (!preview) return;
    var seq = 0;
    function showCount() {
      var source = preview.querySelector("[data-word-count]");
      if (!count) return;
      if (!source) { count.textContent = "0 words"; return; }
      var words = Number(source.getAttribute("data-word-count"));
      count.textContent = words + (words === 1 ? " word" : " words") + " · about " +
        source.getAttribute("data-reading-minutes") + " min read";
    }
    function refresh() {
      var mine = ++seq;
      var data = new FormData();
      data.append("body", ctx.body.value);
      preview.setAttribute("aria-busy", "true");
      send(ctx.form.getAttribute("data-preview-url"), data).then(function (result) {
        if (mine !== seq) return;
        preview.removeAttribute("aria-busy");
        if (!result.ok || typeof result.data !== "string") throw new Error(String(result.status));
        preview.innerHTML = result.data;
        showCount();
        // Lets plugin scripts (calculators...) enhance fragments added after page load.
        preview.dispatchEvent(new CustomEvent("pressmark:fragment", { bubbles: true }));
      }).catch(function () {
        if (mine !== seq) return;
        preview.removeAttribute("aria-busy");
        ctx.setStatus("The preview could not be updated; press “Preview” to try again.", true);
      });
    }
    ctx.body.addEventListener("input", debounce(refresh, PREVIEW_DELAY));
  }

  // Keeping unsaved text: in this browser at once, on the server every few seconds.
  // Returns what recovery needs: keep() and schedule().
  function initAutosave(ctx) {
    var url = ctx.form.getAttribute("data-autosave-url");
    var dirty = false, submitting = false, timer = null;

    function keepLocally() {
      return storage.write(ctx.storageKey, {
        postId: ctx.postId || null,
        version: ctx.version(),
        savedAt: Date.now(),
        fields: ctx.collect()
      });
    }

    function autosave() {
      timer = null;
      if (!dirty || submitting || !url) return;
      var values = ctx.collect();
      values.version = ctx.form.getAttribute("data-version");
      dirty = false;
      send(url, JSON.stringify(values), { "Content-Type": "application/json" })
        .then(function (result) {
          if (!result.ok) throw result;
          var data = result.data || {};
          var text = data.saved ? "Autosaved at " + clock(new Date()) + "." : "No unsaved changes.";
          if (data.stale) {
            text += " Someone saved this post after you opened it: saving will show both versions.";
          }
          ctx.setStatus(text, false);
        })
        .catch(function (result) {
          dirty = true;
          var status = result && result.status;
          if ((status === 403 || status === 410 || status === 413) && result.data && result.data.error) {
            // Not allowed, the post is gone, or the text is over the size limit: retrying
            // cannot help.
            ctx.setStatus(result.data.error, true);
            return;
          }
          var signedOut = status === 401;
          ctx.setStatus(signedOut
            ? "You are signed out, so autosave stopped. Your text is kept in this browser; sign in again in another tab."
            : "Autosave failed; your text is kept in this browser. Trying again shortly.", true);
          if (!timer) timer = setTimeout(autosave, RETRY_DELAY);
        });
    }

    function changed(event) {
      var name = event.target && event.target.name;
      if (!name || name === "image" || name === "image_alt" || name === "cover_file" ||
          name === "csrf_token") return;
      dirty = true;
      if (!keepLocally() && !url) {
        ctx.setStatus("This browser cannot keep a copy; save often.", true);
      }
      if (url && !timer) timer = setTimeout(autosave, AUTOSAVE_DELAY);
    }
    ctx.form.addEventListener("input", changed);
    ctx.form.addEventListener("change", changed);
    ctx.form.addEventListener("submit", function () {
      submitting = true;
      clearTimeout(timer);
    });
    // Closing the tab: one last autosave that outlives the page.
    window.addEventListener("pagehide", function () {
      if (!dirty || submitting || !url || !navigator.sendBeacon) return;
      var data = new FormData();
      var values = ctx.collect();
      FIELDS.forEach(function (name) { data.append(name, values[name]); });
      if (values.featured) data.append("featured", "1");
      data.append("version", ctx.form.getAttribute("data-version"));
      data.append("csrf_token", csrfToken());
      navigator.sendBeacon(url, data);
    });
    return { keep: keepLocally };
  }

  // After a save the copy is safe on the server; otherwise offer a newer copy back.
  function initRecovery(ctx, keeper) {
    var form = ctx.form;
    if (form.hasAttribute("data-just-saved")) {
      storage.remove(ctx.storageKey);
      if (form.hasAttribute("data-created")) storage.remove(STORAGE_PREFIX + "new");
      return;
    }
    if (form.hasAttribute("data-conflict")) return;
    var copy = storage.read(ctx.storageKey);
    var notice = document.getElementById("local-recovery");
    if (!copy || !copy.fields || !notice) return;
    if (sameFields(copy.fields, ctx.collect())) return;
    var serverNotice = document.getElementById("autosave-notice");
    if (serverNotice) {
      var serverFields = null;
      try { serverFields = JSON.parse(serverNotice.getAttribute("data-fields") || "null"); } catch (e) { /* ignore */ }
      if (serverFields && sameFields(copy.fields, serverFields)) return; // offered there already
    }
    var updatedAt = Date.parse(form.getAttribute("data-updated-at") || "") || 0;
    if (!(copy.version >= ctx.version() || copy.savedAt > updatedAt)) return;
    var when = notice.querySelector("[data-recovery-time]");
    if (when) when.textContent = new Date(copy.savedAt).toLocaleString();
    notice.hidden = false;
    var heading = notice.querySelector("h2");
    if (heading) heading.focus();
    notice.querySelector('[data-recovery="restore"]').addEventListener("click", function () {
      ctx.fill(copy.fields); // each field's input event marks the form changed and autosaves
      notice.hidden = true;
      keeper.keep();
      ctx.setStatus("Restored your unsaved text from " + new Date(copy.savedAt).toLocaleString() +
        ". Save to keep it.", false);
      ctx.body.focus();
    });
    notice.querySelector('[data-recovery="discard"]').addEventListener("click", function () {
      storage.remove(ctx.storageKey);
      notice.hidden = true;
      ctx.field("title").focus();
    });
  }

  // Keyboard shortcuts press the buttons whose titles name them: Ctrl/⌘+S saves,
  // Alt+Shift+P previews, Ctrl/⌘+Shift+Enter publishes. On a Mac the titles say ⌘.
  function initShortcuts(ctx) {
    var mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
    var buttons = {};
    ctx.form.querySelectorAll("[data-shortcut]").forEach(function (button) {
      buttons[button.getAttribute("data-shortcut")] = button;
      if (mac) button.title = button.title.replace("Ctrl+", "⌘");
    });
    function press(name, event) {
      var button = buttons[name];
      if (!button || button.disabled) return;
      event.preventDefault();
      if (ctx.form.requestSubmit) ctx.form.requestSubmit(button); else button.click();
    }
    document.addEventListener("keydown", function (event) {
      var mod = mac ? event.metaKey : event.ctrlKey;
      if (mod && !event.shiftKey && !event.altKey && event.code === "KeyS") press("save", event);
      else if (mod && event.shiftKey && event.key === "Enter") press("publish", event);
      else if (event.altKey && event.shiftKey && !mod && event.code === "KeyP") press("preview", event);
    });
  }

  // Focus mode is a checkbox styled by CSS (it works without scripts); the script adds
  // its shortcut, Alt+Shift+F, and Escape to leave it.
  function initFocusMode(ctx) {
    var toggle = document.getElementById("focus-mode");
    if (!toggle) return;
    function set(on) {
      toggle.checked = on;
      ctx.body.focus();
    }
    document.addEventListener("keydown", function (event) {
      if (event.altKey && event.shiftKey && event.code === "KeyF") {
        event.preventDefault();
        set(!toggle.checked);
      } else if (event.key === "Escape" && toggle.checked) {
        set(false);
      }
    });
  }

  // The preview beside the body scrolls with it: the same fraction of the way down.
  function initScrollSync(ctx) {
    var preview = document.querySelector("[data-preview]");
    if (!preview) return;
    var frame = 0;
    ctx.body.addEventListener("scroll", function () {
      if (frame) return;
      frame = requestAnimationFrame(function () {
        frame = 0;
        var range = ctx.body.scrollHeight - ctx.body.clientHeight;
        var fraction = range > 0 ? ctx.body.scrollTop / range : 0;
        preview.scrollTop = fraction * (preview.scrollHeight - preview.clientHeight);
      });
    });
  }

  // --- images -------------------------------------------------------------------------------

  function initUploads(ctx) {
    var form = ctx.form, body = ctx.body;
    var input = form.elements.image;
    var alt = form.elements.image_alt;
    var status = document.getElementById("upload-status");
    var button = form.querySelector("[data-upload-button]");
    var url = form.getAttribute("data-upload-url");
    var limit = Number(form.getAttribute("data-upload-max")) || 0;
    if (!input || !url) return;
    // Picking a file uploads it at once, so the no-script button is not needed.
    if (button) button.hidden = true;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("is-error", Boolean(isError));
    }

    function insertAtCursor(text) {
      var start = body.selectionStart, end = body.selectionEnd;
      body.setRangeText(text, start, end, "end");
      body.dispatchEvent(new Event("input", { bubbles: true }));
      body.focus();
    }

    function upload(file) {
      var name = file.name || "pasted image";
      if (limit && file.size > limit) {
        say("“" + name + "” is too large: the limit is " + Math.round(limit / 1048576) + " MiB.", true);
        return;
      }
      var data = new FormData();
      data.append("image", file, file.name || "pasted-image");
      data.append("alt", alt.value.trim() || name.replace(/\.[^.]*$/, ""));
      say("Uploading “" + name + "”…", false);
      send(url, data).then(function (result) {
        if (!result.ok) {
          var reason = result.data && result.data.error ? result.data.error
            : "the server answered " + result.status + ".";
          throw new Error(reason);
        }
        insertAtCursor(result.data.markdown);
        alt.value = "";
        say("Uploaded “" + name + "” and inserted it at the cursor.", false);
      }).catch(function (error) {
        say("“" + name + "” was not uploaded: " + error.message, true);
      });
    }

    function files(list) {
      return Array.prototype.slice.call(list || []);
    }

    input.addEventListener("change", function () {
      files(input.files).forEach(upload);
      input.value = "";
    });
    body.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
        event.preventDefault();
        body.classList.add("is-drop-target");
      }
    });
    body.addEventListener("dragleave", function () { body.classList.remove("is-drop-target"); });
    body.addEventListener("drop", function (event) {
      body.classList.remove("is-drop-target");
      var dropped = files(event.dataTransfer && event.dataTransfer.files);
      if (!dropped.length) return;
      event.preventDefault();
      dropped.forEach(upload);
    });
    body.addEventListener("paste", function (event) {
      var pasted = files(event.clipboardData && event.clipboardData.files);
      if (!pasted.length) return;
      event.preventDefault();
      pasted.forEach(upload);
    });
  }

  // --- the cover ------------------------------------------------------------------------------

  // Picking a cover file uploads it at once and puts its address in the Cover image field
  // (without script, the file goes with the form and the server does the same).
  function initCover(ctx) {
    var form = ctx.form;
    var input = form.elements.cover_file, field = form.elements.cover_image;
    var preview = document.getElementById("ed-cover-preview");
    var status = document.getElementById("ed-cover-status");
    var url = form.getAttribute("data-upload-url");
    var limit = Number(form.getAttribute("data-upload-max")) || 0;
    if (!input || !field || !url) return;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("is-error", Boolean(isError));
    }

    function showPreview() {
      var shown = field.value.indexOf("/uploads/") === 0;
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
    }

    field.addEventListener("input", showPreview);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      input.value = "";
      if (limit && file.size > limit) {
        say("“" + file.name + "” is too large: the limit is " + Math.round(limit / 1048576) + " MiB.", true);
        return;
      }
      var data = new FormData();
      data.append("image", file, file.name);
      say("Uploading “" + file.name + "”…", false);
      send(url, data).then(function (result) {
        if (!result.ok) {
          throw new Error(result.data && result.data.error ? result.data.error
            : "the server answered " + result.status + ".");
        }
        field.value = result.data.url;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        say("Uploaded “" + file.name + "”: it is the cover now. Describe it in the alt text.", false);
      }).catch(function (error) {
        say("“" + file.name + "” was not uploaded: " + error.message, true);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initFilter();
    initEditor();
  });
})();
