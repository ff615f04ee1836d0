// Fields that follow others: the slug suggested from the title, and the Publish button
// that reads "Schedule" for a future date.

export function slugify(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80).replace(/-+$/, "");
}

// The slug follows the title while it is empty or still the suggestion, never for a
// published post (its address would change under the author's feet).
export function initSlug(ctx) {
  const title = ctx.field("title"), slug = ctx.field("slug");
  if (!title || !slug) return;
  const echo = ctx.form.querySelector("[data-slug-echo]");
  let follows = ctx.form.getAttribute("data-status") !== "published" &&
    (slug.value === "" || slug.value === slugify(title.value));
  const updateEcho = () => {
    if (echo) echo.textContent = slug.value || slugify(title.value) || "…";
  };
  title.addEventListener("input", () => {
    if (follows) slug.value = slugify(title.value);
    updateEcho();
  });
  slug.addEventListener("input", () => {
    follows = slug.value === "";
    updateEcho();
  });
}

// "Publish" reads "Schedule" when the date is in the future (dates are UTC).
export function initPublishLabel(ctx) {
  const button = ctx.form.querySelector("[data-publish-button]");
  const date = ctx.field("published_at");
  if (!button || !date || date.type === "hidden") return;
  const update = () => {
    const when = date.value ? Date.parse(date.value + "Z") : NaN;
    button.textContent = when > Date.now() ? "Schedule" : "Publish";
  };
  date.addEventListener("input", update);
  update();
}
