// Ready answers (supervisor+): list, add, edit (title, text, group or every group), delete after a
// confirmation. Every change reloads the operator's own picker too (state.canned).
import { api, russian } from "./api.js";
import { $, announce, cell, el, showError } from "./dom.js";
import { loadCanned } from "./login.js";
import { groupTitle, state } from "./state.js";

const EVERY_GROUP = "Все группы";
let answers = [];
let deleting = null;

export async function loadCannedBoard() {
  try {
    answers = (await api("GET", "/api/canned")).data || [];
    renderCannedBoard();
  } catch (error) {
    announce(russian(error, "Не удалось загрузить шаблоны"));
  }
}

function renderCannedBoard() {
  $("canned-empty").hidden = answers.length > 0;
  $("canned-table").tBodies[0].replaceChildren(...answers.map((c) => el("tr", { dataset: { id: c.id } },
    el("th", { scope: "row", text: c.title }),
    cell(c.group_code ? groupTitle(c.group_code) : EVERY_GROUP),
    cell(c.text, "canned-text"),
    el("td", { class: "row-actions" },
      el("button", { type: "button", "aria-label": `Изменить шаблон: ${c.title}`, onclick: () => editCanned(c) }, "Изменить"),
      el("button", { type: "button", class: "danger", "aria-label": `Удалить шаблон: ${c.title}`, onclick: () => askDeleteCanned(c) }, "Удалить")))));
}

export function editCanned(answer) {
  state.editing = answer;
  $("canned-dialog-title").textContent = answer ? "Изменить шаблон" : "Новый шаблон";
  $("cn-title").value = answer ? answer.title : "";
  $("cn-text").value = answer ? answer.text : "";
  const groups = [...state.meta.groups];
  // an answer of a group that is switched off keeps it unless the supervisor picks another
  if (answer && answer.group_code && !groups.some((g) => g.code === answer.group_code)) {
    groups.push({ code: answer.group_code, title: groupTitle(answer.group_code) });
  }
  $("cn-group").replaceChildren(el("option", { value: "", text: EVERY_GROUP }),
    ...groups.map((g) => el("option", { value: g.code, text: g.title })));
  $("cn-group").value = answer && answer.group_code ? answer.group_code : "";
  showError("canned-error", "");
  $("canned-dialog").showModal();
}

export async function submitCanned(event) {
  event.preventDefault();
  const body = { title: $("cn-title").value.trim(), text: $("cn-text").value.trim(), group_code: $("cn-group").value || null };
  if (!body.title || !body.text) { showError("canned-error", "Заполните название и текст шаблона."); return; }
  try {
    if (state.editing) await api("PUT", `/api/canned/${state.editing.id}`, body);
    else await api("POST", "/api/canned", body);
    $("canned-dialog").close();
    announce("Шаблон сохранён");
    await refreshAll();
  } catch (error) {
    showError("canned-error", russian(error, "Не удалось сохранить шаблон."));
  }
}

export function askDeleteCanned(answer) {
  deleting = answer;
  $("canned-delete-text").textContent = `Удалить шаблон «${answer.title}»? Операторы больше не увидят его в списке шаблонов.`;
  showError("canned-delete-error", "");
  $("canned-delete-dialog").showModal();
}

export async function confirmDeleteCanned(event) {
  event.preventDefault();
  if (!deleting) return;
  try {
    await api("DELETE", `/api/canned/${deleting.id}`);
    $("canned-delete-dialog").close();
    announce(`Шаблон «${deleting.title}» удалён`);
    deleting = null;
    await refreshAll();
  } catch (error) {
    if (error.status === 404) { $("canned-delete-dialog").close(); announce("Шаблон уже удалён"); await refreshAll(); return; }
    showError("canned-delete-error", russian(error, "Не удалось удалить шаблон."));
  }
}

// the board and this supervisor's own reply picker show the same answers afterwards
async function refreshAll() {
  await Promise.all([loadCannedBoard(), loadCanned()]);
}
