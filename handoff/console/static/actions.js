// What an operator does to a chat: take, reply, transfer, close.
import { api, russian } from "./api.js";
import { beginChat, appendLines, refreshDetail, renderChatHead, showDetail } from "./chat.js";
import { $, announce, el, showError } from "./dom.js";
import { PRESENCE } from "./labels.js";
import { pollQueue, watch } from "./live.js";
import { renderLists } from "./queue.js";
import { state } from "./state.js";

export async function take(id) {
  state.taking = true; // my own take is not news to announce
  try {
    const { data } = await api("POST", `/api/chats/${id}/take`);
    announce(`Чат № ${data.number} взят`);
    afterTake(data);
  } catch (error) {
    announce(error.status === 409 ? "Этот чат уже взял другой оператор" : russian(error, "Не удалось взять чат"));
    pollQueue();
  } finally {
    state.taking = false;
  }
}

export async function takeNext() {
  state.taking = true;
  try {
    const { status, data } = await api("POST", "/api/chats/next");
    if (status === 204 || !data) { announce("Очередь пуста"); return; }
    announce(`Чат № ${data.number} взят`);
    afterTake(data);
  } catch (error) {
    announce(russian(error, "Не удалось взять чат"));
  } finally {
    state.taking = false;
  }
}

function afterTake(chat) {
  state.chats.set(chat.id, chat);
  beginChat(chat.id);
  showDetail(chat, false);
  renderLists();
  watch(chat.id);
  $("reply-text").focus();
}

export async function sendReply(event) {
  event.preventDefault();
  const box = $("reply-text");
  const text = box.value.trim();
  if (!text || !state.current) return;
  const button = $("reply-send");
  button.disabled = true;
  showError("reply-error", "");
  try {
    const { data } = await api("POST", `/api/chats/${state.current}/messages`, { text });
    box.value = "";
    appendLines([data]);
  } catch (error) {
    showError("reply-error", russian(error, "Сообщение не отправлено. Текст сохранён — попробуйте ещё раз."));
  } finally {
    button.disabled = false;
    box.focus();
  }
}

const transferTarget = () => document.querySelector('input[name="transfer-target"]:checked').value;

export function openTransfer() {
  const others = state.meta.groups.filter((g) => g.code !== (state.detail || {}).group_code);
  $("transfer-group").replaceChildren(...(others.length ? others : state.meta.groups).map((g) => el("option", { value: g.code, text: g.title })));
  const colleagues = state.meta.operators.filter((o) => !state.me || o.id !== state.me.id);
  $("transfer-operator").replaceChildren(...colleagues.map((o) => el("option", { value: String(o.id), text: `${o.name} (${PRESENCE[o.presence] || o.presence})` })));
  $("transfer-note").value = "";
  document.querySelector('input[name="transfer-target"][value="group"]').checked = true;
  syncTransferTarget();
  showError("transfer-error", "");
  $("transfer-dialog").showModal();
}

export function syncTransferTarget() {
  const toOperator = transferTarget() === "operator";
  $("transfer-group").disabled = toOperator;
  $("transfer-operator").disabled = !toOperator;
}

export async function submitTransfer(event) {
  event.preventDefault();
  const toOperator = transferTarget() === "operator";
  const note = $("transfer-note").value.trim();
  if (!note) { showError("transfer-error", "Напишите коллеге, что уже сделано."); return; }
  const body = toOperator ? { operator_id: Number($("transfer-operator").value), note } : { group_code: $("transfer-group").value, note };
  if (toOperator && !body.operator_id) { showError("transfer-error", "Выберите оператора."); return; }
  try {
    await api("POST", `/api/chats/${state.current}/transfer`, body);
    $("transfer-dialog").close();
    announce("Чат передан");
    await refreshDetail(false);
    pollQueue();
  } catch (error) {
    showError("transfer-error", russian(error, "Не удалось передать чат."));
  }
}

export function openClose() {
  $("close-resolution").replaceChildren(...state.meta.resolutions.map((r) => el("option", { value: r.code, text: r.title })));
  showError("close-error", "");
  $("close-dialog").showModal();
}

export async function submitClose(event) {
  event.preventDefault();
  const resolution = $("close-resolution").value;
  if (!resolution) { showError("close-error", "Выберите результат."); return; }
  try {
    const { data } = await api("POST", `/api/chats/${state.current}/close`, { resolution });
    $("close-dialog").close();
    announce(`Чат № ${data.number} закрыт`);
    state.detail = { ...state.detail, ...data };
    renderChatHead();
    pollQueue();
  } catch (error) {
    showError("close-error", russian(error, "Не удалось закрыть чат."));
  }
}
