// «Содержание» (editors and admins): support contacts and hours, the out-of-scope routes, known
// incidents and maintenance. Every save names the version it edited; the server refuses a stale
// one (another editor saved meanwhile) and the page reloads what is now in force.
import { api, russian } from "./api.js";
import { $, announce, cell, el, showError, stampFmt, when } from "./dom.js";
import { CONTENT, DAY_KIND, INCIDENT_KIND } from "./labels.js";

const DAY_KINDS = ["weekday", "weekend", "holiday"];
const HH_MM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
let contactsVersion = 0;
let routesVersion = 0;
let topicCount = 0;
let services = [];
let editing = null;

export async function loadContent() {
  showError("incidents-error", "");
  try {
    const [contacts, routes, board] = await Promise.all([
      api("GET", "/api/content/contacts"), api("GET", "/api/content/out-of-scope"), api("GET", "/api/content/incidents"),
    ]);
    renderContacts(contacts.data);
    renderRoutes(routes.data);
    renderIncidents(board.data);
  } catch (error) {
    showError("incidents-error", russian(error, CONTENT.failed));
  }
}

function meta(data) {
  return data.version ? CONTENT.edited(data.version, when(data.updated_at, stampFmt)) : CONTENT.defaults;
}

// ------------------------------------------------------------------ contacts and hours
function renderContacts(data) {
  contactsVersion = data.version;
  $("contacts-meta").textContent = meta(data);
  $("ct-hotline").value = data.hotline;
  $("ct-email").value = data.email;
  for (const kind of DAY_KINDS) {
    const hours = data.chat_hours[kind] || { open: "", close: "" };
    $(`ct-${kind}-open`).value = hours.open;
    $(`ct-${kind}-close`).value = hours.close;
  }
  showError("contacts-error", "");
}

// the same rules as the server's, so the editor hears about a typo before sending
function hoursProblem(kind) {
  const open = $(`ct-${kind}-open`).value.trim();
  const close = $(`ct-${kind}-close`).value.trim();
  const valid = HH_MM.test(open) && (HH_MM.test(close) || close === "24:00") && open < close;
  return valid ? null : CONTENT.badTime(DAY_KIND[kind]);
}

async function saveContacts(event) {
  event.preventDefault();
  const hotline = $("ct-hotline").value.trim();
  const email = $("ct-email").value.trim();
  const problem = !hotline || !email ? CONTENT.required : DAY_KINDS.map(hoursProblem).find(Boolean);
  if (problem) { showError("contacts-error", problem); return; }
  const chat_hours = Object.fromEntries(DAY_KINDS.map((kind) => [kind, {
    open: $(`ct-${kind}-open`).value.trim(), close: $(`ct-${kind}-close`).value.trim() }]));
  try {
    const { data } = await api("PUT", "/api/content/contacts", { version: contactsVersion, hotline, email, chat_hours });
    renderContacts(data);
    announce(CONTENT.contactsSaved);
  } catch (error) {
    showError("contacts-error", russian(error, CONTENT.saveFailed));
  }
}

// ------------------------------------------------------------------ out-of-scope routes
function renderRoutes(data) {
  routesVersion = data.version;
  $("oos-meta").textContent = meta(data);
  $("oos-intro").value = data.intro;
  $("oos-outro").value = data.outro;
  $("oos-default").value = data.default_route;
  $("oos-topics").replaceChildren(...data.topics.map(topicItem));
  numberTopics();
  showError("oos-error", "");
}

function field(label, control) {
  return [el("label", { for: control.id, text: label }), control];
}

function topicItem(topic) {
  topicCount += 1;
  const id = `oos-topic-${topicCount}`;
  const code = el("input", { id: `${id}-code`, class: "topic__code", maxlength: 40, autocomplete: "off", required: true });
  const keywords = el("input", { id: `${id}-keywords`, class: "topic__keywords", autocomplete: "off", required: true });
  const route = el("textarea", { id: `${id}-route`, class: "topic__route", rows: 3, maxlength: 4000, required: true });
  code.value = topic.code;
  keywords.value = topic.keywords.join(", ");
  route.value = topic.route;
  const item = el("li", { class: "topic" });
  const legend = el("legend", { class: "topic__title" });
  item.append(el("fieldset", {}, legend,
    ...field(CONTENT.topicCode, code), ...field(CONTENT.topicKeywords, keywords), ...field(CONTENT.topicRoute, route),
    el("button", { type: "button", class: "danger topic__remove", onclick: () => { item.remove(); numberTopics(); } })));
  return item;
}

function numberTopics() {
  [...$("oos-topics").children].forEach((item, index) => {
    const title = CONTENT.topic(index + 1);
    item.querySelector(".topic__title").textContent = title;
    const remove = item.querySelector(".topic__remove");
    remove.textContent = CONTENT.topicRemove;
    remove.setAttribute("aria-label", `${CONTENT.topicRemove}: ${title}`);
  });
}

function addTopic() {
  const item = topicItem({ code: "", keywords: [], route: "" });
  $("oos-topics").append(item);
  numberTopics();
  item.querySelector(".topic__code").focus();
}

function readTopics() {
  return [...$("oos-topics").children].map((item) => ({
    code: item.querySelector(".topic__code").value.trim(),
    keywords: item.querySelector(".topic__keywords").value.split(",").map((word) => word.trim()).filter(Boolean),
    route: item.querySelector(".topic__route").value.trim(),
  }));
}

async function saveRoutes(event) {
  event.preventDefault();
  const body = { version: routesVersion, intro: $("oos-intro").value.trim(), outro: $("oos-outro").value.trim(),
    default_route: $("oos-default").value.trim(), topics: readTopics() };
  const incomplete = body.topics.findIndex((t) => !t.code || !t.keywords.length || !t.route);
  let problem = !body.intro || !body.outro || !body.default_route ? CONTENT.textsRequired : null;
  if (!problem && incomplete >= 0) problem = CONTENT.topicIncomplete(incomplete + 1);
  if (problem) { showError("oos-error", problem); return; }
  try {
    const { data } = await api("PUT", "/api/content/out-of-scope", body);
    renderRoutes(data);
    announce(CONTENT.routesSaved);
  } catch (error) {
    showError("oos-error", russian(error, CONTENT.saveFailed));
  }
}

// ------------------------------------------------------------------ incidents
const serviceTitle = (code) => (services.find((s) => s.code === code) || { title: code }).title;

function renderIncidents(board) {
  services = board.services;
  $("incidents-empty").hidden = board.incidents.length > 0;
  $("incidents-table").tBodies[0].replaceChildren(...board.incidents.map((incident) => {
    const name = `${serviceTitle(incident.service_code)}, ${when(incident.started_at, stampFmt)}`;
    return el("tr", { class: incident.resolved_at ? "row--inactive" : "" },
      el("th", { scope: "row", text: serviceTitle(incident.service_code) }),
      cell(INCIDENT_KIND[incident.kind] || incident.kind),
      cell(incident.public_text, "canned-text"),
      cell(when(incident.started_at, stampFmt)),
      cell(when(incident.expected_recovery_at, stampFmt)),
      cell(incident.resolved_at ? when(incident.resolved_at, stampFmt) : CONTENT.active),
      el("td", { class: "row-actions" },
        el("button", { type: "button", "aria-label": `${CONTENT.edit}: ${name}`, onclick: () => editIncident(incident) }, CONTENT.edit),
        incident.resolved_at ? null : el("button", { type: "button", class: "danger", "aria-label": `${CONTENT.end}: ${name}`,
          onclick: () => endIncident(incident) }, CONTENT.end)));
  }));
}

// <input type="datetime-local"> speaks the browser's local time, the API ISO 8601 with a zone
function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);

function editIncident(incident) {
  editing = incident;
  $("incident-dialog-title").textContent = incident ? CONTENT.editIncident : CONTENT.newIncident;
  $("in-service").replaceChildren(...services.map((s) => el("option", { value: s.code, text: s.title })));
  $("in-service").value = incident ? incident.service_code : (services[0] || {}).code || "";
  $("in-kind").value = incident ? incident.kind : "incident";
  $("in-text").value = incident ? incident.public_text : "";
  $("in-start").value = toLocalInput(incident ? incident.started_at : new Date().toISOString());
  $("in-recovery").value = toLocalInput(incident && incident.expected_recovery_at);
  showError("incident-error", "");
  $("incident-dialog").showModal();
}

async function saveIncident(event) {
  event.preventDefault();
  const body = { service_code: $("in-service").value, kind: $("in-kind").value, public_text: $("in-text").value.trim(),
    started_at: fromLocalInput($("in-start").value), expected_recovery_at: fromLocalInput($("in-recovery").value) };
  if (!body.service_code || !body.public_text || !body.started_at) { showError("incident-error", CONTENT.incidentRequired); return; }
  if (body.expected_recovery_at && body.expected_recovery_at <= body.started_at) {
    showError("incident-error", CONTENT.recoveryBeforeStart);
    return;
  }
  try {
    if (editing) await api("PUT", `/api/content/incidents/${editing.id}`, { ...body, version: editing.version });
    else await api("POST", "/api/content/incidents", body);
    $("incident-dialog").close();
    announce(CONTENT.incidentSaved);
    await loadContent();
  } catch (error) {
    showError("incident-error", russian(error, CONTENT.saveFailed));
  }
}

async function endIncident(incident) {
  showError("incidents-error", "");
  try {
    await api("POST", `/api/content/incidents/${incident.id}/end`, { version: incident.version });
    announce(CONTENT.incidentEnded);
    await loadContent();
  } catch (error) {
    showError("incidents-error", russian(error, CONTENT.saveFailed));
  }
}

export function wireContent() {
  $("contacts-form").addEventListener("submit", saveContacts);
  $("oos-form").addEventListener("submit", saveRoutes);
  $("oos-add").addEventListener("click", addTopic);
  $("incident-new").addEventListener("click", () => editIncident(null));
  $("incident-form").addEventListener("submit", saveIncident);
}
