// Signing in and out, the header (name, role, presence) and loading what the workplace needs.
import { api, russian } from "./api.js";
import { clearChat, renderCanned } from "./chat.js";
import { $, announce, showError } from "./dom.js";
import { PRESENCE, ROLE } from "./labels.js";
import { connect, pollQueue, stopLive } from "./live.js";
import { startTicking, stopTicking } from "./queue.js";
import { resetWork, state } from "./state.js";
import { selectTab, stopBoards } from "./tabs.js";

export function showLogin(message) {
  stopLive();
  stopTicking();
  stopBoards();
  state.me = null;
  state.csrf = "";
  resetWork(); // nothing of the previous operator's work stays on screen for the next one
  $("queue-list").replaceChildren();
  $("mine-list").replaceChildren();
  clearChat();
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  showError("login-error", message || "");
  $("login-login").focus();
}

export async function onLogin(event) {
  event.preventDefault();
  const login = $("login-login").value.trim();
  const password = $("login-password").value;
  if (!login || !password) { showError("login-error", "Введите логин и пароль."); return; }
  showError("login-error", "");
  try {
    const { data } = await api("POST", "/api/login", { login, password });
    $("login-password").value = "";
    await start(data);
  } catch (error) {
    if (error.status === 423) showError("login-error", russian(error, "Учётная запись временно заблокирована после нескольких неудачных попыток входа. Попробуйте через 15 минут."));
    else if (error.status === 401) showError("login-error", "Неверный логин или пароль.");
    else if (error.status === 0) showError("login-error", "Нет связи с сервером. Проверьте подключение.");
    else showError("login-error", russian(error, "Не удалось войти. Попробуйте ещё раз."));
  }
}

export async function logout() {
  try { await api("POST", "/api/logout"); } catch (error) { /* the session is gone either way */ }
  showLogin("Вы вышли из пульта.");
}

export async function start(session) {
  state.me = session.operator;
  state.csrf = session.csrf_token;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  renderMe();
  $("tab-supervisor").hidden = !["supervisor", "admin"].includes(state.me.role);
  $("tab-canned").hidden = $("tab-supervisor").hidden;
  $("tab-admin").hidden = state.me.role !== "admin";
  $("tab-training").hidden = !["editor", "admin"].includes(state.me.role);
  $("tab-content").hidden = $("tab-training").hidden;
  // an editor works on the bot's training only: no desk, no presence, no live queue
  const editor = state.me.role === "editor";
  $("tab-work").hidden = editor;
  $("presence").hidden = editor;
  $("connection").hidden = editor;
  selectTab(editor ? "training" : "work");
  if (editor) return;
  await Promise.all([loadMeta(), loadCanned(), pollQueue()]);
  connect();
  startTicking();
}

function renderMe() {
  $("me-name").textContent = state.me.name;
  $("me-role").textContent = ROLE[state.me.role] || state.me.role;
  for (const input of document.querySelectorAll('input[name="presence"]')) input.checked = input.value === state.me.presence;
}

export async function loadMeta() {
  try { state.meta = (await api("GET", "/api/meta")).data; } catch (error) { /* the dialogs stay empty */ }
}

/** The answers of the reply picker (supervisors see every group's). */
export async function loadCanned() {
  try { state.canned = (await api("GET", "/api/canned")).data || []; } catch (error) { state.canned = []; }
  renderCanned();
}

export async function setPresence(event) {
  const presence = event.target.value;
  try {
    state.me = (await api("PUT", "/api/me/presence", { presence })).data;
    renderMe();
    announce(`Статус: ${PRESENCE[presence]}`);
  } catch (error) {
    renderMe();
    announce(russian(error, "Не удалось сменить статус"));
  }
}
