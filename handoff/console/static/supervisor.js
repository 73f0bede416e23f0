// The supervisor board: queues against the 30 s target, handling time, CSAT, handoff rate,
// operators' presence and load, and the audit log.
import { api, russian } from "./api.js";
import { $, cell, el, formatDuration, stampFmt, when } from "./dom.js";
import { ACTION, ATTACHMENT, DETAIL, PRESENCE } from "./labels.js";
import { TARGET_WAIT_S, state } from "./state.js";

export async function loadSupervisor() {
  try {
    const [board, audit] = await Promise.all([api("GET", "/api/supervisor"), api("GET", "/api/audit?limit=100")]);
    renderSupervisor(board.data, audit.data);
  } catch (error) {
    $("supervisor-summary").textContent = russian(error, "Не удалось загрузить показатели");
  }
}

function auditValue(key, value) {
  if (key === "resolution") return (state.meta.resolutions.find((r) => r.code === value) || {}).title || value;
  if (key === "presence") return PRESENCE[value] || value;
  if (key === "kind") return ATTACHMENT[value] || value;
  if (key === "until") return when(value, stampFmt);
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

function renderSupervisor(board, audit) {
  const target = board.target_wait_s || TARGET_WAIT_S;
  const rate = typeof board.handoff_rate === "number" ? `${Math.round(board.handoff_rate * 1000) / 10} %` : "—";
  $("supervisor-summary").textContent = `Цель: ответ в очереди не дольше ${target} с. Доля диалогов, переданных оператору: ${rate}.`;
  const late = (seconds) => (seconds > target ? "breach" : "");
  $("supervisor-groups").tBodies[0].replaceChildren(...board.groups.map((g) => el("tr", { class: g.breaches > 0 || g.longest_wait_s > target ? "row--breach" : "" },
    el("th", { scope: "row", text: g.title }),
    cell(g.queued), cell(g.online),
    cell(formatDuration(g.longest_wait_s || 0), late(g.longest_wait_s)),
    cell(formatDuration(g.avg_wait_s || 0), late(g.avg_wait_s)),
    cell(g.breaches, g.breaches > 0 ? "breach" : ""),
    cell(g.avg_handle_s === null || g.avg_handle_s === undefined ? "—" : formatDuration(g.avg_handle_s)),
    cell(g.csat_count ? `${Number(g.csat_avg).toFixed(1)} (${g.csat_count})` : "—"))));
  $("supervisor-operators").tBodies[0].replaceChildren(...board.operators.map((o) => el("tr", null,
    el("th", { scope: "row", text: o.name }),
    el("td", null, el("span", { class: `presence-dot presence-dot--${o.presence}`, "aria-hidden": "true" }), PRESENCE[o.presence] || o.presence),
    cell(o.active_chats))));
  $("audit").tBodies[0].replaceChildren(...audit.map((a) => el("tr", null,
    cell(when(a.created_at, stampFmt)), cell(a.operator ? a.operator.name : "система"),
    cell(ACTION[a.action] || a.action), cell(a.chat_id || "—"),
    cell(a.detail ? Object.entries(a.detail).map(([k, v]) => `${DETAIL[k] || k}: ${auditValue(k, v)}`).join("; ") : ""))));
}
