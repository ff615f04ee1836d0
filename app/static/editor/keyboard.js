// Keyboard shortcuts press the buttons whose titles name them: Ctrl/⌘+S saves,
// Alt+Shift+P previews, Ctrl/⌘+Shift+Enter publishes (on a Mac the titles say ⌘).
// Focus mode is a checkbox styled by CSS (it works without scripts); this adds its
// shortcut, Alt+Shift+F, and Escape to leave it.

export function initShortcuts(ctx) {
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  const buttons = {};
  ctx.form.querySelectorAll("[data-shortcut]").forEach((button) => {
    buttons[button.getAttribute("data-shortcut")] = button;
    if (mac) button.title = button.title.replace("Ctrl+", "⌘");
  });
  function press(name, event) {
    const button = buttons[name];
    if (!button || button.disabled) return;
    event.preventDefault();
    if (ctx.form.requestSubmit) ctx.form.requestSubmit(button); else button.click();
  }
  document.addEventListener("keydown", (event) => {
    const mod = mac ? event.metaKey : event.ctrlKey;
    if (mod && !event.shiftKey && !event.altKey && event.code === "KeyS") press("save", event);
    else if (mod && event.shiftKey && event.key === "Enter") press("publish", event);
    else if (event.altKey && event.shiftKey && !mod && event.code === "KeyP") press("preview", event);
  });
}

export function initFocusMode(ctx) {
  const toggle = document.getElementById("focus-mode");
  if (!toggle) return;
  const set = (on) => {
    toggle.checked = on;
    ctx.body.focus();
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.shiftKey && event.code === "KeyF") {
      event.preventDefault();
      set(!toggle.checked);
    } else if (event.key === "Escape" && toggle.checked) {
      set(false);
    }
  });
}
