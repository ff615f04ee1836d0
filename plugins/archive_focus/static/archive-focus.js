// archive-focus: what CSS cannot do alone. Marks each archive list as enhanced and adds
// tap-to-focus on touch screens: a first tap on an item brings it into focus, a second tap
// on the same item follows its link. Mouse, keyboard and assistive-technology activation
// (which arrive without a touch pointerdown) are never intercepted, so navigation is never
// blocked. Hover and keyboard focus are pure CSS (archive-focus.css).
(function () {
  "use strict";
  var lists = document.querySelectorAll("[data-archive-list]");
  if (!lists.length) return;
  lists.forEach(function (list) { list.classList.add("is-focus-enhanced"); });

  var current = null;   // the item focused by a tap
  var touched = null;   // the archive link a touch pointer went down on

  function linkIn(target) {
    return target instanceof Element ? target.closest(".is-focus-enhanced a[href]") : null;
  }
  function release() {
    if (current) current.classList.remove("is-focused");
    current = null;
  }

  document.addEventListener("pointerdown", function (event) {
    touched = event.pointerType === "touch" ? linkIn(event.target) : null;
    // A touch anywhere outside the focused item lets it go.
    if (current && !(event.target instanceof Node && current.contains(event.target))) release();
  });

  document.addEventListener("click", function (event) {
    var link = linkIn(event.target);
    var byTouch = link !== null && link === touched;
    touched = null;
    if (!byTouch || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var item = link.closest("li") || link;
    if (item === current) return;  // second tap: follow the link
    event.preventDefault();
    release();
    current = item;
    item.classList.add("is-focused");
    link.focus({ preventScroll: true });
  });

  // Keyboard focus leaving the tapped item, or a page restored from the back/forward
  // cache, starts again with nothing tapped.
  document.addEventListener("focusin", function (event) {
    if (current && !current.contains(event.target)) release();
  });
  window.addEventListener("pageshow", release);
})();
