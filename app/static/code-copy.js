// A "Copy" button on each code block of a post or page. Without this script there is
// no button (the code can still be selected); with it, the button copies the code, says
// "Copied" on itself and to screen readers (a polite status region), and is an ordinary
// button for the keyboard. A module file (strict, scoped, run once the page is parsed),
// so the strict Content-Security-Policy holds.

const RESET_AFTER = 2000;

function sourceOf(pre) {
  const code = pre.querySelector("code") || pre;
  return code.textContent.replace(/\n$/, "");
}

// The clipboard API where the page is a secure context; otherwise the older command on
// a selection of the code (which also leaves the code selected for Ctrl+C).
function copy(pre) {
  const text = sourceOf(pre);
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const range = document.createRange();
  range.selectNodeContents(pre.querySelector("code") || pre);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  let done = false;
  try { done = document.execCommand("copy"); } catch (e) { done = false; }
  return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

function label(button, text) {
  button.firstChild.textContent = text;
}

function addButton(pre, status) {
  const wrapper = document.createElement("div");
  wrapper.className = "code-block";
  pre.parentNode.insertBefore(wrapper, pre);
  wrapper.appendChild(pre);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "code-copy";
  button.appendChild(document.createTextNode("Copy"));
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = " code";
  button.appendChild(hidden);
  let timer = null;
  button.addEventListener("click", function () {
    copy(pre).then(function () {
      label(button, "Copied");
      status.textContent = "Copied";
    }, function () {
      label(button, "Copy");
      status.textContent = "Could not copy: select the code and press Ctrl+C.";
    });
    clearTimeout(timer);
    timer = setTimeout(function () {
      label(button, "Copy");
      status.textContent = "";
    }, RESET_AFTER);
  });
  wrapper.insertBefore(button, pre);
}

function init() {
  const blocks = document.querySelectorAll(".post-body pre");
  if (!blocks.length) return;
  // One status region for the page, in place before anything is announced through it.
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);
  Array.prototype.forEach.call(blocks, function (pre) { addButton(pre, status); });
}

init();
