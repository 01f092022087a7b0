// postedit review: one key, one decision. Served by `postedit review` under a strict
// Content-Security-Policy (script-src 'self'); the page works without it through its forms.
//   j / ArrowDown  next change      k / ArrowUp  previous change
//   a  accept      r  reject      n  never in this context      e  write the fix (a flag)
// A decision is posted at once; the change is shown as decided and the next undecided one is
// selected.
(function () {
  "use strict";
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
