// Applies the reader's saved theme before first paint, then wires the toggle button.
// Loaded synchronously in <head>; the button only appears when this script runs.
(function () {
  "use strict";
  var KEY = "pressmark-theme";
  var ORDER = ["system", "light", "dark"];
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function stored() {
    try { return localStorage.getItem(KEY) || "system"; } catch (e) { return "system"; }
  }
  function apply(choice) {
    if (choice === "light" || choice === "dark") root.setAttribute("data-theme", choice);
    else root.removeAttribute("data-theme");
  }
  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    var label = button.querySelector(".theme-label");
    function show(choice) {
      var name = choice.charAt(0).toUpperCase() + choice.slice(1);
      label.textContent = name;
      button.setAttribute("aria-label", "Colour theme: " + name + ". Change theme");
    }
    show(stored());
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = ORDER[(ORDER.indexOf(stored()) + 1) % ORDER.length];
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: session only */ }
      apply(next);
      show(next);
    });

    // Hero word rotation (home page only); still when the reader prefers reduced motion.
    var rotator = document.querySelector("[data-rotator]");
    if (!rotator) return;
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      rotator.classList.add("is-static");
      return;
    }
    var words = rotator.querySelectorAll(".rotator-word");
    var current = 0;
    setInterval(function () {
      words[current].classList.remove("is-current");
      current = (current + 1) % words.length;
      words[current].classList.add("is-current");
    }, 2600);
  });
})();

// Old #links: a second scope, so each of this file's functions stays short.
(function () {
  "use strict";
  // Ids written in a post carry the prefix "s-" (app/content/markup.py), so that a heading
  // cannot take over one of the page's own ids. A link made before that, "#sizes", still
  // lands on its heading, now "#s-sizes".
  function followOldAnchor() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    if (!id || document.getElementById(id) || !document.getElementById("s-" + id)) return;
    location.replace("#s-" + encodeURIComponent(id));
  }
  document.addEventListener("DOMContentLoaded", followOldAnchor);
  window.addEventListener("hashchange", followOldAnchor);
})();
