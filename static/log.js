/* secsite Document Log as at a date: the reader picks a day and the table shows, for every
   document, the version in effect on that day and the release that set it. The page as built
   shows the build date; this script reads documents/history.json (written at build time, nothing
   else is fetched) and rewrites the rows. `?at=YYYY-MM-DD` in the address opens the log as at
   that day, which is how each release page links to the log as at its effective date.

   history.json: { as_of, notices: [[url, release or title]],
                   documents: [{ id, h: [[effective, version in effect after it, notice]] }] }
   with each document's changes in the order of the log (by effective date). */
(function () {
  "use strict";

  var form = document.getElementById("log-date-form");
  var input = document.getElementById("log-at");
  var reset = document.getElementById("log-reset");
  var status = document.getElementById("log-status");
  var table = document.getElementById("log-table");
  if (!form || !input || !table || !window.fetch) {
    return;
  }
  var asOf = form.getAttribute("data-as-of");
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-document]"));
  var original = rows.map(function (row) {
    return ["log-version", "log-since", "log-notice"].map(function (name) {
      return row.querySelector("." + name).innerHTML;
    });
  });
  var upcoming = document.getElementById("log-upcoming");
  var upcomingNote = document.querySelector(".log-upcoming-note");
  var data = null;

  form.hidden = false;

  function valid(day) {
    return /^\d{4}-\d{2}-\d{2}$/.test(day || "") && !isNaN(Date.parse(day + "T00:00:00Z"));
  }

  function display(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function load() {
    if (data) {
      return Promise.resolve(data);
    }
    return fetch(form.getAttribute("data-history"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (json) {
        data = { notices: json.notices, byId: {} };
        json.documents.forEach(function (d) {
          data.byId[d.id] = d.h;
        });
        return data;
      });
  }

  /** The last change with an effective date on or before `day` (ISO dates sort as text). */
  function inEffect(history, day) {
    var low = 0;
    var high = history.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (history[middle][0] <= day) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low > 0 ? history[low - 1] : null;
  }

  function notStated(cell, words) {
    cell.textContent = "";
    var dash = document.createElement("span");
    dash.setAttribute("aria-hidden", "true");
    dash.textContent = "\u2014";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = words;
    cell.appendChild(dash);
    cell.appendChild(hidden);
  }

  function setDates(day) {
    Array.prototype.forEach.call(document.querySelectorAll("time.log-date"), function (time) {
      time.setAttribute("datetime", day);
      time.textContent = display(day);
    });
  }

  function restore() {
    rows.forEach(function (row, i) {
      row.querySelector(".log-version").innerHTML = original[i][0];
      row.querySelector(".log-since").innerHTML = original[i][1];
      row.querySelector(".log-notice").innerHTML = original[i][2];
    });
  }

  function fill(day) {
    rows.forEach(function (row) {
      var history = data.byId[row.getAttribute("data-document")] || [];
      var change = inEffect(history, day);
      var version = row.querySelector(".log-version");
      var since = row.querySelector(".log-since");
      var notice = row.querySelector(".log-notice");
      if (change && change[1] !== null) {
        version.textContent = change[1];
      } else {
        notStated(version, "not stated");
      }
      if (change) {
        since.textContent = "";
        var time = document.createElement("time");
        time.setAttribute("datetime", change[0]);
        time.textContent = display(change[0]);
        since.appendChild(time);
        notice.textContent = "";
        var link = document.createElement("a");
        link.href = data.notices[change[2]][0];
        link.textContent = data.notices[change[2]][1];
        notice.appendChild(link);
      } else {
        notStated(since, "not stated");
        notice.textContent = "";
        var none = document.createElement("span");
        none.className = "muted";
        none.textContent = "No release yet";
        notice.appendChild(none);
      }
    });
  }

  function remember(day) {
    if (window.history && window.history.replaceState) {
      var url = window.location.pathname + (day === asOf ? "" : "?at=" + day);
      window.history.replaceState(null, "", url + window.location.hash);
    }
  }

  function show(day) {
    if (!valid(day)) {
      status.textContent = "Pick a whole date to see the log as at that day.";
      return Promise.resolve();
    }
    input.value = day;
    remember(day);
    if (day === asOf) {
      restore();
      setDates(day);
      if (upcoming) {
        upcoming.hidden = false;
      }
      if (upcomingNote) {
        upcomingNote.hidden = false;
      }
      reset.hidden = true;
      status.textContent = "Showing the Document Log as at " + display(day) + ", the date the site was built.";
      return Promise.resolve();
    }
    table.setAttribute("aria-busy", "true");
    return load()
      .then(function () {
        fill(day);
        setDates(day);
        // Upcoming changes are those after the build date: beside another day they mislead.
        if (upcoming) {
          upcoming.hidden = true;
        }
        if (upcomingNote) {
          upcomingNote.hidden = true;
        }
        reset.hidden = false;
        status.textContent = "Showing the Document Log as at " + display(day) + ".";
      })
      .catch(function () {
        status.textContent = "The history of the documents could not be loaded; the log shows " + display(asOf) + ".";
      })
      .then(function () {
        table.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
  input.addEventListener("change", function () {
    if (valid(input.value)) {
      show(input.value);
    }
  });
  reset.addEventListener("click", function () {
    show(asOf);
    input.focus();
  });

  reset.hidden = true;
  var requested = new URLSearchParams(window.location.search).get("at");
  if (requested && valid(requested) && requested !== asOf) {
    show(requested);
  }
})();
