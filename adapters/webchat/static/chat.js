// Web chat client: keeps its chat id and the last reply it saw, resends unacknowledged
// messages after a reconnect, so a dropped connection loses nothing.
(() => {
  "use strict";
  const log = document.getElementById("log");
  const list = document.getElementById("messages");
  const form = document.getElementById("form");
  const input = document.getElementById("input");
  const statusLine = document.getElementById("status");
  const typing = document.getElementById("typing");
  const store = window.localStorage;
  const AUTHORS = { bot: "Ассистент", operator: "Оператор", system: "Сообщение", citizen: "Вы" };
  let socket = null;
  let retry = 0;
  let chatId = store.getItem("gp.chat") || "";
  let lastSeen = 0; // a new page replays the whole conversation; a reconnect only what it missed
  let connectAfter = 0;
  const unacked = new Map(JSON.parse(store.getItem("gp.unacked") || "[]"));
  const shown = new Set();

  const saveUnacked = () => store.setItem("gp.unacked", JSON.stringify([...unacked]));
  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9_-]/g, "");

  function render(author, text, buttons, id) {
    const item = document.createElement("li");
    item.className = "msg msg--" + author;
    if (id) item.dataset.id = id;
    const who = document.createElement("span");
    who.className = "msg__author";
    who.textContent = AUTHORS[author] || "";
    item.append(who, document.createTextNode(text || ""));
    if (buttons && buttons.length) {
      const group = document.createElement("div");
      group.className = "msg__buttons";
      group.setAttribute("role", "group");
      for (const b of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", () => send({ type: "button", payload: b.payload, title: b.title }, b.title));
        group.append(button);
      }
      item.append(group);
    }
    list.append(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function send(frame, echo) {
    frame.id = newId();
    unacked.set(frame.id, frame);
    saveUnacked();
    const item = render("citizen", echo, [], frame.id);
    item.classList.add("msg--pending");
    typing.hidden = false;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function onMessage(event) {
    const data = JSON.parse(event.data);
    if (data.type === "session") {
      chatId = data.chat_id;
      store.setItem("gp.chat", chatId);
      for (const frame of unacked.values()) socket.send(JSON.stringify(frame));
    } else if (data.type === "ack") {
      unacked.delete(data.id);
      saveUnacked();
      const item = log.querySelector(`[data-id="${CSS.escape(data.id)}"]`);
      if (item) item.classList.remove("msg--pending");
    } else if (data.type === "error") {
      // the server could not take this message: resending it would fail the same way
      if (!data.id) return;
      unacked.delete(data.id);
      saveUnacked();
      const item = log.querySelector(`[data-id="${CSS.escape(data.id)}"]`);
      if (item) { item.classList.remove("msg--pending"); item.classList.add("msg--failed"); }
      typing.hidden = true;
      statusLine.textContent = "Это сообщение не удалось отправить. Попробуйте написать его иначе.";
    } else if (data.type === "message") {
      if (data.id && shown.has(data.id)) return;
      if (data.id) shown.add(data.id);
      if (data.replay && data.author === "citizen" && connectAfter > 0) return;
      if (data.author !== "citizen") typing.hidden = true;
      render(data.author, data.text, data.buttons, null);
      if (data.id && data.id > lastSeen) lastSeen = data.id;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    connectAfter = lastSeen;
    const query = new URLSearchParams({ chat: chatId, after: String(lastSeen) });
    socket = new WebSocket(`${scheme}://${location.host}/chat/ws?${query}`);
    socket.addEventListener("open", () => { retry = 0; statusLine.textContent = "На связи"; });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", () => {
      statusLine.textContent = "Связь потеряна, переподключаемся…";
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ type: "message", text }, text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  connect();
})();
