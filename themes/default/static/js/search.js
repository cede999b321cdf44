/*
 * Broadsheet default theme: search.
 *
 * On every page: the masthead's search box is a GET form to the archive (where it leads
 * without JavaScript); here it is pointed at the search page instead.
 *
 * On the search page (templates/search.html): full-text search in the browser with Pagefind's
 * JavaScript API, over the site's index shards (data-shards: newest first; the newest holds
 * Pagefind's runtime, the others only data). Each shard is merged with a synthetic filter
 * `shard: KEY`. "Most relevant first" is one merged search. "Newest first" searches the shards
 * one after another, newest first, each sorted by date (a merged search would order by score),
 * fetching only what the page of results shows. The query, the order and the filters are kept
 * in the address (?q=word&sort=relevance&section=Politics), so a search can be shared.
 * Every text comes from the page, in the site's language. Nothing is loaded from another host.
 */
(function () {
  "use strict";

  var masthead = document.querySelector("form.masthead-search[data-search-url]");
  if (masthead) masthead.setAttribute("action", masthead.getAttribute("data-search-url"));

  var app = document.getElementById("search");
  if (!app) return;

  // The preview (`broadsheet serve`) says the index is catching up with an edit: it is indexed in
  // the background, and the preview's build number moves on once it is in. Then this page is
  // reloaded (the query, order and filters are in its address), with the note gone.
  if (document.querySelector(".search__updating")) {
    var shown = window.broadsheetSearchBuild || null; // set by the preview's reload script
    var check = function () {
      fetch("/__broadsheet/build?search", { cache: "no-store" })
        .then(function (reply) { return reply.ok ? reply.text() : null; })
        .then(function (build) {
          if (build === null) return;
          if (shown === null) shown = build;
          else if (build !== shown) return location.reload();
          setTimeout(check, 1000);
        })
        .catch(function () { setTimeout(check, 2000); });
    };
    check();
  }

  var PAGE = 10; // results shown at a time
  var DEBOUNCE = 250; // ms after the last key press
  var SHARD = "shard"; // the synthetic filter, never shown

  var shards = JSON.parse(app.getAttribute("data-shards") || "[]");
  var strings = JSON.parse(app.querySelector(".search__strings").textContent);
  var language = app.getAttribute("data-language") || document.documentElement.lang || "en";
  var form = app.querySelector("form");
  var input = app.querySelector("#search-q");
  var sortSelect = app.querySelector("#search-sort");
  var filterSelects = Array.prototype.slice.call(app.querySelectorAll("select[data-filter]"));
  var status = app.querySelector("#search-status");
  var list = app.querySelector("#search-results");
  var more = app.querySelector(".search__more");

  app.hidden = false;

  // --- texts -------------------------------------------------------------------------------

  var numbers = window.Intl ? new Intl.NumberFormat(language) : null;
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(language) : null;
  var pluralForms = {};
  Object.keys(strings.results).forEach(function (n) {
    var category = plurals ? plurals.select(Number(n)) : (Number(n) === 1 ? "one" : "other");
    if (!(category in pluralForms)) pluralForms[category] = { sample: n, text: strings.results[n] };
  });

  function resultsText(count) {
    var category = plurals ? plurals.select(count) : (count === 1 ? "one" : "other");
    var form = pluralForms[category] || pluralForms.other;
    return form.text.replace(form.sample, numbers ? numbers.format(count) : String(count));
  }

  // --- the address -------------------------------------------------------------------------

  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    sortSelect.value = params.get("sort") === "relevance" ? "relevance" : "date";
    filterSelects.forEach(function (select) {
      var value = params.get(select.name) || "";
      select.setAttribute("data-wanted", value); // the options come with the index
      if (value && !hasOption(select, value)) addOption(select, value, value);
      select.value = value;
    });
  }

  function writeAddress() {
    var params = new URLSearchParams();
    var query = input.value.trim();
    if (query) params.set("q", query);
    if (sortSelect.value === "relevance") params.set("sort", "relevance");
    filterSelects.forEach(function (select) {
      if (select.value) params.set(select.name, select.value);
    });
    var search = params.toString();
    var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(null, "", url);
    }
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function addOption(select, value, label) {
    var option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.appendChild(option);
  }

  // --- Pagefind ----------------------------------------------------------------------------

  var pagefind = null;
  var ready = null;

  function load() {
    if (ready) return ready;
    if (!shards.length) {
      ready = Promise.resolve(null);
      return ready;
    }
    var primary = shards[0];
    ready = import(primary.path + "pagefind.js").then(function (module) {
      pagefind = module;
      // Records' URLs hold the site's root already: no base URL to put before them.
      // noWorker: Pagefind 1.5 searches in a web worker when it can, and gives the worker five
      // seconds to start before it falls back to this thread; on a busy machine the page's index
      // failed to load that way. The shards are searched a page of results at a time, a few
      // milliseconds each, so this thread is enough.
      return pagefind.options({ baseUrl: "/", excerptLength: 24, mergeFilter: { shard: primary.key }, noWorker: true });
    }).then(function () {
      return pagefind.init();
    }).then(function () {
      return Promise.all(shards.slice(1).map(function (s) {
        return pagefind.mergeIndex(s.path, { baseUrl: "/", mergeFilter: { shard: s.key } });
      }));
    }).then(function () {
      return pagefind.filters();
    }).then(function (filters) {
      fillFilters(filters);
      return pagefind;
    });
    ready.catch(function () { ready = null; pagefind = null; }); // tried again at the next search
    return ready;
  }

  function fillFilters(filters) {
    filterSelects.forEach(function (select) {
      var values = Object.keys(filters[select.name] || {});
      if (select.name === "year") {
        values.sort(function (a, b) { return b.localeCompare(a); });
      } else {
        values.sort(function (a, b) { return a.localeCompare(b, language, { sensitivity: "base" }); });
      }
      var wanted = select.getAttribute("data-wanted") || select.value;
      while (select.options.length > 1) select.remove(1);
      values.forEach(function (value) { addOption(select, value, value); });
      if (wanted && !hasOption(select, wanted)) addOption(select, wanted, wanted);
      select.value = wanted;
    });
  }

  function userFilters() {
    var filters = {};
    filterSelects.forEach(function (select) {
      if (select.value) filters[select.name] = select.value;
    });
    return filters;
  }

  // One search as the reader asked for it: its results as a list of {data: () => Promise}
  // fetched a page at a time by next(n).
  function Search(query, order, filters) {
    this.query = query;
    this.order = order;
    this.filters = filters;
    this.total = 0;
    this.queue = []; // results found and not shown yet
    this.shardsLeft = []; // newest first: shards whose results are not in the queue yet
  }

  Search.prototype.start = function () {
    var self = this;
    // The merged search: the results by relevance, their number, and how many each shard has.
    return pagefind.search(self.query, { filters: self.filters }).then(function (found) {
      self.total = found.results.length;
      if (self.order === "relevance") {
        self.queue = found.results.slice();
        return;
      }
      var perShard = (found.filters && found.filters[SHARD]) || {};
      self.shardsLeft = shards.filter(function (s) {
        return !(s.key in perShard) || perShard[s.key] > 0;
      });
    });
  };

  // The next n results' data, in order.
  Search.prototype.next = function (n) {
    var self = this;
    function fill() {
      if (self.queue.length >= n || !self.shardsLeft.length) return Promise.resolve();
      var shard = self.shardsLeft.shift();
      var filters = Object.assign({}, self.filters);
      filters[SHARD] = shard.key;
      return pagefind.search(self.query, { filters: filters, sort: { date: "desc" } }).then(function (found) {
        self.queue = self.queue.concat(found.results);
        return fill();
      });
    }
    return fill().then(function () {
      var page = self.queue.splice(0, n);
      return Promise.all(page.map(function (r) { return r.data(); }));
    });
  };

  Search.prototype.hasMore = function () {
    return this.queue.length > 0 || this.shardsLeft.length > 0;
  };

  // --- the page ----------------------------------------------------------------------------

  var current = null; // the Search whose results are shown
  var shown = 0;
  var generation = 0; // searches started; an answer to an older one is dropped
  var timer = null;

  function say(text) {
    status.textContent = text;
  }

  function clearResults() {
    list.textContent = "";
    more.hidden = true;
    shown = 0;
    current = null;
  }

  function run() {
    var mine = ++generation;
    var query = input.value.trim();
    writeAddress();
    if (!query) {
      clearResults();
      say(strings.hint);
      return;
    }
    // While the index loads the reader is told so; after that the count stays until the new one
    // (a screen reader would otherwise hear "Searching" at every pause in the typing).
    if (!pagefind) say(strings.loading);
    app.setAttribute("aria-busy", "true");
    load().then(function () {
      if (mine !== generation) return null;
      if (!pagefind) return null; // no article, no index
      var search = new Search(query, sortSelect.value, userFilters());
      return search.start().then(function () {
        if (mine !== generation) return null;
        return search.next(PAGE).then(function (data) {
          if (mine !== generation) return;
          clearResults();
          current = search;
          show(data);
          say(search.total ? resultsText(search.total) : strings.none.replace("{query}", query));
        });
      });
    }).then(function () {
      if (mine !== generation) return;
      if (!pagefind) {
        clearResults();
        say(strings.none.replace("{query}", query));
      }
      app.removeAttribute("aria-busy");
    }, function (error) {
      if (mine !== generation) return;
      app.removeAttribute("aria-busy");
      clearResults();
      say(strings.failed);
      if (window.console) console.error(error);
    });
  }

  function showMore() {
    var search = current;
    if (!search) return;
    more.disabled = true;
    var first = list.children.length;
    search.next(PAGE).then(function (data) {
      if (search !== current) return;
      show(data);
      more.disabled = false;
      // The first new result's link takes the focus, so that a keyboard reader goes on from there.
      var item = list.children[first];
      var link = item && item.querySelector("a");
      if (link) link.focus();
    });
  }

  function show(data) {
    var fragment = document.createDocumentFragment();
    data.forEach(function (d) { fragment.appendChild(item(d)); });
    list.appendChild(fragment);
    shown += data.length;
    more.hidden = !(current && current.hasMore());
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  // One result: as a card of the theme (kicker, headline, date and byline, excerpt), with the lead
  // image's thumbnail beside it.
  function item(d) {
    var meta = d.meta || {};
    var li = element("li", "search-result");
    var article = element("article", "search-result__text");
    if (meta.section) article.appendChild(element("p", "kicker search-result__section", meta.section));
    var heading = element("h2", "search-result__headline");
    var link = element("a", null, meta.title || d.url);
    link.href = d.url;
    heading.appendChild(link);
    article.appendChild(heading);
    var line = element("p", "meta search-result__meta");
    if (meta.byline) {
      line.appendChild(element("span", "byline__name search-result__byline", meta.byline));
      var sep = element("span", "meta__sep", " · ");
      sep.setAttribute("aria-hidden", "true");
      line.appendChild(sep);
    }
    if (meta.date_text || meta.date) {
      var time = element("time", null, meta.date_text || meta.date);
      if (meta.date) time.setAttribute("datetime", meta.date);
      line.appendChild(time);
    }
    article.appendChild(line);
    if (d.excerpt) {
      var excerpt = element("p", "search-result__excerpt");
      excerpt.innerHTML = d.excerpt; // Pagefind's: the text escaped, the words found in <mark>
      article.appendChild(excerpt);
    }
    li.appendChild(article);
    if (meta.image) {
      var img = document.createElement("img");
      img.className = "search-result__image";
      img.src = meta.image;
      img.alt = meta.image_alt || "";
      img.width = 160;
      img.height = 107;
      img.loading = "lazy";
      img.decoding = "async";
      li.appendChild(img);
      li.classList.add("search-result--with-image");
    }
    return li;
  }

  // --- wiring ------------------------------------------------------------------------------

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, DEBOUNCE);
  }

  input.addEventListener("input", soon);
  sortSelect.addEventListener("change", run);
  filterSelects.forEach(function (select) {
    select.addEventListener("change", function () {
      select.setAttribute("data-wanted", select.value);
      run();
    });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    run();
  });
  more.addEventListener("click", showMore);
  window.addEventListener("popstate", function () { readAddress(); run(); });

  readAddress();
  if (input.value.trim()) {
    run();
  } else {
    say(strings.hint);
  }
  // The index loads while the reader types the first letters.
  input.addEventListener("focus", function () { load().catch(function () {}); }, { once: true });
})();
