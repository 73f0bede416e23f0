// The model registry panel of the «Обучение» tab: train with progress, the gate's comparison,
// publish, an admin's override with a reason, rollback. Renders into <section id="training-models">.
import { api, russian } from "./api.js";
import { $, announce, el } from "./dom.js";
import { MEASURE, MODEL_STAGE, MODEL_STATUS, MODELS } from "./labels.js";
import { state } from "./state.js";

const POLL_MS = 2000;
const WAIT_MS = 15 * 60 * 1000; // the longest a background job (evaluation, switch) is followed
let polling = null;
let awaited = null; // { done(models) -> bool, until: ms }: a background job the panel follows
const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)} %`);

export async function loadModels() {
  const root = $("training-models");
  if (!root) return;
  try {
    const { data } = await api("GET", "/api/training/models");
    render(root, data);
    if (awaited && (awaited.done(data) || Date.now() > awaited.until)) awaited = null;
    const busy = data.some((m) => m.status === "training") || awaited !== null;
    clearTimeout(polling);
    if (busy) polling = setTimeout(loadModels, POLL_MS);
  } catch (error) {
    announce(russian(error, MODELS.loadFailed));
  }
}

// `done(models)`: when the background job started here shows in the list (the panel polls until then).
async function act(method, path, body, done) {
  try {
    await api(method, path, body);
    announce(MODELS.started);
    if (done) awaited = { done, until: Date.now() + WAIT_MS };
  } catch (error) {
    announce(russian(error, error.message)); // a refusal: the table below marks what got worse
  }
  loadModels();
}

function verdictTable(model) {
  const verdict = model.report && model.report.verdict;
  if (!verdict) return el("p", { text: MODELS.noVerdict });
  const regressed = new Set(verdict.regressions.filter((r) => r.intent).map((r) => r.intent));
  const rows = verdict.intents.map((i) => el("tr", { class: regressed.has(i.intent) && i.candidate < i.serving ? "row--regressed" : "" },
    el("td", { text: i.set }), el("th", { scope: "row", text: i.intent }), el("td", { text: i.support }),
    el("td", { text: percent(i.serving) }), el("td", { text: percent(i.candidate) })));
  const worse = verdict.regressions.map((r) => (r.phrase
    ? `${r.set}: ${MODELS.pinnedLost(r.phrase, r.intent, r.answered)}`
    : `${r.set} ${r.intent || ""} ${MEASURE[r.measure] || r.measure}: ${percent(r.serving)} → ${percent(r.candidate)} (${MODELS.lost(r.lost)})`));
  return el("div", { class: "table-wrap" },
    el("p", { role: "status", text: verdict.passed ? MODELS.passed : `${MODELS.refused}: ${worse.join("; ")}` }),
    el("table", { class: "grid" },
      el("thead", null, el("tr", null, ...[MODELS.set, MODELS.intent, MODELS.support, MODELS.serving, MODELS.candidate].map((t) => el("th", { scope: "col", text: t })))),
      el("tbody", null, ...rows)));
}

function actions(model) {
  const id = model.id;
  const buttons = [];
  const evaluated = (models) => models.some((m) => m.id === id && m.report && m.report.verdict);
  const settled = (models) => models.some((m) => m.id === id && m.status !== "ready");
  if (model.status === "ready") buttons.push(el("button", { type: "button", onclick: () => act("POST", `/api/training/models/${id}/evaluate`, undefined, evaluated) }, MODELS.evaluate));
  if (model.status === "ready") buttons.push(el("button", { type: "button", onclick: () => act("POST", `/api/training/models/${id}/publish`, undefined, settled) }, MODELS.publish));
  if (state.me && state.me.role === "admin" && (model.status === "rejected" || model.status === "ready")) {
    const reason = el("input", { type: "text", minlength: 10, "aria-label": MODELS.overrideReason });
    buttons.push(el("label", null, MODELS.overrideReason, reason),
      el("button", { type: "button", onclick: () => act("POST", `/api/training/models/${id}/override`, { reason: reason.value }, settled) }, MODELS.override));
  }
  return el("td", null, ...buttons);
}

function render(root, models) {
  const trained = (m) => {
    const training = m.report && m.report.training;
    return training ? `${MODELS.mode[training.mode] || training.mode}, ${Math.round(training.train_s)} с` : "";
  };
  const checked = (m) => {
    const verdict = m.report && m.report.verdict;
    return verdict ? `; ${verdict.passed ? MODELS.passedShort : MODELS.refusedShort}` : "";
  };
  const progress = (m) => (m.status === "training" ? `${MODEL_STAGE[m.stage] || m.stage || ""} ${percent(m.progress)}` : m.error || trained(m) + checked(m));
  const serving = models.find((m) => m.status === "serving");
  const switched = (list) => { const now = list.find((m) => m.status === "serving"); return Boolean(now) && (!serving || now.id !== serving.id); };
  root.replaceChildren(
    el("h2", { text: MODELS.title }),
    el("button", { type: "button", title: MODELS.trainHint, onclick: () => act("POST", "/api/training/models", { mode: "quick" }) }, MODELS.train),
    el("button", { type: "button", onclick: () => act("POST", "/api/training/models", { mode: "full" }) }, MODELS.trainFull),
    el("button", { type: "button", disabled: !models.some((m) => m.status === "retired"), onclick: () => act("POST", "/api/training/models/rollback", undefined, switched) }, MODELS.rollback),
    el("div", { class: "table-wrap" }, el("table", { class: "grid", id: "models-table" },
      el("thead", null, el("tr", null, ...[MODELS.name, MODELS.status, MODELS.progress, MODELS.actions].map((t) => el("th", { scope: "col", text: t })))),
      el("tbody", null, ...models.map((m) => el("tr", null,
        el("th", { scope: "row", text: m.name }), el("td", { text: MODEL_STATUS[m.status] || m.status }),
        el("td", null, el("progress", { max: 1, value: m.progress, "aria-label": MODELS.progress }), ` ${progress(m)}`),
        actions(m)))))),
    ...models.filter((m) => m.report && m.report.verdict).slice(0, 1).map(verdictTable),
  );
}
