/* secsite search: finds notices, modifications and documents as the reader types.
   Reads only the site's own index (search/index.json, written at build time); no dependencies,
   nothing sent anywhere. Without this script the search page shows links to the listings.

   Index rows (arrays, to keep the file small):
     n: notices, newest first: [slug, title, kind key, kind label, date, release, SEC version,
        summary, ids of the modifications it lists (separated by spaces)]
     m: modifications by id:   [id, URL segment, title, status, [aliases]]
     d: documents in order:    [id, label, title]

   Ranking: an exact id (MP102A, SECMP 0062, appendix-ad, Appendix AD) first, then ids that start
   with what was typed, then entries that contain every word typed, title matches before others;
   ties go to modifications, then documents, then notices, newest first. */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  var input = document.getElementById("search-query");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !status || !list || !window.fetch) {
    return;
  }
  var base = form.getAttribute("data-base") || "/";
  var LIMIT = 50;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var items = null;

  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  /** Lower case without accents, so "Définitions" matches "definitions". */
  function fold(text) {
    return String(text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  /** Letters and digits only: how ids compare ("SECMP 0062" = "secmp0062"). */
  function compact(text) {
    return fold(text).replace(/[^a-z0-9]/g, "");
  }

  function display(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function item(type, rank, order, ids, title, rest, fields) {
    fields.type = type;
    fields.rank = rank;
    fields.order = order;
    fields.ids = ids.filter(Boolean).map(compact);
    fields.title = title;
    fields.titleText = fold(title);
    fields.text = fold([title].concat(ids, rest).join(" "));
    return fields;
  }

  function build(index) {
    var all = [];
    (index.m || []).forEach(function (m, i) {
      var ids = [m[0]].concat(m[4] || []);
      all.push(item("modification", 0, i, ids, m[2], [m[3]], {
        url: base + "modifications/" + m[1] + "/",
        label: m[0] + (m[2] ? ": " + m[2] : ""),
        badge: "Modification",
        badgeClass: "badge type type-modification",
        meta: m[3] ? [m[3]] : [],
        status: m[3],
        summary: ""
      }));
    });
    (index.d || []).forEach(function (d, i) {
      all.push(item("document", 1, i, [d[0], d[1]], d[2], [], {
        url: base + "documents/" + d[0] + "/",
        label: d[1] + ": " + d[2],
        badge: "Document",
        badgeClass: "badge type type-document",
        meta: [],
        summary: ""
      }));
    });
    (index.n || []).forEach(function (n, i) {
      var meta = ["Published " + display(n[4])];
      if (n[5]) {
        meta.push(n[5]);
      }
      if (n[6]) {
        meta.push("SEC version " + n[6]);
      }
      all.push(item("notice", 2, i, [], n[1], [n[3], n[5], n[6] ? "sec version " + n[6] + " v" + n[6] : "", display(n[4]), n[7], n[8]], {
        url: base + "releases/" + n[0] + "/",
        label: n[1],
        badge: n[3],
        badgeClass: "badge kind kind-" + n[2],
        meta: meta,
        summary: n[7]
      }));
    });
    return all;
  }

  function score(entry, whole, terms) {
    var best = 0;
    if (whole) {
      entry.ids.forEach(function (id) {
        if (id === whole) {
          best = Math.max(best, 1000);
        } else if (whole.length >= 2 && id.indexOf(whole) === 0) {
          best = Math.max(best, 600 - Math.min(100, id.length - whole.length));
        }
      });
    }
    if (terms.length && terms.every(function (t) { return entry.text.indexOf(t) !== -1; })) {
      var points = 100;
      terms.forEach(function (t) {
        var at = entry.titleText.indexOf(t);
        if (at !== -1) {
          points += 20;
          if (at === 0 || /[^a-z0-9]/.test(entry.titleText.charAt(at - 1))) {
            points += 10;
          }
        }
      });
      best = Math.max(best, points);
    }
    return best;
  }

  function search(query) {
    var whole = compact(query);
    var terms = fold(query).split(/\s+/).filter(Boolean);
    var found = [];
    items.forEach(function (entry) {
      var points = score(entry, whole, terms);
      if (points > 0) {
        found.push({ entry: entry, points: points });
      }
    });
    found.sort(function (a, b) {
      return b.points - a.points || a.entry.rank - b.entry.rank || a.entry.order - b.entry.order;
    });
    return found;
  }

  function render(query, found) {
    list.textContent = "";
    found.slice(0, LIMIT).forEach(function (hit) {
      var entry = hit.entry;
      var li = document.createElement("li");
      li.className = "search-result search-result-" + entry.type;
      var heading = document.createElement("p");
      heading.className = "search-result-title";
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = entry.label;
      heading.appendChild(link);
      li.appendChild(heading);
      var meta = document.createElement("p");
      meta.className = "notice-meta";
      var badge = document.createElement("span");
      badge.className = entry.badgeClass;
      badge.textContent = entry.badge;
      meta.appendChild(badge);
      if (entry.status) {
        var state = document.createElement("span");
        state.className = "badge status status-" + entry.status.toLowerCase().replace(/ /g, "-");
        state.textContent = entry.status;
        meta.appendChild(document.createTextNode(" "));
        meta.appendChild(state);
      }
      entry.meta.forEach(function (text) {
        if (text === entry.status) {
          return;
        }
        var span = document.createElement("span");
        span.textContent = text;
        meta.appendChild(document.createTextNode(" "));
        meta.appendChild(span);
      });
      li.appendChild(meta);
      if (entry.summary) {
        var summary = document.createElement("p");
        summary.className = "notice-summary";
        summary.textContent = entry.summary;
        li.appendChild(summary);
      }
      list.appendChild(li);
    });
    var quoted = "\u201c" + query.trim() + "\u201d";
    if (!query.trim()) {
      status.textContent = "";
    } else if (found.length === 0) {
      status.textContent = "No results for " + quoted + ".";
    } else if (found.length > LIMIT) {
      status.textContent = "The first " + LIMIT + " of " + found.length + " results for " + quoted + ".";
    } else {
      status.textContent = found.length + (found.length === 1 ? " result" : " results") + " for " + quoted + ".";
    }
  }

  function remember(query) {
    if (!window.history || !window.history.replaceState) {
      return;
    }
    var url = window.location.pathname + (query ? "?q=" + encodeURIComponent(query) : "");
    window.history.replaceState(null, "", url);
  }

  function run() {
    var query = input.value;
    remember(query.trim());
    if (!items) {
      return;
    }
    render(query, query.trim() ? search(query) : []);
  }

  input.addEventListener("input", run);

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
  }
  list.setAttribute("aria-busy", "true");
  status.textContent = "Loading the index\u2026";
  fetch(form.getAttribute("data-index"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (index) {
      items = build(index);
      status.textContent = "";
      run();
    })
    .catch(function () {
      status.textContent = "The search index could not be loaded. Browse the listings instead.";
    })
    .then(function () {
      list.removeAttribute("aria-busy");
    });
})();
