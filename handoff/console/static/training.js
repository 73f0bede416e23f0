// «Обучение»: the review queue in clusters, annotation (an intent, a new one with its answer, or
// dismissal) and the diff of the training files. Texts come masked from the server.
import { api, russian } from "./api.js";
import { $, announce, el, showError } from "./dom.js";
import { AUTHOR, CHANNEL, REVIEW, REVIEW_REASON } from "./labels.js";

let intents = [];
let formCount = 0;

export async function loadTraining() {
  showError("review-error", "");
  try {
    const [clusters, known] = await Promise.all([api("GET", "/api/review/clusters"), api("GET", "/api/review/intents")]);
    intents = known.data.intents;
    $("review-intents").replaceChildren(...intents.map((name) => el("option", { value: name })));
    renderClusters(clusters.data);
  } catch (error) {
    showError("review-error", russian(error, REVIEW.failed));
  }
}

function renderClusters(clusters) {
  $("review-empty").hidden = clusters.length > 0;
  $("review-clusters").replaceChildren(...clusters.map(renderCluster));
}

function renderItem(item) {
  const facts = [
    `${REVIEW.guess}: ${item.intent || "—"}`,
    `${REVIEW.confidence}: ${item.confidence === null ? "—" : item.confidence.toFixed(2)}`,
    CHANNEL[item.channel] || item.channel,
    `${REVIEW.count}: ${item.count}`,
  ];
  if (item.chosen_intent) facts.push(`${REVIEW.chosen}: ${item.chosen_intent}`);
  const context = el("ol", { class: "review-context", hidden: true });
  const open = el("button", { type: "button", class: "link", text: REVIEW.context, "aria-expanded": "false",
    onclick: () => toggleContext(item, context, open) });
  return el("li", { class: "review-item" },
    el("p", { class: "review-item__text", text: item.text }),
    el("p", { class: "review-item__facts", text: facts.join(" · ") }),
    el("p", { class: "review-item__reasons", text: item.reasons.map((r) => REVIEW_REASON[r] || r).join("; ") }),
    item.has_context ? open : null, context);
}

async function toggleContext(item, list, button) {
  const opening = list.hidden;
  button.setAttribute("aria-expanded", String(opening));
  list.hidden = !opening;
  if (!opening || list.childElementCount) return;
  try {
    const { data } = await api("GET", `/api/review/items/${item.id}/context`);
    list.replaceChildren(...data.map((line) => el("li", { class: line.queued ? "review-context__queued" : "" },
      el("strong", { text: `${AUTHOR[line.author] || line.author}: ` }), line.text)));
  } catch (error) {
    showError("review-error", russian(error, REVIEW.failed));
  }
}

function renderCluster(cluster) {
  formCount += 1;
  const intentId = `review-intent-${formCount}`;
  const answerId = `review-answer-${formCount}`;
  const intent = el("input", { id: intentId, list: "review-intents", autocomplete: "off", required: true });
  const answer = el("textarea", { id: answerId, rows: 2 });
  const versions = cluster.items.map((item) => ({ id: item.id, version: item.version }));
  const form = el("form", { class: "review-form", onsubmit: (event) => { event.preventDefault(); decide(versions, intent.value.trim(), answer.value); } },
    el("label", { for: intentId, text: REVIEW.intentLabel }), intent,
    el("label", { for: answerId, text: REVIEW.answerLabel }), answer,
    el("div", { class: "review-form__actions" },
      el("button", { type: "submit", class: "primary", text: REVIEW.assign }),
      el("button", { type: "button", text: REVIEW.dismiss, onclick: () => decide(versions, null, null) })));
  return el("li", { class: "review-cluster" },
    el("ul", { class: "review-items" }, ...cluster.items.map(renderItem)), form);
}

async function decide(items, intent, answer) {
  const body = { items, intent };
  if (intent && !intents.includes(intent)) body.new_answer = answer || "";
  showError("review-error", "");
  try {
    await api("POST", "/api/review/decisions", body);
    announce(intent ? REVIEW.assigned : REVIEW.dismissed);
    await loadTraining();
  } catch (error) {
    showError("review-error", russian(error, REVIEW.failed));
  }
}

export async function showDiff(path = "/api/review/diff", method = "GET") {
  showError("review-error", "");
  try {
    const { data } = await api(method, path);
    $("review-diff-text").textContent = data.files.length ? data.files.map((f) => f.diff).join("\n") : REVIEW.noDiff;
    if (method === "POST") announce(REVIEW.written);
  } catch (error) {
    showError("review-error", russian(error, REVIEW.failed));
  }
}

export function wireTraining() {
  $("review-refresh").addEventListener("click", loadTraining);
  $("review-diff").addEventListener("click", () => showDiff());
  $("review-write").addEventListener("click", () => showDiff("/api/review/write", "POST"));
}
