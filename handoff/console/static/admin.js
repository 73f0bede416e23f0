// Administration: operators (role, groups, max chats, active, password reset) and groups
// (title, topics, working hours as JSON, auto-assignment).
import { api, russian } from "./api.js";
import { $, announce, cell, el, showError } from "./dom.js";
import { DAY_KIND, ROLE } from "./labels.js";
import { loadMeta } from "./login.js";
import { groupTitle, state } from "./state.js";

const hoursText = (hours) => Object.keys(DAY_KIND)
  .map((kind) => `${DAY_KIND[kind]}: ${hours && hours[kind] ? `${hours[kind].open}–${hours[kind].close}` : "не работает"}`)
  .join("; ");

export async function loadAdmin() {
  try {
    const [operators, groups] = await Promise.all([api("GET", "/api/operators"), api("GET", "/api/groups")]);
    state.admin = { operators: operators.data, groups: groups.data };
    renderAdmin();
  } catch (error) {
    announce(russian(error, "Не удалось загрузить справочники"));
  }
}

function renderAdmin() {
  $("admin-operators").tBodies[0].replaceChildren(...state.admin.operators.map((o) => el("tr", { class: o.active === false ? "row--inactive" : "" },
    cell(o.login), el("th", { scope: "row", text: o.name }), cell(ROLE[o.role] || o.role),
    cell((o.groups || []).map(groupTitle).join(", ") || "—"), cell(o.max_chats), cell(o.active === false ? "нет" : o.locked ? "заблокирован (неудачные входы)" : "да"),
    el("td", null, el("button", { type: "button", "aria-label": `Изменить: ${o.name}`, onclick: () => editOperator(o) }, "Изменить")))));
  $("admin-groups").tBodies[0].replaceChildren(...state.admin.groups.map((g) => el("tr", { class: g.active === false ? "row--inactive" : "" },
    cell(g.code), el("th", { scope: "row", text: g.title }), cell(g.auto_assign ? "да" : "нет"),
    cell(hoursText(g.hours)),
    el("td", null, el("button", { type: "button", "aria-label": `Изменить группу: ${g.title}`, onclick: () => editGroup(g) }, "Изменить")))));
}

export function editOperator(operator) {
  state.editing = operator;
  $("operator-title").textContent = operator ? `Оператор: ${operator.name}` : "Новый оператор";
  $("op-login").value = operator ? operator.login : "";
  $("op-login").disabled = Boolean(operator);
  $("op-name").value = operator ? operator.name : "";
  $("op-role").value = operator ? operator.role : "operator";
  $("op-max").value = operator ? operator.max_chats : 3;
  $("op-active").checked = operator ? operator.active !== false : true;
  $("op-password").value = "";
  $("op-password").required = !operator;
  $("op-password-label").textContent = operator ? "Новый пароль (сброс)" : "Пароль";
  $("op-password-hint").hidden = !operator;
  const chosen = new Set(operator ? operator.groups || [] : []);
  const groups = state.admin.groups.length ? state.admin.groups : state.meta.groups;
  $("op-groups").replaceChildren(el("legend", { text: "Группы" }), ...groups.map((g) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: g.code, checked: chosen.has(g.code) }), ` ${g.title}`)));
  showError("operator-error", "");
  $("operator-dialog").showModal();
}

export async function submitOperator(event) {
  event.preventDefault();
  const body = {
    login: state.editing ? state.editing.login : $("op-login").value.trim(),
    name: $("op-name").value.trim(),
    role: $("op-role").value,
    max_chats: Number($("op-max").value),
    active: $("op-active").checked,
    groups: [...$("op-groups").querySelectorAll("input:checked")].map((i) => i.value),
  };
  const password = $("op-password").value;
  if (!body.name || !(body.max_chats >= 1)) { showError("operator-error", "Заполните имя и максимум чатов."); return; }
  if (password) body.password = password;
  try {
    if (state.editing) await api("PUT", `/api/operators/${state.editing.id}`, body);
    else {
      if (!body.login || !password) { showError("operator-error", "Для нового оператора нужны логин и пароль."); return; }
      await api("POST", "/api/operators", body);
    }
    $("operator-dialog").close();
    announce("Оператор сохранён");
    loadAdmin();
    loadMeta();
  } catch (error) {
    showError("operator-error", russian(error, error.status === 409 ? "Такой логин уже есть." : "Не удалось сохранить оператора."));
  }
}

export function editGroup(group) {
  state.editing = group;
  $("group-title").textContent = group ? `Группа: ${group.title}` : "Новая группа";
  $("gr-code").value = group ? group.code : "";
  $("gr-code").disabled = Boolean(group);
  $("gr-title").value = group ? group.title : "";
  $("gr-topics").value = group ? (group.topics || []).join(", ") : "";
  $("gr-hours").value = JSON.stringify(group ? group.hours || {} : { weekday: { open: "09:00", close: "18:00" }, weekend: null, holiday: null }, null, 2);
  $("gr-auto").checked = group ? Boolean(group.auto_assign) : true;
  $("gr-active").checked = group ? group.active !== false : true;
  showError("group-error", "");
  $("group-dialog").showModal();
}

export async function submitGroup(event) {
  event.preventDefault();
  let hours;
  try { hours = JSON.parse($("gr-hours").value || "{}"); } catch (error) { showError("group-error", "Часы работы: это не JSON."); return; }
  const body = {
    title: $("gr-title").value.trim(),
    topics: $("gr-topics").value.split(",").map((t) => t.trim()).filter(Boolean),
    hours,
    auto_assign: $("gr-auto").checked,
    active: $("gr-active").checked,
  };
  if (!body.title) { showError("group-error", "Укажите название."); return; }
  try {
    if (state.editing) await api("PUT", `/api/groups/${encodeURIComponent(state.editing.code)}`, body);
    else {
      body.code = $("gr-code").value.trim();
      if (!/^[a-z][a-z0-9_]{0,39}$/.test(body.code)) { showError("group-error", "Код: с латинской строчной буквы; буквы, цифры и _."); return; }
      await api("POST", "/api/groups", body);
    }
    $("group-dialog").close();
    announce("Группа сохранена");
    loadAdmin();
    loadMeta();
  } catch (error) {
    showError("group-error", russian(error, "Не удалось сохранить группу."));
  }
}
