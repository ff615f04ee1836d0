// The dashboard's filter: rows are hidden as the author types (without script, the same
// form asks the server). Each group says how many rows match; a status line sums up.

import { debounce } from "./util.js";

function filterGroup(group, query) {
  let shown = 0;
  group.querySelectorAll("tr[data-filter-text]").forEach((row) => {
    const match = !query || row.getAttribute("data-filter-text").includes(query);
    row.hidden = !match;
    if (match) shown += 1;
  });
  const table = group.querySelector("table");
  if (table) table.hidden = shown === 0;
  const count = group.querySelector("[data-filter-count]");
  if (count) count.textContent = String(shown);
  const empty = group.querySelector("[data-filter-empty]");
  if (empty) {
    empty.hidden = shown !== 0;
    empty.textContent = query ? "None match." : empty.getAttribute("data-empty-text");
  }
  return shown;
}

function summary(total, typed) {
  const noun = total === 1 ? " post" : " posts";
  if (!typed) return total + noun + ".";
  return total + noun + (total === 1 ? " matches" : " match") + " “" + typed + "”.";
}

export function initFilter() {
  const input = document.querySelector("[data-filter-target]");
  if (!input) return;
  const root = document.getElementById(input.getAttribute("data-filter-target"));
  const status = document.getElementById("filter-status");
  if (!root) return;
  function apply() {
    const query = input.value.trim().toLowerCase();
    let total = 0;
    root.querySelectorAll("[data-filter-group]").forEach((group) => {
      total += filterGroup(group, query);
    });
    if (status) status.textContent = summary(total, input.value.trim());
  }
  input.addEventListener("input", debounce(apply, 120));
  // Text typed before this script ran, or restored by the browser on going back.
  if (input.value) apply();
}
