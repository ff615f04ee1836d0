// On a small screen the action bar sticks to the bottom of the window, over the page.
// When the caret in the body would sit under it, the page scrolls just enough to show
// the caret above the bar. (The browser scrolls the caret into the window, not clear of
// an element that sticks over it.)

const COPIED = ["fontFamily", "fontSize", "fontWeight", "fontStyle", "lineHeight",
  "letterSpacing", "wordSpacing", "tabSize", "textIndent", "textTransform",
  "paddingTop", "paddingRight", "paddingBottom", "paddingLeft"];
const MARGIN = 8;

// How far below the textarea's top border edge the caret's line ends, in pixels: the text
// before the caret laid out in an invisible copy of the textarea.
function caretOffset(textarea) {
  const style = getComputedStyle(textarea);
  const mirror = document.createElement("div");
  COPIED.forEach((name) => { mirror.style[name] = style[name]; });
  Object.assign(mirror.style, {
    position: "absolute", visibility: "hidden", top: "0", left: "-10000px",
    boxSizing: "border-box", width: textarea.clientWidth + "px", border: "0",
    whiteSpace: "pre-wrap", overflowWrap: "break-word"
  });
  mirror.textContent = textarea.value.slice(0, textarea.selectionEnd);
  const marker = document.createElement("span");
  marker.textContent = "\u200b";
  mirror.appendChild(marker);
  document.body.appendChild(mirror);
  const bottom = marker.offsetTop + marker.offsetHeight;
  mirror.remove();
  return parseFloat(style.borderTopWidth) + bottom - textarea.scrollTop;
}

function keepClear(body, bar) {
  if (document.activeElement !== body || getComputedStyle(bar).position !== "sticky") return;
  const barTop = bar.getBoundingClientRect().top;
  const box = body.getBoundingClientRect();
  if (box.bottom <= barTop) return; // the whole body is above the bar
  const caret = box.top + Math.min(caretOffset(body), body.clientHeight);
  if (caret > barTop - MARGIN) window.scrollBy(0, caret - barTop + MARGIN);
}

export function initCaretClearance(ctx) {
  const bar = ctx.form.querySelector(".form-actions");
  if (!bar) return;
  let frame = 0;
  const check = () => {
    if (frame) return;
    // After the browser has scrolled the caret into the window itself.
    frame = requestAnimationFrame(() => {
      frame = 0;
      keepClear(ctx.body, bar);
    });
  };
  ["input", "keyup", "click", "focus"].forEach((type) => ctx.body.addEventListener(type, check));
}
