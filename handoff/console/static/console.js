// Operator console: the entry module. A vanilla-JS client (ES modules, no build step) of the JSON
// API under /api/ and its websocket /api/ws; see handoff/console.py for how the page is served.
import { openClose, openTransfer, sendReply, submitClose, submitTransfer, syncTransferTarget, take, takeNext } from "./actions.js";
import { editGroup, editOperator, submitGroup, submitOperator } from "./admin.js";
import { api, whenUnauthorized } from "./api.js";
import { confirmDeleteCanned, editCanned, submitCanned } from "./canned.js";
import { insertCanned } from "./chat.js";
import { wireContent } from "./content.js";
import { $ } from "./dom.js";
import { logout, onLogin, setPresence, showLogin, start } from "./login.js";
import { state } from "./state.js";
import { onTabKey, selectTab } from "./tabs.js";
import { wireTraining } from "./training.js";

function wire() {
  $("login-form").addEventListener("submit", onLogin);
  $("logout").addEventListener("click", logout);
  for (const input of document.querySelectorAll('input[name="presence"]')) input.addEventListener("change", setPresence);
  $("take-next").addEventListener("click", takeNext);
  $("chat-take").addEventListener("click", () => take(state.current));
  $("chat-transfer").addEventListener("click", openTransfer);
  $("chat-close").addEventListener("click", openClose);
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line; an IME composition is never cut short
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });
  $("canned").addEventListener("change", insertCanned);
  for (const input of document.querySelectorAll('input[name="transfer-target"]')) input.addEventListener("change", syncTransferTarget);
  $("transfer-form").addEventListener("submit", submitTransfer);
  $("close-form").addEventListener("submit", submitClose);
  $("operator-form").addEventListener("submit", submitOperator);
  $("group-form").addEventListener("submit", submitGroup);
  $("operator-new").addEventListener("click", () => editOperator(null));
  $("group-new").addEventListener("click", () => editGroup(null));
  $("canned-form").addEventListener("submit", submitCanned);
  $("canned-delete-form").addEventListener("submit", confirmDeleteCanned);
  $("canned-new").addEventListener("click", () => editCanned(null));
  wireTraining();
  wireContent();
  for (const button of document.querySelectorAll("[data-close]")) button.addEventListener("click", () => button.closest("dialog").close());
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => selectTab(tab.id.replace("tab-", "")));
    tab.addEventListener("keydown", onTabKey);
  }
}

async function boot() {
  whenUnauthorized(() => showLogin(state.me ? "Сессия закончилась — войдите снова." : ""));
  wire();
  try {
    await start((await api("GET", "/api/me")).data);
  } catch (error) {
    if (error.status !== 401) showLogin(error.status === 0 ? "Нет связи с сервером." : "");
  }
}

boot();
