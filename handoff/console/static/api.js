// The JSON API under /api/: session cookie, CSRF header on every mutating request.
import { state } from "./state.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized = () => {};

/** What to do when the session is gone (the page shows the login form). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "Нет связи с сервером");
  }
  let data = null;
  if (response.status !== 204) {
    const type = response.headers.get("Content-Type") || "";
    data = type.includes("json") ? await response.json() : await response.text();
  }
  if (response.status === 401 && path !== "/api/login") {
    onUnauthorized();
    throw new ApiError(401, "Требуется вход");
  }
  if (!response.ok) {
    const message = data && typeof data === "object" && data.error ? data.error : `Ошибка ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return { status: response.status, data };
}

// The server's words when they are Russian (its errors are written for operators), else ours.
export const russian = (error, fallback) => (error && /[А-Яа-яЁё]/.test(error.message || "") ? error.message : fallback);
