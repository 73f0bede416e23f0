// Live updates: the websocket /api/ws pushes the queue and the watched chat's new lines.
// While it is down the page polls GET /api/queue and reconnects with growing, jittered delays.
import { api } from "./api.js";
import { appendLines, refreshDetail, updateOpenChat } from "./chat.js";
import { $ } from "./dom.js";
import { showLogin } from "./login.js";
import { applyQueue, markUnread, renderLists } from "./queue.js";
import { state } from "./state.js";

const POLL_MS = 3000;
const MAX_BACKOFF_MS = 30000;
const SESSION_GONE = 4401; // the server closes the socket with it after logout or expiry

let socket = null;
let retry = 0;
let reconnectTimer = 0;
let pollTimer = 0;

export function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const current = new WebSocket(`${scheme}://${location.host}/api/ws`);
  socket = current;
  current.addEventListener("open", () => {
    if (socket !== current) return;
    retry = 0;
    setConnection(true);
    if (state.current) watch(state.current);
  });
  current.addEventListener("message", (event) => {
    if (socket !== current) return;
    let data;
    try { data = JSON.parse(event.data); } catch (error) { return; }
    onPush(data);
  });
  current.addEventListener("close", (event) => {
    if (socket !== current) return; // closed on purpose (logout)
    socket = null;
    if (event.code === SESSION_GONE) { showLogin("Сессия закончилась — войдите снова."); return; }
    setConnection(false);
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** retry) * (0.75 + Math.random() / 2);
    retry = Math.min(retry + 1, 6);
    reconnectTimer = window.setTimeout(() => { if (state.me) connect(); }, delay);
  });
}

export function stopLive() {
  window.clearTimeout(reconnectTimer);
  window.clearInterval(pollTimer);
  pollTimer = 0;
  if (socket) {
    const closing = socket;
    socket = null;
    closing.close();
  }
}

// after_id: the newest line already on screen, so nothing said in between is lost
export function watch(chatId) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    const frame = { type: "watch", chat_id: chatId };
    if (state.lastLineId) frame.after_id = state.lastLineId;
    socket.send(JSON.stringify(frame));
  }
}

export async function pollQueue() {
  try { applyQueue((await api("GET", "/api/queue")).data); } catch (error) { /* next poll or push */ }
}

function setConnection(up) {
  const node = $("connection");
  node.textContent = up ? "На связи" : "Нет связи — переподключаемся…";
  node.classList.toggle("connection--down", !up);
  if (up) {
    window.clearInterval(pollTimer);
    pollTimer = 0;
  } else if (!pollTimer && state.me) {
    let polls = 0;
    // every GET /api/chats/{id} is an audited opening: the transcript is re-read every third poll
    pollTimer = window.setInterval(() => {
      pollQueue();
      polls += 1;
      if (state.current && polls % 3 === 0) refreshDetail(false);
    }, POLL_MS);
  }
}

function onPush(data) {
  if (data.type === "queue") applyQueue(data);
  else if (data.type === "lines") {
    const lines = data.lines || [];
    if (data.chat_id === state.current) appendLines(lines);
    else if (state.chats.has(data.chat_id) && lines.some((l) => l.author === "citizen")) markUnread(data.chat_id);
  } else if (data.type === "chat" && data.chat) {
    state.chats.set(data.chat.id, { ...state.chats.get(data.chat.id), ...data.chat });
    if (data.chat.id === state.current) updateOpenChat(data.chat);
    renderLists();
  }
}
