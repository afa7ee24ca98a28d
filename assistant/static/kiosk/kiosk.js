// The kiosk page: buttons for everything, furigana and easy Japanese, a staff call, and nothing
// left on the screen for the next resident (idle countdown, おわる).
(function () {
  "use strict";
  const root = document.getElementById("kiosk");
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const question = document.getElementById("question");
  const startTemplate = document.getElementById("start");
  const qr = document.getElementById("qr");
  const idle = document.getElementById("idle");
  const idleSeconds = document.getElementById("idle-seconds");
  const leave = document.getElementById("leave");
  const waiting = document.getElementById("waiting");
  const config = {
    kiosk: root.dataset.kiosk || "",
    idleMs: parseFloat(root.dataset.idleMinutes || "2") * 60000,
    countdown: parseInt(root.dataset.countdownSeconds || "30", 10),
  };
  const state = { conversation: null, furigana: false, easy: false, busy: false, poll: null, idleTimer: null, tick: null,
    handoff: false, opener: null, ratings: 0, noteTimer: null };

  // This resident's conversation: its id and token come from the server on the first message.
  function conversation() {
    if (!state.conversation) state.conversation = post("start", {});
    return state.conversation;
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML.replace(/\n/g, "<br>");
  }

  // The texts this script writes itself, each with its furigana form (made on the server with the page).
  const PHRASES = JSON.parse(document.getElementById("phrases").textContent);
  // A node that says one of them, in the form the ふりがな switch asks for (and follows it later).
  function say(node, key) {
    node.dataset.plain = PHRASES[key].plain;
    node.dataset.ruby = PHRASES[key].ruby;
    paint(node);
    return node;
  }

  const switchNote = document.getElementById("switch-note");
  // What a switch did, in the header where the resident is looking (the conversation keeps its place).
  function showSwitchNote(key) {
    clearTimeout(state.noteTimer);
    say(switchNote, key);
    switchNote.hidden = false;
    state.noteTimer = setTimeout(() => { switchNote.hidden = true; }, 8000);
  }

  // Every text the assistant wrote keeps its plain and furigana forms; the toggle picks one. A header button's
  // plain form is markup of the page's own (a label's line break points).
  function paint(node) {
    if (state.furigana && node.dataset.ruby) node.innerHTML = node.dataset.ruby;
    else if (node.dataset.plainHtml !== undefined) node.innerHTML = node.dataset.plainHtml;
    else node.innerHTML = escapeHtml(node.dataset.plain);
  }
  function paintAll() {
    root.querySelectorAll("[data-plain], [data-plain-html]").forEach(paint);
  }

  // An answer or guide step that has both forms shows the one the switch asks for; any other text of the
  // assistant says, while the switch is on, that it has no やさしい日本語 form (a menu, a question back).
  function showForm(box) {
    const body = box.querySelector(".text");
    if (!body || !(body.forms || body.dataset.plain)) return; // buttons only: no text to label
    if (body.forms) {
      const form = body.forms[state.easy ? "easy" : "ordinary"];
      body.dataset.plain = form.text;
      body.dataset.ruby = form.ruby || "";
      paint(body);
    }
    const labelled = state.easy && !body.forms && box.dataset.easy !== "yes";
    const note = box.querySelector(".no-easy");
    if (labelled && !note) {
      const added = document.createElement("p");
      added.className = "no-easy";
      body.after(say(added, "no-easy"));
    } else if (!labelled && note) note.remove();
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }
  // A new answer opens at its first line (with the resident's short question above it, when there is one).
  function scrollToStart(node) {
    const before = node.previousElementSibling;
    const top = before && before.classList.contains("resident") && before.offsetHeight < log.clientHeight / 4 ? before : node;
    log.scrollTop = Math.max(0, top.offsetTop - 8);
  }
  // A switch (furigana, text size) keeps the resident's place: the line at the top stays at the top.
  function keepPlace(change) {
    const anchor = Array.from(log.children).find((n) => n.offsetTop + n.offsetHeight > log.scrollTop);
    const share = anchor ? (log.scrollTop - anchor.offsetTop) / Math.max(anchor.offsetHeight, 1) : 0;
    change();
    if (anchor) log.scrollTop = anchor.offsetTop + Math.max(0, share) * anchor.offsetHeight;
  }
  // Only the latest message's buttons act: the older ones are switched off (their step has passed).
  function retireButtons() {
    log.querySelectorAll("button.choice:not([disabled])").forEach((b) => { b.disabled = true; });
  }

  function choiceButton(title, ruby, payload) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.dataset.payload = payload;
    button.dataset.plain = title;
    button.dataset.ruby = ruby || "";
    paint(button);
    return button;
  }

  function showStart() {
    const start = startTemplate.content.cloneNode(true);
    start.querySelectorAll("[data-ruby]").forEach((node) => {
      node.dataset.plain = node.dataset.title || node.dataset.html || node.textContent.trim();
      paint(node);
    });
    log.appendChild(start);
  }

  function addResident(text) {
    const box = document.createElement("section");
    box.className = "message resident";
    const who = document.createElement("p");
    who.className = "who";
    who.textContent = "あなた";
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    box.append(who, body);
    log.appendChild(box);
    scrollDown();
  }

  function addNotice(key, stay) {
    const note = document.createElement("p");
    note.className = "notice";
    log.appendChild(say(note, key));
    if (!stay) scrollDown();
  }

  // While staff are called the screen stays (no idle wipe) and says so above the conversation.
  function setWaiting(on) {
    state.handoff = on;
    waiting.hidden = !on;
    if (on) armIdle();
  }

  function addAssistant(message) {
    const from = (message.custom && message.custom.from) || "assistant";
    if (!message.text && !(message.buttons || []).length) {
      if (message.custom && message.custom.handoff) { setWaiting(true); startPolling(); }
      return null;
    }
    const box = document.createElement("section");
    box.className = "message " + (from === "staff" ? "staff" : "bot");
    const who = document.createElement("p");
    who.className = "who";
    if (from === "staff") say(who, "staff");
    else who.textContent = "ナビ";
    const body = document.createElement("p");
    body.className = "text";
    body.dataset.plain = message.text || "";
    body.dataset.ruby = message.ruby || "";
    paint(body);
    box.append(who, body);
    if (message.forms) body.forms = message.forms;
    if (message.custom && message.custom.easy) box.dataset.easy = "yes";
    if (from !== "staff" && message.text) showForm(box); // said plainly rather than pretended
    const buttons = document.createElement("div");
    buttons.className = "buttons";
    (message.buttons || []).forEach((b) => buttons.appendChild(choiceButton(b.title, b.ruby, b.payload)));
    if (message.source) {
      const take = document.createElement("button");
      take.type = "button";
      take.className = "take-home";
      take.dataset.source = message.source;
      take.dataset.title = message.source_title || "";
      take.dataset.titleRuby = message.source_title_ruby || "";
      say(take, "take-home");
      buttons.appendChild(take);
    }
    if (buttons.children.length) box.appendChild(buttons);
    if (message.rating && (message.rating.buttons || []).length) box.appendChild(ratingGroup(message.rating));
    log.appendChild(box);
    if (message.custom && message.custom.handoff) { setWaiting(true); startPolling(); }
    if (from === "bot") { stopPolling(); setWaiting(false); } // the closing message after staff resolved
    return box;
  }

  // 「役に立った」「役に立たなかった」 in a group of their own under the answer, with the question they answer.
  function ratingGroup(rating) {
    state.ratings += 1;
    const group = document.createElement("div");
    group.className = "rating";
    group.setAttribute("role", "group");
    const question = document.createElement("p");
    question.className = "rating-question";
    question.id = "rating-" + state.ratings;
    question.dataset.plain = rating.question;
    question.dataset.ruby = rating.ruby || "";
    paint(question);
    group.setAttribute("aria-labelledby", question.id);
    const row = document.createElement("div");
    row.className = "buttons rating-buttons";
    rating.buttons.forEach((b) => row.appendChild(choiceButton(b.title, b.ruby, b.payload)));
    group.append(question, row);
    return group;
  }

  // The assistant's replies: older buttons switched off (not for a staff line), the first reply's start in view.
  function showReplies(replies) {
    if (replies.some((r) => !(r.custom && r.custom.from === "staff") && (r.text || (r.buttons || []).length))) retireButtons();
    const shown = replies.map(addAssistant).filter(Boolean);
    if (shown.length) scrollToStart(shown[0]);
  }

  // This kiosk's terminal credential, from its first start call and kept across residents: the kiosk is
  // then limited on its own, not together with every kiosk behind the same address.
  const TERMINAL_KEY = "madoguchi-kiosk-terminal";
  function terminal() {
    try { return JSON.parse(localStorage.getItem(TERMINAL_KEY)) || {}; } catch (error) { return {}; }
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({}, terminal(), body)),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && data.message) || "HTTP " + response.status);
    if (data && data.terminal) {
      try {
        localStorage.setItem(TERMINAL_KEY, JSON.stringify({ terminal: data.terminal, terminal_token: data.terminal_token }));
      } catch (error) { /* without storage the kiosk is counted per address, as before */ }
    }
    return data || [];
  }

  async function send(message, shown) {
    if (state.busy) return;
    state.busy = true;
    showTools(false);
    if (shown) addResident(shown);
    const started = conversation();
    let c = null;
    try {
      c = await started;
      const replies = await post("webhook", {
        sender: c.sender, token: c.token, message: message, metadata: { kiosk: config.kiosk, easy: state.easy },
      });
      if (started === state.conversation) showReplies(replies);
    } catch (error) {
      if (started === state.conversation) {
        if (!c) state.conversation = null; // no conversation from the server: the next touch asks again
        addNotice("not-sent");
      }
    } finally {
      state.busy = false;
    }
  }

  function startPolling() {
    if (state.poll) return;
    state.poll = setInterval(async () => {
      const started = state.conversation;
      try {
        const c = await started;
        const replies = await post("inbox", { sender: c.sender, token: c.token });
        if (started === state.conversation) showReplies(replies);
      } catch (error) { /* the next poll tries again */ }
    }, 3000);
  }
  function stopPolling() {
    clearInterval(state.poll);
    state.poll = null;
  }

  function setPressed(id, pressed) {
    document.getElementById(id).setAttribute("aria-pressed", pressed ? "true" : "false");
  }
  function setSize(size) {
    document.documentElement.className = "size-" + size;
    setPressed("size-large", size === "large");
    setPressed("size-xlarge", size === "xlarge");
  }

  // Clears everything of the resident: the screen, the conversation id, the switches.
  function reset() {
    stopPolling();
    clearTimeout(state.idleTimer);
    clearInterval(state.tick);
    state.conversation = null;
    state.furigana = false;
    state.easy = false;
    state.busy = false;
    setPressed("furigana", false);
    setPressed("easy", false);
    setSize("large");
    paintAll(); // the header and the dialogs without furigana again
    qr.hidden = true;
    idle.hidden = true;
    leave.hidden = true;
    clearTimeout(state.noteTimer);
    switchNote.hidden = true;
    setWaiting(false);
    question.value = "";
    log.replaceChildren();
    showStart();
    armIdle();
  }

  function armIdle() {
    clearTimeout(state.idleTimer);
    state.idleTimer = setTimeout(startCountdown, config.idleMs);
  }
  function startCountdown() {
    if (state.handoff) { armIdle(); return; } // staff are on their way: nothing is wiped
    let left = config.countdown;
    idleSeconds.textContent = String(left);
    openDialog(idle, "idle-continue");
    clearInterval(state.tick);
    state.tick = setInterval(() => {
      left -= 1;
      idleSeconds.textContent = String(Math.max(left, 0));
      if (left <= 0) reset();
    }, 1000);
  }
  function touched() {
    if (!idle.hidden) return; // only 「まだ使う」 stops the countdown
    armIdle();
  }

  // A dialog takes the focus (and keeps Tab inside); closing it gives the focus back.
  function openDialog(dialog, focusId) {
    state.opener = document.activeElement;
    dialog.hidden = false;
    document.getElementById(focusId).focus();
  }
  function closeDialog(dialog) {
    dialog.hidden = true;
    if (state.opener && document.contains(state.opener) && !state.opener.disabled) state.opener.focus();
    state.opener = null;
  }
  document.addEventListener("keydown", (event) => {
    const dialog = [qr, idle, leave].find((d) => !d.hidden);
    if (!dialog || event.key !== "Tab") return;
    const buttons = Array.from(dialog.querySelectorAll("button"));
    const at = buttons.indexOf(document.activeElement);
    const next = (at + (event.shiftKey ? buttons.length - 1 : 1)) % buttons.length;
    event.preventDefault();
    buttons[at < 0 ? 0 : next].focus();
  });

  log.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.source) {
      document.getElementById("qr-image").src = "qr?url=" + encodeURIComponent(button.dataset.source);
      const source = document.getElementById("qr-source");
      source.dataset.plain = button.dataset.title || "";
      source.dataset.ruby = button.dataset.titleRuby || "";
      paint(source);
      openDialog(qr, "qr-close");
    } else if (button.dataset.payload) {
      send(button.dataset.payload, button.dataset.plain);
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) return;
    question.value = "";
    send(text, text);
  });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("furigana").addEventListener("click", () => {
    state.furigana = !state.furigana;
    setPressed("furigana", state.furigana);
    keepPlace(paintAll);
  });
  document.getElementById("easy").addEventListener("click", () => {
    state.easy = !state.easy;
    setPressed("easy", state.easy);
    // The answers and steps on the screen change form where they are; the resident's place stays. On a phone the
    // switches close again, so that the header with the switch's note leaves the answer in view, not below it.
    const said = state.easy ? "easy-on" : "easy-off";
    keepPlace(() => {
      log.querySelectorAll(".message.bot:not(.start)").forEach(showForm);
      showTools(false);
      showSwitchNote(said);
    });
    addNotice(said, true);
  });
  document.getElementById("size-large").addEventListener("click", () => keepPlace(() => setSize("large")));
  document.getElementById("size-xlarge").addEventListener("click", () => keepPlace(() => setSize("xlarge")));
  // On a phone the display switches open under 「ふりがな・文字」, and close again when the resident asks something.
  function showTools(open) {
    document.getElementById("show-tools").setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById("tools").classList.toggle("open", open);
  }
  document.getElementById("show-tools").addEventListener("click", (event) => {
    showTools(event.currentTarget.getAttribute("aria-expanded") !== "true");
  });
  // Back to the topic menu, keeping the conversation, furigana and text size (おわる clears everything).
  document.getElementById("menu-again").addEventListener("click", () => {
    showTools(false);
    retireButtons();
    showStart();
    scrollToStart(log.lastElementChild);
  });
  document.getElementById("call-staff").addEventListener("click", () => send("/human_help_request", "職員を呼ぶ"));
  // おわる while staff are called asks first, then cancels the call (staff read that the resident left).
  document.getElementById("finish").addEventListener("click", () => {
    if (state.handoff) openDialog(leave, "leave-stay");
    else reset();
  });
  document.getElementById("leave-stay").addEventListener("click", () => closeDialog(leave));
  document.getElementById("leave-confirm").addEventListener("click", async () => {
    try {
      const c = await state.conversation;
      if (c) await post("leave", { sender: c.sender, token: c.token });
    } catch (error) { /* the screen is cleared all the same; staff find the kiosk empty */ }
    reset();
  });
  document.getElementById("qr-close").addEventListener("click", () => closeDialog(qr));
  document.getElementById("idle-continue").addEventListener("click", () => {
    clearInterval(state.tick);
    closeDialog(idle);
    armIdle();
  });
  ["pointerdown", "keydown", "input", "scroll"].forEach((kind) => document.addEventListener(kind, touched, true));

  reset();
})();
