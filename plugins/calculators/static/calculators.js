// Live calculator results. Formulas, formatting and charts live in Python: on each change
// this asks data-calc-json and shows the answer (the chart comes drawn). Forms sharing
// data-calc-chain feed later ones their presets and keyed results. Without this script
// the form still works: it submits to its page.
(function () {
  "use strict";
  var DELAY_MS = 250;
  var states = new WeakMap();

  function byId(id) { return document.getElementById(id); }

  function setMessage(element, text) {
    if (!element) return;
    element.textContent = text || "";
    element.hidden = !text;
  }

  function controls(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "hidden" && el.type !== "submit";
    });
  }

  function showErrors(form, errors) {
    controls(form).forEach(function (el) {
      var message = errors[el.name];
      setMessage(byId(el.id + "-error"), message);
      if (message) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    });
    setMessage(byId(form.id + "-general"), errors._);
  }

  function sameRows(rows, results) {
    if (rows.length !== results.length) return false;
    return results.every(function (result, i) {
      return rows[i].querySelector("dt").textContent === result.label;
    });
  }

  function resultRow(result, ids) {
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
    return row;
  }

  function showResults(form, results, ok) {
    var list = form.querySelector(".calc-result-list");
    var rows = list.querySelectorAll(".calc-result");
    if (sameRows(rows, results)) {
      // Change only the text that changed, so screen readers announce just that.
      results.forEach(function (result, i) {
        var output = rows[i].querySelector("output");
        if (output.textContent !== result.text) output.textContent = result.text;
      });
    } else {
      var ids = controls(form).map(function (el) { return el.id; }).join(" ");
      list.textContent = "";
      results.forEach(function (result) { list.appendChild(resultRow(result, ids)); });
    }
    list.hidden = !ok;
    byId(form.id + "-invalid").hidden = ok;
  }

  function showChart(form, chart) {
    var box = byId(form.id + "-chart");
    if (!box) return;
    // Markup our server drew from validated numbers; no script.
    if (chart && box.innerHTML !== chart) box.innerHTML = chart;
    box.hidden = !chart;
  }

  function showPresets(form, data) {
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

  // Chains: forms with the same data-calc-chain, fed in document order.

  function laterInChain(form) {
    var chain = form.getAttribute("data-calc-chain");
    if (!chain) return [];
    var all = Array.prototype.slice.call(document.querySelectorAll("form[data-calc-chain]"));
    return all.filter(function (other) {
      return other.getAttribute("data-calc-chain") === chain &&
        (form.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
  }

  function setField(form, name, value) {
    var field = form.elements[name];
    if (!field || field.type === "hidden" || field.value === value) return false;
    field.value = value;
    return true;
  }

  function feedChain(form, data) {
    if (!data.ok) return;
    var feeds = {};
    (data.results || []).forEach(function (r) { if (r.key) feeds[r.key] = r.feed; });
    laterInChain(form).forEach(function (target) {
      var state = stateFor(target);
      var changed = false;
      Object.keys(data.presets || {}).forEach(function (group) {
        if (data.presets[group]) changed = setField(target, group, data.presets[group]) || changed;
      });
      Object.keys(feeds).forEach(function (name) {
        changed = setField(target, name, feeds[name]) || changed;
      });
      // A preset switched on the server replaces fields: feed them again after it.
      state.pending = feeds;
      if (changed) state.schedule(0);
    });
  }

  function refeed(form, state, data) {
    var pending = state.pending;
    state.pending = null;
    if (!pending || !data.applied || !data.applied.length) return false;
    var changed = false;
    Object.keys(pending).forEach(function (name) {
      changed = setField(form, name, pending[name]) || changed;
    });
    if (changed) state.schedule(0);
    return changed;
  }


  function show(form, state, data) {
    showPresets(form, data);
    showErrors(form, data.errors || {});
    showResults(form, data.results || [], !!data.ok);
    showChart(form, data.ok ? data.chart : null);
    if (!refeed(form, state, data)) feedChain(form, data);
  }

  function failed(form, state) {
    state.offline = true;
    setMessage(byId(form.id + "-general"),
      "Could not update the results here. Press Calculate to open them on their own page.");
  }

  function update(form, state) {
    var mine = ++state.latest;
    if (state.controller) state.controller.abort();
    state.controller = new AbortController();
    var query = new URLSearchParams(new FormData(form)).toString();
    form.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-calc-json") + "?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: state.controller.signal
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== state.latest) return;
        if (data.results === undefined) throw new Error(data.error || "bad response");
        state.offline = false;
        show(form, state, data);
      })
      .catch(function (error) {
        if (error.name !== "AbortError" && mine === state.latest) failed(form, state);
      })
      .then(function () {
        if (mine === state.latest) form.removeAttribute("aria-busy");
      });
  }

  function setup(form) {
    var state = { timer: null, latest: 0, controller: null, offline: false, pending: null };
    state.schedule = function (delay) {
      clearTimeout(state.timer);
      state.timer = setTimeout(function () { update(form, state); }, delay);
    };
    return state;
  }

  // Delegated listeners, so forms added later (an editor preview) are live too.
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
    if (!state || state.offline) return;
    event.preventDefault();
    state.schedule(0);
  });
})();
