// The model registry panel of the «Обучение» tab: train with progress, the gate's comparison,
// publish, an admin's override with a reason, rollback. Renders into <section id="training-models">.
import { api, russian } from "./api.js";
import { $, announce, el } from "./dom.js";
import { MEASURE, MODEL_STAGE, MODEL_STATUS, MODELS } from "./labels.js";
import { state } from "./state.js";

const POLL_MS = 2000;
let polling = null;
const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)} %`);

export async function loadModels() {
  const root = $("training-models");
  if (!root) return;
  try {
    const { data } = await api("GET", "/api/training/models");
    render(root, data);
    const busy = data.some((m) => m.status === "training");
    clearTimeout(polling);
    if (busy) polling = setTimeout(loadModels, POLL_MS);
  } catch (error) {
    announce(russian(error, MODELS.loadFailed));
  }
}

async function act(method, path, body) {
  try {
    await api(method, path, body);
    announce(MODELS.started);
  } catch (error) {
    announce(russian(error, error.message)); // a refusal: the table below marks what got worse
  }
  loadModels();
}

function verdictTable(model) {
  const verdict = model.report && model.report.verdict;
  if (!verdict) return el("p", { text: MODELS.noVerdict });
  const regressed = new Set(verdict.regressions.filter((r) => r.intent).map((r) => `${r.set}|${r.intent}`));
  const rows = verdict.intents.map((i) => el("tr", { class: regressed.has(`${i.set}|${i.intent}`) ? "row--regressed" : "" },
    el("td", { text: i.set }), el("th", { scope: "row", text: i.intent }), el("td", { text: i.support }),
    el("td", { text: percent(i.serving) }), el("td", { text: percent(i.candidate) })));
  const worse = verdict.regressions.map((r) => `${r.set} ${r.intent || ""} ${MEASURE[r.measure] || r.measure}: ${percent(r.serving)} → ${percent(r.candidate)}`);
  return el("div", { class: "table-wrap" },
    el("p", { role: "status", text: verdict.passed ? MODELS.passed : `${MODELS.refused}: ${worse.join("; ")}` }),
    el("table", { class: "grid" },
      el("thead", null, el("tr", null, ...[MODELS.set, MODELS.intent, MODELS.support, MODELS.serving, MODELS.candidate].map((t) => el("th", { scope: "col", text: t })))),
      el("tbody", null, ...rows)));
}

function actions(model) {
  const id = model.id;
  const buttons = [];
  if (model.status === "ready") buttons.push(el("button", { type: "button", onclick: () => act("POST", `/api/training/models/${id}/evaluate`) }, MODELS.evaluate));
  if (model.status === "ready") buttons.push(el("button", { type: "button", onclick: () => act("POST", `/api/training/models/${id}/publish`) }, MODELS.publish));
  if (state.me && state.me.role === "admin" && (model.status === "rejected" || model.status === "ready")) {
    const reason = el("input", { type: "text", minlength: 10, "aria-label": MODELS.overrideReason });
    buttons.push(el("label", null, MODELS.overrideReason, reason),
      el("button", { type: "button", onclick: () => act("POST", `/api/training/models/${id}/override`, { reason: reason.value }) }, MODELS.override));
  }
  return el("td", null, ...buttons);
}

function render(root, models) {
  const progress = (m) => (m.status === "training" ? `${MODEL_STAGE[m.stage] || m.stage || ""} ${percent(m.progress)}` : m.error || "");
  root.replaceChildren(
    el("h2", { text: MODELS.title }),
    el("button", { type: "button", onclick: () => act("POST", "/api/training/models") }, MODELS.train),
    el("button", { type: "button", disabled: !models.some((m) => m.status === "retired"), onclick: () => act("POST", "/api/training/models/rollback") }, MODELS.rollback),
    el("div", { class: "table-wrap" }, el("table", { class: "grid", id: "models-table" },
      el("thead", null, el("tr", null, ...[MODELS.name, MODELS.status, MODELS.progress, MODELS.actions].map((t) => el("th", { scope: "col", text: t })))),
      el("tbody", null, ...models.map((m) => el("tr", null,
        el("th", { scope: "row", text: m.name }), el("td", { text: MODEL_STATUS[m.status] || m.status }),
        el("td", null, el("progress", { max: 1, value: m.progress, "aria-label": MODELS.progress }), ` ${progress(m)}`),
        actions(m)))))),
    ...models.filter((m) => m.report && m.report.verdict).slice(0, 1).map(verdictTable),
  );
}
