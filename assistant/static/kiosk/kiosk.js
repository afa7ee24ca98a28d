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
  const config = {
    kiosk: root.dataset.kiosk || "",
    idleMs: parseFloat(root.dataset.idleMinutes || "2") * 60000,
    countdown: parseInt(root.dataset.countdownSeconds || "30", 10),
  };
  const state = { conversation: null, furigana: false, easy: false, busy: false, poll: null, idleTimer: null, tick: null };

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

  const NO_EASY = "この文は、やさしい日本語ではありません。";
  const NO_EASY_RUBY = "この<ruby>文<rt>ぶん</rt></ruby>は、やさしい<ruby>日本語<rt>にほんご</rt></ruby>ではありません。";

  // Every text the assistant wrote keeps its plain and furigana forms; the toggle picks one.
  function paint(node) {
    node.innerHTML = state.furigana && node.dataset.ruby ? node.dataset.ruby : escapeHtml(node.dataset.plain);
  }
  function paintAll() {
    log.querySelectorAll("[data-plain]").forEach(paint);
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
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

  function addNotice(text) {
    const note = document.createElement("p");
    note.className = "notice";
    note.textContent = text;
    log.appendChild(note);
    scrollDown();
  }

  function addAssistant(message) {
    const from = (message.custom && message.custom.from) || "assistant";
    if (!message.text && !(message.buttons || []).length) {
      if (message.custom && message.custom.handoff) startPolling();
      return;
    }
    const box = document.createElement("section");
    box.className = "message " + (from === "staff" ? "staff" : "bot");
    const who = document.createElement("p");
    who.className = "who";
    who.textContent = from === "staff" ? "職員" : "ナビ";
    const body = document.createElement("p");
    body.className = "text";
    body.dataset.plain = message.text || "";
    body.dataset.ruby = message.ruby || "";
    paint(body);
    box.append(who, body);
    if (state.easy && from !== "staff" && message.text && !(message.custom && message.custom.easy)) {
      // Said plainly rather than pretended: this text has no やさしい日本語 form (a menu, a question back).
      const note = document.createElement("p");
      note.className = "no-easy";
      note.dataset.plain = NO_EASY;
      note.dataset.ruby = NO_EASY_RUBY;
      paint(note);
      box.appendChild(note);
    }
    const buttons = document.createElement("div");
    buttons.className = "buttons";
    (message.buttons || []).forEach((b) => buttons.appendChild(choiceButton(b.title, b.ruby, b.payload)));
    if (message.source) {
      const take = document.createElement("button");
      take.type = "button";
      take.className = "take-home";
      take.dataset.source = message.source;
      take.textContent = "持ち帰る（QRコード）";
      buttons.appendChild(take);
    }
    if (buttons.children.length) box.appendChild(buttons);
    log.appendChild(box);
    if (message.custom && message.custom.handoff) startPolling();
    if (from === "bot") stopPolling(); // the closing message after staff resolved
    scrollDown();
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && data.message) || "HTTP " + response.status);
    return data || [];
  }

  async function send(message, shown) {
    if (state.busy) return;
    state.busy = true;
    if (shown) addResident(shown);
    const started = conversation();
    let c = null;
    try {
      c = await started;
      const replies = await post("webhook", {
        sender: c.sender, token: c.token, message: message, metadata: { kiosk: config.kiosk, easy: state.easy },
      });
      if (started === state.conversation) replies.forEach(addAssistant);
    } catch (error) {
      if (started === state.conversation) {
        if (!c) state.conversation = null; // no conversation from the server: the next touch asks again
        addNotice("うまく送れませんでした。もう一度押してください。困ったときは「職員を呼ぶ」を押してください。");
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
        if (started === state.conversation) replies.forEach(addAssistant);
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
    qr.hidden = true;
    idle.hidden = true;
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
    let left = config.countdown;
    idleSeconds.textContent = String(left);
    idle.hidden = false;
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

  log.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.source) {
      document.getElementById("qr-image").src = "qr?url=" + encodeURIComponent(button.dataset.source);
      qr.hidden = false;
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
    paintAll();
  });
  document.getElementById("easy").addEventListener("click", () => {
    state.easy = !state.easy;
    setPressed("easy", state.easy);
    const steps = Array.from(log.querySelectorAll(".message.bot .text")).map((n) => n.dataset.plain || "");
    const last = steps[steps.length - 1] || "";
    addNotice(state.easy ? "やさしい日本語で表示します。" : "ふつうの日本語で表示します。");
    if (last.startsWith("手順 ")) send("/guide_repeat", null); // show the current step again in the chosen form
  });
  document.getElementById("size-large").addEventListener("click", () => setSize("large"));
  document.getElementById("size-xlarge").addEventListener("click", () => setSize("xlarge"));
  document.getElementById("call-staff").addEventListener("click", () => send("/human_help_request", "職員を呼ぶ"));
  document.getElementById("finish").addEventListener("click", reset);
  document.getElementById("qr-close").addEventListener("click", () => { qr.hidden = true; });
  document.getElementById("idle-continue").addEventListener("click", () => {
    clearInterval(state.tick);
    idle.hidden = true;
    armIdle();
  });
  ["pointerdown", "keydown", "input", "scroll"].forEach((kind) => document.addEventListener(kind, touched, true));

  reset();
})();
