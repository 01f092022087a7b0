// postedit review: one key, one decision. Served by `postedit review` under a strict
// Content-Security-Policy (script-src 'self'); the page works without it through its forms.
//   j / ArrowDown  next change      k / ArrowUp  previous change
//   a  accept      r  reject      n  never in this context      e  write the fix (a flag)
// A decision is posted at once; the change is shown as decided and the next undecided one is
// selected.
(function () {
  "use strict";
  var rows = document.querySelectorAll("tr[data-tags]");
  if (rows.length) { filters(rows); return; }
  var marks = Array.prototype.filter.call(
    document.querySelectorAll("[id]"),
    function (el) { return /^e\d+$/.test(el.id); }
  );
  if (!marks.length) { return; }
  var current = -1;
  var status = document.createElement("p");
  status.id = "keys";
  status.setAttribute("role", "status");
  status.className = "noprint";
  status.textContent = "Keys: j/k next/previous · a accept · r reject · n never in this " +
    "context · e write the fix of a flag";
  document.body.insertBefore(status, document.body.firstChild);

  function row(i) { return document.getElementById(marks[i].id + "-note"); }
  function decided(i) { return marks[i].hasAttribute("data-decided") ||
    /accepted|rejected/.test((row(i) && row(i).lastElementChild.textContent) || ""); }

  function select(i) {
    if (i < 0 || i >= marks.length) { return; }
    if (current >= 0) { marks[current].classList.remove("current"); }
    current = i;
    var el = marks[i];
    el.classList.add("current");
    el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "center" });
    status.textContent = "Change " + (i + 1) + " of " + marks.length + ": " + el.title;
  }

  function nextUndecided(from) {
    for (var i = from + 1; i < marks.length; i++) { if (!decided(i)) { return i; } }
    return -1;
  }

  function fields(i, decision, extra) {
    var form = row(i) && row(i).querySelector("form[action='/decide']");
    if (!form) { return null; }
    var data = new URLSearchParams();
    Array.prototype.forEach.call(form.querySelectorAll("input[type=hidden]"), function (input) {
      if (input.name !== "decision") { data.set(input.name, input.value); }
    });
    data.set("decision", decision);
    data.set("index", marks[i].id.slice(1));
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return data;
  }

  function decide(decision, extra) {
    var i = current;
    if (i < 0) { return; }
    var data = fields(i, decision, extra);
    if (!data) { return; }
    fetch("/decide", {
      method: "POST",
      body: data,
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (answer) {
      var el = marks[i];
      if (answer.html) {  // the change as the server renders it once decided
        var holder = document.createElement("span");
        holder.innerHTML = answer.html;
        var fresh = holder.firstElementChild;
        if (fresh) {
          if (el.classList.contains("current")) { fresh.classList.add("current"); }
          fresh.setAttribute("tabindex", "-1");
          el.replaceWith(fresh);
          marks[i] = fresh;
          el = fresh;
        }
      }
      el.setAttribute("data-decided", answer.decision);
      el.classList.add(answer.decision === "accept" ? "accepted" : "rejected");
      var cell = row(i).lastElementChild;
      var note = cell.querySelector(".decided");
      if (!note) { note = document.createElement("strong"); note.className = "decided";
        cell.insertBefore(note, cell.firstChild); }
      note.textContent = answer.label + " ";
      status.textContent = "Change " + (i + 1) + ": " + answer.label;
    }).catch(function (error) {
      status.textContent = "Change " + (i + 1) + " not decided: " + error.message;
    });
    // move on at once: the answer marks the change when it comes
    marks[i].setAttribute("data-decided", decision);
    var next = nextUndecided(i);
    if (next >= 0) { select(next); }
  }

  function write() {
    var input = current >= 0 && row(current) && row(current).querySelector("input[name=after]");
    if (!input) { return; }
    input.focus();
    input.select();
    input.addEventListener("keydown", function once(event) {
      if (event.key === "Enter") {
        event.preventDefault();
        input.removeEventListener("keydown", once);
        marks[current].focus({ preventScroll: true });
        decide("accept", { after: input.value });
      } else if (event.key === "Escape") {
        input.removeEventListener("keydown", once);
        marks[current].focus({ preventScroll: true });
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey ||
        /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) { return; }
    var key = event.key;
    var handled = true;
    if (key === "j" || key === "ArrowDown") { select(current < 0 ? 0 : current + 1); }
    else if (key === "k" || key === "ArrowUp") { select(Math.max(0, current - 1)); }
    else if (key === "a" && current >= 0) { decide("accept"); }
    else if (key === "r" && current >= 0) { decide("reject"); }
    else if (key === "n" && current >= 0) { decide("reject", { never: "1" }); }
    else if (key === "e" && current >= 0) { event.preventDefault(); write(); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });
  var first = nextUndecided(-1);
  select(first >= 0 ? first : 0);
})();

// The index: search in titles, filter by rule, action, decision, language and story.
function filters(rows) {
  "use strict";
  var tags = {}, languages = {};
  Array.prototype.forEach.call(rows, function (row) {
    row.getAttribute("data-tags").split(" ").forEach(function (t) { if (t) { tags[t] = 1; } });
    languages[row.getAttribute("data-language")] = 1;
  });
  var bar = document.createElement("form");
  bar.id = "filters";
  bar.className = "noprint";
  function choice(name, label, values) {
    var select = document.createElement("select");
    select.name = name;
    select.setAttribute("aria-label", label);
    var any = document.createElement("option");
    any.value = ""; any.textContent = label + ": any";
    select.appendChild(any);
    values.sort().forEach(function (v) {
      var option = document.createElement("option");
      option.value = v; option.textContent = v.replace(/^(action|decision):/, "");
      select.appendChild(option);
    });
    bar.appendChild(select);
    return select;
  }
  var search = document.createElement("input");
  search.type = "search"; search.name = "q"; search.placeholder = "search titles";
  search.setAttribute("aria-label", "search titles");
  bar.appendChild(search);
  var all = Object.keys(tags);
  var rule = choice("rule", "rule", all.filter(function (t) { return t.indexOf(":") < 0; }));
  var action = choice("action", "action",
    all.filter(function (t) { return t.indexOf("action:") === 0; }));
  var decision = choice("decision", "decision",
    all.filter(function (t) { return t.indexOf("decision:") === 0; }));
  var language = choice("language", "language", Object.keys(languages));
  var story = document.createElement("input");
  story.name = "story"; story.placeholder = "story id"; story.setAttribute("aria-label", "story");
  bar.appendChild(story);
  var shown = document.createElement("span");
  shown.id = "shown";
  bar.appendChild(shown);
  var table = rows[0].closest("table");
  table.parentNode.insertBefore(bar, table);
  function apply() {
    var q = search.value.trim().toLowerCase(), n = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var mine = " " + row.getAttribute("data-tags") + " ";
      var ok = (!q || row.querySelector("td.title").textContent.toLowerCase().indexOf(q) >= 0) &&
        [rule, action, decision].every(function (s) {
          return !s.value || mine.indexOf(" " + s.value + " ") >= 0; }) &&
        (!language.value || row.getAttribute("data-language") === language.value) &&
        (!story.value || row.getAttribute("data-story").indexOf(story.value.trim()) >= 0);
      row.hidden = !ok;
      n += ok ? 1 : 0;
    });
    shown.textContent = " " + n + " of " + rows.length + " articles";
  }
  bar.addEventListener("input", apply);
  bar.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
}
