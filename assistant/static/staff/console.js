// まどぐちナビ 職員コンソール: keeps the queue and the conversation up to date, sends replies without
// reloading. Everything residents wrote is put on the page with textContent, never as HTML.
(function () {
  "use strict";

  var QUEUE_EVERY_MS = 5000;
  var MESSAGES_EVERY_MS = 3000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clock() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
  }

  function request(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = options.headers || {};
    options.headers.Accept = "application/json";
    return fetch(url, options).then(function (resp) {
      if (resp.status === 401) {
        window.location.href = "/staff/login?next=" + encodeURIComponent(window.location.pathname);
        throw new Error("ログインが切れました。");
      }
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) { throw new Error(body.message || ("エラー " + resp.status)); }
        return body;
      });
    });
  }

  function showConnection(ok) {
    var box = document.getElementById("connection-error");
    if (box) { box.hidden = ok; }
  }

  // --- the queue -------------------------------------------------------------------------
  function queueRow(h) {
    var tr = el("tr", rowClass(h));
    tr.setAttribute("data-id", h.id);
    var wait = el("td", "wait");
    wait.appendChild(el("strong", null, h.waited_minutes + "分"));
    tr.appendChild(wait);
    tr.appendChild(el("td", null, h.reason_label));
    tr.appendChild(el("td", "said", h.resident_said ? "「" + h.resident_said + "」" : "—"));

    var topic = el("td", null, h.topic_label || "（話題なし）");
    if (h.guide_title) {
      topic.appendChild(el("div", "sub", h.guide_title + (h.guide_step ? "・手順 " + h.guide_step : "")));
    }
    tr.appendChild(topic);

    var channel = el("td", null, h.channel_label);
    if (h.kiosk_call) { channel.appendChild(el("div", "kiosk", h.kiosk_call)); }
    if (h.callback_phone_masked) {
      var phone = el("div", "sub", "折り返し先 ");
      phone.appendChild(el("span", "phone-masked", h.callback_phone_masked));
      channel.appendChild(phone);
    }
    tr.appendChild(channel);

    var status = el("td", "status");
    status.appendChild(el("span", "badge badge-" + h.status, h.status_label));
    status.appendChild(el("div", "sub", h.staff ? "担当：" + h.staff.display_name : "未担当"));
    tr.appendChild(status);

    var open = el("td");
    var link = el("a", "btn btn-primary", "開く");
    link.href = "/staff/handoffs/" + encodeURIComponent(h.id);
    open.appendChild(link);
    tr.appendChild(open);
    return tr;
  }

  function rowClass(h) {
    return "status-" + h.status + (h.waited_minutes >= 10 ? " long-wait" : "");
  }

  function squeeze(node) { return node.textContent.replace(/\s+/g, ""); }

  // Brings a row on the page up to date cell by cell, so that a focused link or button stays where it is.
  function updateRow(tr, fresh) {
    var keep = /\bis-new\b/.test(tr.className) ? " is-new" : "";
    if (tr.className !== fresh.className + keep) { tr.className = fresh.className + keep; }
    var cells = tr.children, next = fresh.children;
    for (var i = 0; i < next.length; i += 1) {
      if (!cells[i]) { tr.appendChild(next[i].cloneNode(true)); continue; }
      if (squeeze(cells[i]) !== squeeze(next[i]) && !cells[i].contains(document.activeElement)) {
        cells[i].replaceWith(next[i].cloneNode(true));
      }
    }
  }

  // A short two-tone chime made in the page (no sound file), only when staff switched it on.
  var audio = null;
  function chime(toggle) {
    if (!toggle || !toggle.checked) { return; }
    toggle.setAttribute("data-chimes", String((parseInt(toggle.getAttribute("data-chimes"), 10) || 0) + 1));
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [880, 660].forEach(function (pitch, n) {
        var tone = audio.createOscillator(), gain = audio.createGain();
        var start = audio.currentTime + n * 0.25;
        tone.frequency.value = pitch;
        gain.gain.setValueAtTime(0.25, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + 0.22);
        tone.connect(gain).connect(audio.destination);
        tone.start(start);
        tone.stop(start + 0.24);
      });
    } catch (err) { /* no sound on this PC: the alert on the page is enough */ }
  }

  function describe(h) {
    var said = h.resident_said && h.resident_said.indexOf("［ボタン］") !== 0 ? "「" + h.resident_said + "」" : "";
    return (h.kiosk_call || h.reason_label + "（" + h.channel_label + "）") + (said ? " " + said : "");
  }

  function startQueue() {
    var body = document.getElementById("queue-rows");
    var count = document.getElementById("queue-count");
    var updated = document.getElementById("queue-updated");
    var announce = document.getElementById("queue-announce");
    var banner = document.getElementById("new-handoff");
    var bannerText = document.getElementById("new-handoff-text");
    var sound = document.getElementById("queue-sound");
    var known = {};
    Array.prototype.forEach.call(body.querySelectorAll("tr[data-id]"), function (tr) {
      known[tr.getAttribute("data-id")] = true;
    });
    if (sound) {
      try { sound.checked = window.localStorage.getItem("madoguchi.queueSound") === "1"; } catch (err) { /* private mode */ }
      sound.addEventListener("change", function () {
        try { window.localStorage.setItem("madoguchi.queueSound", sound.checked ? "1" : "0"); } catch (err) { /* ignore */ }
        if (sound.checked) {
          try {
            audio = audio || new (window.AudioContext || window.webkitAudioContext)();
            audio.resume();
          } catch (err) { /* no sound on this PC */ }
        }
      });
    }
    if (banner) {
      document.getElementById("new-handoff-seen").addEventListener("click", function () {
        banner.hidden = true;
        Array.prototype.forEach.call(body.querySelectorAll("tr.is-new"), function (tr) { tr.classList.remove("is-new"); });
      });
    }

    function refresh() {
      request("/staff/api/handoffs").then(function (data) {
        var rows = data.handoffs || [];
        var present = {}, arrived = [];
        rows.forEach(function (h) { present[String(h.id)] = true; });
        Array.prototype.forEach.call(body.querySelectorAll("tr"), function (tr) {
          var id = tr.getAttribute("data-id");
          if (id === null ? rows.length : !present[id]) {
            if (tr.contains(document.activeElement)) { document.getElementById("queue-title").focus(); }
            tr.remove();
          }
        });
        // The queue's order (longest waiting first) never changes for rows already shown: a new row goes
        // right after the row before it in the answer, and rows in place are never moved (moving drops focus).
        var previous = null;
        rows.forEach(function (h) {
          var fresh = queueRow(h);
          var tr = body.querySelector('tr[data-id="' + h.id + '"]');
          if (tr) {
            updateRow(tr, fresh);
          } else {
            tr = fresh;
            body.insertBefore(tr, previous ? previous.nextElementSibling : body.firstElementChild);
            if (!known[String(h.id)]) { tr.classList.add("is-new"); arrived.push(h); }
          }
          known[String(h.id)] = true;
          previous = tr;
        });
        if (!rows.length && !body.querySelector("tr.empty")) {
          var empty = el("tr", "empty");
          var cell = el("td", null, "いま待っている相談はありません。");
          cell.colSpan = 7;
          empty.appendChild(cell);
          body.appendChild(empty);
        }
        count.textContent = rows.length + "件";
        var waiting = rows.filter(function (h) { return h.status === "waiting"; }).length;
        document.title = (waiting ? "（" + waiting + "）" : "") + "待っている相談 | まどぐちナビ 職員コンソール";
        updated.textContent = "いちばん長く待っている方が上です。自動で新しくなります（" + clock() + " 更新）。";
        if (arrived.length) {
          var words = arrived.length === 1 ? "新しい相談が届きました：" + describe(arrived[0])
                                           : "新しい相談が" + arrived.length + "件届きました：" + arrived.map(describe).join("、");
          announce.textContent = words;
          bannerText.textContent = clock().slice(0, 5) + "　" + arrived.map(describe).join("、");
          banner.hidden = false;
          chime(sound);
        }
        showConnection(true);
      }).catch(function () { showConnection(false); });
    }
    window.setInterval(refresh, QUEUE_EVERY_MS);
  }

  // --- the conversation ------------------------------------------------------------------
  function messageItem(m) {
    var li = el("li", "msg msg-" + m.author + " new");
    li.setAttribute("data-id", m.id);
    var meta = el("div", "meta");
    meta.appendChild(el("span", "who", m.author_label));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("time", null, m.created_at_jst));
    li.appendChild(meta);
    li.appendChild(el("p", "text", m.text));
    if (m.buttons && m.buttons.length) {
      var choices = el("p", "choices", "選択肢：");
      m.buttons.forEach(function (b) { choices.appendChild(el("span", "choice", b.title)); });
      li.appendChild(choices);
    }
    return li;
  }

  function startConversation() {
    var id = document.body.getAttribute("data-handoff-id");
    var after = parseInt(document.body.getAttribute("data-after"), 10) || 0;
    var status = document.body.getAttribute("data-status");
    var me = document.body.getAttribute("data-me");
    var chat = document.getElementById("chat");
    var form = document.getElementById("reply-form");
    var busy = false;

    if (form || document.getElementById("resolve-form")) { chat.scrollTop = chat.scrollHeight; }  // open: latest first

    function add(messages) {
      messages.forEach(function (m) {
        if (m.id <= after || chat.querySelector('li[data-id="' + m.id + '"]')) { return; }
        var item = chat.appendChild(messageItem(m));
        window.setTimeout(function () { item.classList.remove("new"); }, 10000);
        after = Math.max(after, m.id);
      });
      if (messages.length) { chat.scrollTop = chat.scrollHeight; }
    }

    var again = false;
    function poll() {
      if (busy) { again = true; return; }
      busy = true;
      request("/staff/api/handoffs/" + id + "/messages?after=" + after).then(function (data) {
        add(data.messages || []);
        var h = data.handoff || {};
        var label = document.getElementById("status-label");
        label.textContent = h.status_label;
        label.className = "badge badge-" + h.status;
        document.getElementById("staff-name").textContent = h.staff ? h.staff.display_name : "未担当";
        var mine = Boolean(h.is_open && h.staff && h.staff.username === me);
        var assign = document.getElementById("assign-form");
        if (assign) { assign.hidden = Boolean(h.staff); }  // taken, by me or by another
        var mineNote = document.getElementById("mine");
        if (mineNote) { mineNote.hidden = !mine; }
        var resolvePanel = document.getElementById("resolve-panel");
        if (h.is_open && h.staff && h.staff.username !== me && (form || resolvePanel)) {
          // Someone else took it meanwhile: only they answer and end it now.
          var taken = document.getElementById("status-changed");
          taken.textContent = "この相談は" + h.staff.display_name + "さんが担当になりました。代わりに対応するときは、画面を読み込み直して「引き継ぐ」を押してください。";
          taken.hidden = false;
          if (form) { form.remove(); form = null; }
          if (resolvePanel) { resolvePanel.remove(); }
        }
        if (h.status && h.status !== status && !h.is_open) {
          var note = document.getElementById("status-changed");
          note.textContent = "この相談は「" + h.status_label + "」になりました。画面を読み込み直してください。";
          note.hidden = false;
          if (form) { form.hidden = true; }
        }
      }).catch(function () { /* the next poll tries again */ }).then(function () {
        busy = false;
        if (again) { again = false; poll(); }
      });
    }
    window.setInterval(poll, MESSAGES_EVERY_MS);

    if (!form) { return; }
    var text = document.getElementById("reply-text");
    var error = document.getElementById("reply-error");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!text.value.trim()) { text.focus(); return; }
      button.disabled = true;
      error.hidden = true;
      request("/staff/api/handoffs/" + id + "/reply", {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf_token.value},
        body: JSON.stringify({text: text.value})
      }).then(function () {
        text.value = "";
        poll();  // shows the reply in order, with anything the resident sent meanwhile
      }).catch(function (err) {
        error.textContent = "送れませんでした：" + err.message;
        error.hidden = false;
      }).then(function () { button.disabled = false; text.focus(); });
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : button.click();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    if (page === "queue") { startQueue(); }
    if (page === "handoff") { startConversation(); }
  });
})();
