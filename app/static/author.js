// Shows the Editor link to a signed-in author. Public pages are the same for every reader
// (so that caches can share them); the server marks a signed-in browser with the cookie
// "pressmark_author" (not a credential), and the link appears when it is present.
(function () {
  "use strict";
  if (!/(?:^|;\s*)pressmark_author=1(?:;|$)/.test(document.cookie)) {
    return;
  }
  var item = document.getElementById("editor-link");
  if (item) {
    item.hidden = false;
  }
})();
