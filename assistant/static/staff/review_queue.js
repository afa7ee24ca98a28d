// まどぐちナビ 職員コンソール「回答の見直し」: looks for new questions every few seconds (GET /staff/api/review-queue)
// and, when the list has changed, puts the new list in place. A question being decided keeps its card as it is:
// what was typed, chosen or searched, and the focus, stay.
(function () {
  "use strict";

  var list = document.getElementById("review-list");
  var status = document.getElementById("review-refresh");
  if (!list || !status || !window.fetch || !window.DOMParser) { return; }
  var every = (parseInt(status.getAttribute("data-refresh-seconds"), 10) || 10) * 1000;
  var busy = false;

  function clock() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
  }

  // The questions on the page (a card kept after someone else decided it does not count), as a sorted list:
  // the page groups them by theme, the API lists them newest first.
  function shownIds() {
    return Array.prototype.filter.call(list.querySelectorAll("article.review-card"), function (card) {
      return !card.querySelector(".review-gone");
    }).map(function (card) { return card.getAttribute("data-item"); }).sort().join(",");
  }

  // A card with a half-made decision: text typed, an answer chosen other than the first, search results, or the focus.
  function halfMade(card) {
    if (card.contains(document.activeElement)) { return true; }
    if (card.querySelector(".review-search input[name=q]") && card.querySelector(".review-search input[name=q]").value) { return true; }
    if (card.querySelector(".review-new input[name=note]") && card.querySelector(".review-new input[name=note]").value) { return true; }
    return Array.prototype.some.call(card.querySelectorAll("input[type=radio]"), function (radio) {
      return radio.checked !== radio.defaultChecked;
    });
  }

  function replaceList(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    if (!fresh.getElementById("review-list")) { return; }
    var next = document.importNode(fresh.getElementById("review-list"), true);
    var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
    var caret = focused && typeof focused.selectionStart === "number" ? [focused.selectionStart, focused.selectionEnd] : null;
    var kept = {};
    Array.prototype.forEach.call(next.querySelectorAll("article.review-card"), function (card) {
      var mine = document.getElementById(card.id);
      if (mine) {
        kept[card.id] = true;
        card.parentNode.replaceChild(mine, card);
      }
    });
    // A question someone else decided meanwhile: its card stays while it is being decided here, marked.
    var stay = Array.prototype.filter.call(list.querySelectorAll("article.review-card"), function (card) {
      return !kept[card.id] && halfMade(card);
    });
    stay.reverse().forEach(function (card) {
      if (!card.querySelector(".review-gone")) {
        var note = document.createElement("p");
        note.className = "alert review-gone";
        note.setAttribute("role", "status");
        note.textContent = "この質問は、ほかの人が決めたため一覧から外れました。決め直すこともできます。";
        card.insertBefore(note, card.firstChild);
      }
      next.insertBefore(card, next.firstChild);
    });
    list.parentNode.replaceChild(next, list);
    list = next;
    var count = fresh.getElementById("review-count");
    if (count) { document.getElementById("review-count").textContent = count.textContent; }
    if (focused && document.body.contains(focused)) {
      focused.focus();
      if (caret) { try { focused.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ } }
    }
  }

  function look() {
    if (busy || document.hidden) { return; }
    busy = true;
    var options = {credentials: "same-origin", headers: {Accept: "application/json"}};
    fetch("/staff/api/review-queue", options).then(function (resp) {
      if (resp.status === 401) { window.location.href = "/staff/login?next=/staff/review-queue"; throw new Error("login"); }
      if (!resp.ok) { throw new Error("status " + resp.status); }
      return resp.json();
    }).then(function (body) {
      var ids = body.items.map(function (item) { return String(item.id); }).sort().join(",");
      if (ids === shownIds()) { return null; }
      return fetch("/staff/review-queue", {credentials: "same-origin"}).then(function (resp) {
        if (!resp.ok) { throw new Error("status " + resp.status); }
        return resp.text();
      }).then(replaceList);
    }).then(function () {
      status.textContent = clock() + " に一覧を確かめました（" + Math.round(every / 1000) + "秒ごと）";
    }).catch(function (err) {
      if (err.message !== "login") { status.textContent = clock() + " 一覧を更新できませんでした。少しあとでもう一度確かめます。"; }
    }).then(function () { busy = false; });
  }

  window.setInterval(look, every);
})();
