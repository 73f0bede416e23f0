// The sections of the console: workplace, supervisor board and ready answers (supervisor+),
// administration (admin), training and content (editors and admins).
import { loadAdmin } from "./admin.js";
import { loadCannedBoard } from "./canned.js";
import { loadContent } from "./content.js";
import { $ } from "./dom.js";
import { loadModels } from "./models.js";
import { loadSupervisor } from "./supervisor.js";
import { loadTraining } from "./training.js";

const BOARD_REFRESH_MS = 5000;
const TABS = ["work", "supervisor", "canned", "admin", "training", "content"];
let boardTimer = 0;

export function stopBoards() {
  window.clearInterval(boardTimer);
}

export function selectTab(name) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  stopBoards();
  if (name === "supervisor") {
    loadSupervisor();
    boardTimer = window.setInterval(loadSupervisor, BOARD_REFRESH_MS);
  }
  if (name === "canned") loadCannedBoard();
  if (name === "admin") loadAdmin();
  if (name === "content") loadContent();
  if (name === "training") {
    loadTraining();
    loadModels();
  }
}

// arrow keys, Home and End move between tabs (the WAI-ARIA tabs pattern)
export function onTabKey(event) {
  const tabs = [...document.querySelectorAll('[role="tab"]')].filter((t) => !t.hidden);
  const index = tabs.indexOf(document.activeElement);
  if (index < 0) return;
  const next = {
    ArrowRight: tabs[(index + 1) % tabs.length],
    ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
    Home: tabs[0],
    End: tabs[tabs.length - 1],
  }[event.key];
  if (!next) return;
  event.preventDefault();
  next.focus();
  selectTab(next.id.replace("tab-", ""));
}
