// The open chat: the whole transcript (bot turns included, what the bot recognised under the
// citizen's lines), the reply box with canned answers, and the citizen's profile on the right.
import { api, russian } from "./api.js";
import { $, announce, dateFmt, el, stampFmt, timeFmt, when } from "./dom.js";
import { APPEAL_STATUS, ATTACHMENT, AUTHOR, CHANNEL, REASON, STATUS, TOPIC } from "./labels.js";
import { forgetButton } from "./forget.js";
import { watch } from "./live.js";
import { renderLists } from "./queue.js";
import { groupTitle, isMine, isWaiting, state } from "./state.js";

/** Show an empty chat pane for `id` (its lines arrive next). */
export function beginChat(id) {
  state.current = id;
  state.unread.delete(id);
  state.lineIds = new Set();
  state.lastLineId = 0;
  $("transcript").replaceChildren();
  $("chat-placeholder").hidden = true;
  $("chat-body").hidden = false;
}

/** No chat open (after logout). */
export function clearChat() {
  $("transcript").replaceChildren();
  $("chat-body").hidden = true;
  $("chat-placeholder").hidden = false;
  renderProfile();
}

export async function openChat(id) {
  beginChat(id);
  renderLists();
  await refreshDetail(true);
  watch(id);
}

export async function refreshDetail(focus) {
  const id = state.current;
  try {
    const { data } = await api("GET", `/api/chats/${id}`);
    if (id === state.current) showDetail(data, focus);
  } catch (error) {
    if (focus) announce(russian(error, "Не удалось открыть чат"));
  }
}

export function showDetail(chat, focus) {
  state.detail = chat;
  state.chats.set(chat.id, { ...state.chats.get(chat.id), ...chat });
  renderChatHead();
  appendLines(chat.transcript || []);
  renderProfile();
  renderCanned();
  if (focus) $("chat-title").focus();
}

/** A newer summary of the open chat (status, operator) from a push or a poll. */
export function updateOpenChat(summary) {
  if (!state.detail || summary.id !== state.current) return;
  state.detail = { ...state.detail, ...summary };
  renderChatHead();
}

export function renderChatHead() {
  const chat = state.detail;
  if (!chat) return;
  $("chat-title").textContent = `Чат № ${chat.number}`;
  $("chat-title").setAttribute("tabindex", "-1");
  const parts = [STATUS[chat.status] || chat.status, groupTitle(chat.group_code), CHANNEL[chat.channel] || chat.channel];
  if (chat.operator && state.me && chat.operator.id !== state.me.id) parts.push(`оператор: ${chat.operator.name}`);
  if (chat.status === "closed") parts.push("разговор снова ведёт бот");
  $("chat-state").textContent = parts.join(" · ");
  const mine = isMine(chat);
  $("chat-take").hidden = !isWaiting(chat);
  $("chat-transfer").hidden = !mine;
  $("chat-close").hidden = !mine;
  $("reply-form").hidden = !mine;
}

// kinds whose file the citizen's messenger hands back through GET /api/chats/{id}/attachments/{line}
const OPENABLE = new Set(["photo", "document", "video", "voice", "audio", "animation", "video_note"]);

/** What the citizen attached: a link to open the file (photos also as a thumbnail), or a place. */
function attachmentView(line, attachment) {
  if (attachment.kind === "location") {
    const place = attachment.file_ref ? `: ${attachment.file_ref.split(",").join(", ")}` : "";
    return el("span", { class: "attachment" }, `📍 геопозиция${place}`);
  }
  const name = attachment.name ? ` «${attachment.name}»` : "";
  const label = el("span", { class: "attachment" }, `📎 ${ATTACHMENT[attachment.kind] || "файл"}`, name);
  if (!OPENABLE.has(attachment.kind) || !attachment.file_ref || !state.current) return label;
  // every opening is fetched from the messenger and audited
  const url = `/api/chats/${state.current}/attachments/${line.id}`;
  const open = el("a", { class: "attachment__open", href: url, target: "_blank", rel: "noopener noreferrer" }, "Открыть файл");
  const view = el("span", { class: "attachment__view" }, label, " ", open);
  if (attachment.kind === "photo") {
    // a photo the messenger no longer gives leaves the link, which explains why
    view.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", tabindex: "-1", "aria-hidden": "true" },
      el("img", { class: "attachment__thumb", src: url, alt: "", loading: "lazy", onerror: (event) => event.target.closest("a").remove() })));
  }
  return view;
}

function lineBody(line) {
  const payload = line.payload || {};
  const parts = [];
  if (payload.attachment) parts.push(attachmentView(line, payload.attachment));
  const muted = (text) => el("span", { class: "line__text line__text--muted", text });
  if (line.text) parts.push(el("span", { class: "line__text", text: line.text }));
  else if (payload.payload) parts.push(muted(`нажата кнопка ${payload.payload}`));
  else if (payload.contact_shared) parts.push(muted(payload.verified ? "поделился подтверждённым номером телефона" : "поделился номером телефона"));
  else if (payload.custom || payload.handoff) parts.push(muted("передал чат оператору"));
  if (Array.isArray(payload.buttons) && payload.buttons.length) {
    parts.push(el("ul", { class: "line__buttons", "aria-label": "Кнопки бота" }, ...payload.buttons.map((b) => el("li", { text: b.title }))));
  }
  return parts;
}

export function appendLines(lines) {
  const log = $("transcript");
  let added = 0;
  for (const line of lines) {
    if (state.lineIds.has(line.id)) continue;
    state.lineIds.add(line.id);
    if (line.id > state.lastLineId) state.lastLineId = line.id;
    const author = AUTHOR[line.author] ? line.author : "system";
    const item = el("li", { class: `line line--${author}`, dataset: { id: line.id } },
      el("span", { class: "line__who" }, el("strong", { text: AUTHOR[author] }), " ", el("time", { datetime: line.created_at, text: when(line.created_at, timeFmt) })),
      ...lineBody(line));
    if (line.author === "citizen" && line.intent) {
      const confidence = typeof line.confidence === "number" ? ` · ${Math.round(line.confidence * 100)} %` : "";
      item.append(el("span", { class: "line__intent", text: `бот распознал: ${line.intent}${confidence}` }));
    }
    log.append(item);
    added += 1;
  }
  const scroller = $("transcript-log");
  if (added) scroller.scrollTop = scroller.scrollHeight;
}

export function renderProfile() {
  const chat = state.detail;
  const body = $("profile-body");
  if (!chat) { body.replaceChildren(el("p", { class: "empty", text: "Чат не выбран" })); return; }
  const nodes = [el("dl", { class: "facts" },
    el("dt", { text: "Тема" }), el("dd", { text: TOPIC[chat.topic] || chat.topic || "—" }),
    el("dt", { text: "Причина" }), el("dd", { text: REASON[chat.reason] || chat.reason || "—" }),
    el("dt", { text: "Группа" }), el("dd", { text: groupTitle(chat.group_code) }),
    el("dt", { text: "Канал" }), el("dd", { text: CHANNEL[chat.channel] || chat.channel }),
    el("dt", { text: "В очереди с" }), el("dd", { text: when(chat.queued_at, stampFmt) }))];
  if (chat.summary) nodes.push(el("h3", { text: "Кратко" }), el("p", { class: "summary", text: chat.summary }));
  nodes.push(el("h3", { text: "Гражданин" }));
  const citizen = chat.citizen;
  if (!citizen) {
    nodes.push(el("p", { class: "empty", text: "Не идентифицирован (номер телефона не подтверждён)" }));
  } else {
    nodes.push(el("dl", { class: "facts" },
      el("dt", { text: "Имя" }), el("dd", { text: citizen.name || "—" }),
      el("dt", { text: "Телефон" }), el("dd", { text: citizen.phone_masked || "—" })));
    const appeals = citizen.appeals || [];
    nodes.push(el("h3", { text: `Заявления (${appeals.length})` }));
    if (appeals.length) {
      nodes.push(el("ul", { class: "appeals" }, ...appeals.map((a) => el("li", { class: a.overdue ? "appeal appeal--overdue" : "appeal" },
        el("strong", { text: `№ ${a.number}` }), " ", el("span", { text: a.service }),
        el("span", { class: "appeal__meta", text: `${APPEAL_STATUS[a.status] || a.status} · подано ${when(a.submitted_at, dateFmt)} · срок ${when(a.deadline, dateFmt)}` }),
        a.overdue ? el("span", { class: "badge badge--danger", text: "просрочено" }) : null))));
    } else {
      nodes.push(el("p", { class: "empty", text: "Заявлений нет" }));
    }
  }
  nodes.push(el("h3", { text: "Персональные данные" }), forgetButton(chat));
  body.replaceChildren(...nodes);
}

export function renderCanned() {
  const group = state.detail ? state.detail.group_code : null;
  const items = state.canned.filter((c) => !c.group_code || !group || c.group_code === group);
  $("canned").replaceChildren(el("option", { value: "", text: "— выберите шаблон —" }),
    ...items.map((c) => el("option", { value: String(c.id), text: c.title })));
}

/** Put the chosen canned answer where the cursor is; the operator edits before sending. */
export function insertCanned() {
  const select = $("canned");
  const item = state.canned.find((c) => String(c.id) === select.value);
  select.value = "";
  if (!item) return;
  const box = $("reply-text");
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  box.value = box.value.slice(0, start) + item.text + box.value.slice(end);
  box.focus();
  box.selectionStart = box.selectionEnd = start + item.text.length;
}
