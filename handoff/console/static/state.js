// What the page knows: the operator, the queue as last pushed, the open chat.
export const TARGET_WAIT_S = 30;

export const state = {
  me: null,
  csrf: "",
  meta: { resolutions: [], groups: [], operators: [] },
  canned: [],
  groups: [],
  chats: new Map(),
  receivedAt: performance.now(),
  seenQueued: null,
  versions: new Map(),
  unread: new Set(),
  current: null,
  detail: null,
  lineIds: new Set(),
  lastLineId: 0,
  taking: false,
  admin: { operators: [], groups: [] },
  editing: null,
};

/** Forget everything of the previous operator (logout, expired session). */
export function resetWork() {
  Object.assign(state, {
    chats: new Map(), versions: new Map(), unread: new Set(), seenQueued: null,
    current: null, detail: null, lineIds: new Set(), lastLineId: 0,
  });
}

export const groupTitle = (code) =>
  (state.meta.groups.find((g) => g.code === code) || state.groups.find((g) => g.code === code) || {}).title || code || "—";
export const isMine = (chat) => chat.status === "assigned" && chat.operator && state.me && chat.operator.id === state.me.id;
export const isWaiting = (chat) => chat.status === "queued" || chat.status === "deferred";
// the server measured wait_s when it sent the queue; the page adds the time since
export const waitNow = (chat) => (chat.wait_s || 0) + (performance.now() - state.receivedAt) / 1000;
