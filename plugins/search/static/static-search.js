// Search on a frozen copy of the site (pressmark freeze), where no server answers /search.
// The frozen /search page is the one without a query; it carries data-static-search. When it
// is opened with ?q=..., this script fetches the prebuilt index (search/index.json) and lists
// the posts holding every word. On the live site the server answers and this does nothing.
(function () {
  "use strict";
  var root = document.querySelector("[data-static-search]");
  var words = new URLSearchParams(location.search).get("q");
  if (!root || !words || !words.trim()) { return; }
  var terms = words.toLowerCase().split(/\s+/).filter(Boolean);
  var input = document.getElementById("search-page-q");
  if (input) { input.value = words; }

  function show(posts) {
    var status = document.createElement("p");
    status.className = "count";
    status.setAttribute("role", "status");
    var list = document.createElement("ol");
    list.className = "search-results";
    posts.forEach(function (post) {
      var item = document.createElement("li");
      item.className = "search-result";
      var heading = document.createElement("h2");
      heading.className = "post-item-title";
      var link = document.createElement("a");
      link.href = post.url;
      link.textContent = post.title;
      heading.appendChild(link);
      var summary = document.createElement("p");
      summary.textContent = post.summary;
      item.appendChild(heading);
      item.appendChild(summary);
      list.appendChild(item);
    });
    status.textContent = posts.length + (posts.length === 1 ? " post matches " : " posts match ") +
      "\u201c" + words + "\u201d";
    root.replaceChildren(status, list);
  }

  fetch(root.getAttribute("data-static-search")).then(function (answer) {
    return answer.json();
  }).then(function (index) {
    show(index.posts.filter(function (post) {
      var text = (post.title + " " + post.summary + " " + post.text).toLowerCase();
      return terms.every(function (term) { return text.indexOf(term) !== -1; });
    }));
  }).catch(function () {
    root.textContent = "The search index could not be loaded.";
  });
}());
