// An Eleventy site whose blog is a collection built in the config, with documentation
// pages beside it, a drafts folder kept out and a directory data file giving permalinks.
module.exports = function (eleventyConfig) {
  eleventyConfig.addPassthroughCopy("src/img");
  eleventyConfig.ignores.add("src/drafts/**");
  eleventyConfig.addCollection("posts", function (collectionApi) {
    return collectionApi.getFilteredByGlob("src/blog/*.md").reverse();
  });
  return {
    dir: { input: "src", includes: "_includes", output: "_site" },
    markdownTemplateEngine: "njk",
  };
};
