// Live results for calculator forms. The formulas live in Python: on every change this asks
// the form's JSON endpoint (data-calc-json) and shows the answer in place. Without this
// script the form still works: it submits to the calculator's page.
(function () {
  "use strict";
  var DELAY_MS = 250;

  function byId(id) { return document.getElementById(id); }

  function setMessage(element, text) {
    if (!element) return;
    element.textContent = text || "";
    element.hidden = !text;
  }

  function setup(form) {
    var url = form.getAttribute("data-calc-json");
    var uid = form.id;
    var timer = null;
    var latest = 0;
    var controller = null;
    var offline = false; // after a failed request, Calculate submits the form as usual
    var list = form.querySelector(".calc-result-list");

    function controls() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "hidden" && el.type !== "submit";
      });
    }

    function showErrors(errors) {
      controls().forEach(function (el) {
        var message = errors[el.name];
        setMessage(byId(el.id + "-error"), message);
        if (message) el.setAttribute("aria-invalid", "true");
        else el.removeAttribute("aria-invalid");
      });
      setMessage(byId(uid + "-general"), errors._);
    }

    function showResults(results, ok) {
      var rows = list.querySelectorAll(".calc-result");
      var same = rows.length === results.length;
      results.forEach(function (result, i) {
        if (!same || rows[i].querySelector("dt").textContent !== result.label) same = false;
      });
      if (same) {
        // Change only the text that changed, so screen readers announce just that.
        results.forEach(function (result, i) {
          var output = rows[i].querySelector("output");
          if (output.textContent !== result.text) output.textContent = result.text;
        });
      } else {
        var ids = controls().map(function (el) { return el.id; }).join(" ");
        list.textContent = "";
        results.forEach(function (result) {
          var row = document.createElement("div");
          var dt = document.createElement("dt");
          var dd = document.createElement("dd");
          var output = document.createElement("output");
          row.className = "calc-result";
          dt.textContent = result.label;
          output.setAttribute("for", ids);
          output.textContent = result.text;
          dd.appendChild(output);
          row.appendChild(dt);
          row.appendChild(dd);
          list.appendChild(row);
        });
      }
      list.hidden = !ok;
      byId(uid + "-invalid").hidden = ok;
    }

    function showPresets(data) {
      Object.keys(data.presets || {}).forEach(function (group) {
        var select = form.elements[group];
        var was = form.elements["was_" + group];
        if (select) select.value = data.presets[group];
        if (was) was.value = data.presets[group];
      });
      // A preset the reader just picked replaced some values: show them in the fields.
      if (data.applied && data.applied.length) {
        Object.keys(data.fields || {}).forEach(function (name) {
          var field = form.elements[name];
          if (field && field !== document.activeElement) field.value = data.fields[name];
        });
      }
    }

    function show(data) {
      showPresets(data);
      showErrors(data.errors || {});
      showResults(data.results || [], !!data.ok);
    }

    function update() {
      var mine = ++latest;
      if (controller) controller.abort();
      controller = new AbortController();
      var query = new URLSearchParams(new FormData(form)).toString();
      form.setAttribute("aria-busy", "true");
      fetch(url + "?" + query, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (mine !== latest) return;
          if (data.results === undefined) throw new Error(data.error || "bad response");
          offline = false;
          show(data);
        })
        .catch(function (error) {
          if (error.name === "AbortError" || mine !== latest) return;
          offline = true;
          setMessage(byId(uid + "-general"),
            "Could not update the results here. Press Calculate to open them on their own page.");
        })
        .then(function () {
          if (mine === latest) form.removeAttribute("aria-busy");
        });
    }

    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(update, delay);
    }

    return { schedule: schedule, isOffline: function () { return offline; } };
  }

  // Delegated listeners, so forms added later (an editor preview) are live too.
  var states = new WeakMap();
  function stateFor(target) {
    var form = target && target.closest && target.closest("form[data-calc-json]");
    if (!form) return null;
    if (!states.has(form)) states.set(form, setup(form));
    return states.get(form);
  }

  document.addEventListener("input", function (event) {
    var state = stateFor(event.target);
    if (state) state.schedule(event.target.tagName === "SELECT" ? 0 : DELAY_MS);
  });
  document.addEventListener("change", function (event) {
    var state = stateFor(event.target);
    if (state && event.target.tagName === "SELECT") state.schedule(0);
  });
  document.addEventListener("submit", function (event) {
    var state = stateFor(event.target);
    if (!state || state.isOffline()) return;
    event.preventDefault();
    state.schedule(0);
  });
})();
