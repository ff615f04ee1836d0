// Inserting a block (an image, an embed) into the Markdown body: it always stands in a
// paragraph of its own, wherever the caret is. Glued to a line, an image would turn the
// heading after it into text ("![…](…)## Code") or join the paragraph before it.

// The edit that puts ``block`` in place of text[start:end]: {from, to, text, caret}, where
// text replaces text[from:to] and caret is where typing goes on (the start of what
// follows the block, or a new paragraph at the end).
export function blockEdit(text, start, end, block) {
  let from = start, to = end;
  const midLine = from > 0 && text[from - 1] !== "\n";
  if (midLine) {
    // Split the line: the spaces around the caret belong to neither paragraph.
    while (from > 0 && (text[from - 1] === " " || text[from - 1] === "\t")) from -= 1;
    while (to < text.length && (text[to] === " " || text[to] === "\t")) to += 1;
  }
  const before = text.slice(0, from), after = text.slice(to);
  const newlinesBefore = before.length - before.replace(/\n+$/, "").length;
  const newlinesAfter = after.length - after.replace(/^\n+/, "").length;
  const lead = before === "" ? "" : "\n".repeat(Math.max(0, 2 - newlinesBefore));
  const trail = "\n".repeat(Math.max(0, 2 - newlinesAfter));
  const inserted = lead + block.trim() + trail;
  return { from, to, text: inserted, caret: from + inserted.length + newlinesAfter };
}

// Inserts ``block`` at the textarea's selection as its own paragraph and tells the
// form's other parts (preview, autosave) as typing would.
export function insertBlock(textarea, block) {
  const edit = blockEdit(textarea.value, textarea.selectionStart, textarea.selectionEnd, block);
  textarea.setRangeText(edit.text, edit.from, edit.to, "end");
  textarea.setSelectionRange(edit.caret, edit.caret);
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
  textarea.focus();
}
