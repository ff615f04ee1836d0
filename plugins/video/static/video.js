// Video embeds: a click on the poster card loads the player from the privacy-enhanced host
// (the only moment the browser contacts it). Without this script the card is a plain link.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return; // a new tab or window: let the link work as a link
    }
    var link = event.target.closest ? event.target.closest("[data-video-embed] .video-link") : null;
    if (!link) return;
    var figure = link.closest("[data-video-embed]");
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.className = "video-frame";
    frame.src = figure.getAttribute("data-player");
    frame.title = figure.getAttribute("data-title");
    frame.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    link.replaceWith(frame);
    frame.focus();
  });
})();
