// The left column: chats waiting in my groups (wait ticking, breaches red, callbacks marked)
// and «Мои чаты» with unread marks. Items are updated in place so keyboard focus survives pushes.
import { take } from "./actions.js";
import { openChat, updateOpenChat } from "./chat.js";
import { $, announce, el, formatDuration } from "./dom.js";
import { CHANNEL, TOPIC } from "./labels.js";
import { TARGET_WAIT_S, groupTitle, isMine, isWaiting, state, waitNow } from "./state.js";

let tickTimer = 0;

export function startTicking() {
  window.clearInterval(tickTimer);
  tickTimer = window.setInterval(tick, 1000);
}

export function stopTicking() {
  window.clearInterval(tickTimer);
}

export function markUnread(id) {
  if (id !== state.current) state.unread.add(id);
}

const lastText = (chat) => (typeof chat.last_message === "string" ? chat.last_message : "");

export function applyQueue(data) {
  state.groups = data.groups || [];
  state.receivedAt = performance.now();
  const fresh = new Map();
  const newcomers = [];
  const assigned = [];
  const known = state.seenQueued !== null;
  for (const chat of data.chats || []) {
    fresh.set(chat.id, chat);
    const before = state.versions.get(chat.id);
    const previous = state.chats.get(chat.id);
    if (known && isWaiting(chat) && !state.seenQueued.has(chat.id)) newcomers.push(chat);
    if (isMine(chat) && chat.id !== state.current) {
      if (known && !(previous && isMine(previous)) && !state.taking) {
        assigned.push(chat); // auto-assigned or transferred to me
        markUnread(chat.id);
      } else if (before !== undefined && before !== chat.version) {
        markUnread(chat.id); // something happened in a chat I hold but am not looking at
      }
    }
    state.versions.set(chat.id, chat.version);
  }
  state.chats = fresh;
  state.seenQueued = new Set([...fresh.values()].filter(isWaiting).map((c) => c.id));
  for (const id of [...state.unread]) if (!fresh.has(id)) state.unread.delete(id);
  renderLists();
  const news = [];
  if (newcomers.length) news.push(`Новый чат в очереди: ${newcomers.map((c) => "№ " + c.number).join(", ")}`);
  if (assigned.length) news.push(`Вам назначен чат: ${assigned.map((c) => "№ " + c.number).join(", ")}`);
  if (news.length) announce(news.join(". "));
  if (state.current && fresh.has(state.current)) updateOpenChat(fresh.get(state.current));
}

function chatItem(chat, kind) {
  const item = el("li", { class: "chat-item", dataset: { id: chat.id } });
  item.append(el("button", { type: "button", class: "chat-item__open", onclick: () => openChat(chat.id) },
    el("span", { class: "chat-item__title" }),
    el("span", { class: "chat-item__meta" }),
    el("span", { class: "chat-item__last" })));
  if (kind === "queue") {
    item.append(el("span", { class: "chat-item__wait" }));
    item.append(el("button", { type: "button", class: "chat-item__take", onclick: () => take(chat.id) }, "Взять"));
  } else {
    item.append(el("span", { class: "chat-item__unread", text: "новое", hidden: true }));
  }
  return item;
}

function fillItem(item, chat, kind) {
  const deferred = chat.status === "deferred";
  const title = `№ ${chat.number} · ${TOPIC[chat.topic] || chat.topic || "—"}`;
  item.querySelector(".chat-item__title").textContent = title;
  const meta = [CHANNEL[chat.channel] || chat.channel, groupTitle(chat.group_code)];
  if (kind === "queue" && chat.position) meta.push(`позиция ${chat.position}`);
  if (deferred) meta.unshift("☎ обратный звонок");
  item.querySelector(".chat-item__meta").textContent = meta.join(" · ");
  item.querySelector(".chat-item__last").textContent = lastText(chat);
  item.classList.toggle("chat-item--deferred", deferred);
  item.classList.toggle("chat-item--current", chat.id === state.current);
  const open = item.querySelector(".chat-item__open");
  if (chat.id === state.current) open.setAttribute("aria-current", "true"); else open.removeAttribute("aria-current");
  if (kind === "queue") {
    item.querySelector(".chat-item__take").setAttribute("aria-label", `Взять чат № ${chat.number}`);
  } else {
    const unread = state.unread.has(chat.id);
    item.classList.toggle("chat-item--unread", unread);
    item.querySelector(".chat-item__unread").hidden = !unread;
    open.setAttribute("aria-label", `${title}${unread ? ", есть новые сообщения" : ""}`);
  }
}

function syncList(list, chats, kind) {
  const existing = new Map([...list.children].map((li) => [Number(li.dataset.id), li]));
  chats.forEach((chat, index) => {
    let item = existing.get(chat.id);
    if (item) existing.delete(chat.id); else item = chatItem(chat, kind);
    fillItem(item, chat, kind);
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
  });
  for (const item of existing.values()) item.remove();
}

export function renderLists() {
  // the server lists only the waiting chats of my groups (every group for supervisors)
  const chats = [...state.chats.values()];
  const waiting = chats
    .filter(isWaiting)
    .sort((a, b) => (a.status === b.status ? 0 : a.status === "queued" ? -1 : 1) || String(a.queued_at).localeCompare(String(b.queued_at)));
  const mine = chats.filter(isMine).sort((a, b) => String(a.assigned_at).localeCompare(String(b.assigned_at)));
  syncList($("queue-list"), waiting, "queue");
  syncList($("mine-list"), mine, "mine");
  $("queue-empty").hidden = waiting.length > 0;
  $("mine-empty").hidden = mine.length > 0;
  $("queue-title").textContent = `Очередь (${waiting.length})`;
  $("group-stats").replaceChildren(...state.groups.map((g) => el("li", { class: g.open ? "" : "group--closed" },
    el("span", { text: g.title }), " ",
    el("strong", { text: String(g.queued) }),
    g.open ? null : el("span", { class: "badge", text: "не работает" }))));
  document.title = `${waiting.length ? `(${waiting.length}) ` : ""}${state.unread.size ? "● " : ""}Госпомощник — пульт оператора`;
  tick();
}

function tick() {
  for (const item of $("queue-list").children) {
    const chat = state.chats.get(Number(item.dataset.id));
    if (!chat) continue;
    const seconds = waitNow(chat);
    const node = item.querySelector(".chat-item__wait");
    node.textContent = formatDuration(seconds);
    const breach = chat.status === "queued" && seconds > TARGET_WAIT_S;
    item.classList.toggle("chat-item--breach", breach);
    node.setAttribute("aria-label", `ожидает ${formatDuration(seconds)}${breach ? ", дольше цели" : ""}`);
  }
}
