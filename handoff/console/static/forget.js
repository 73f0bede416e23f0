// Forget-me from the console: a citizen who asks by phone has this chat's data erased
// (POST /api/chats/{id}/forget, audited); the app erases it once the chat's replies are out.
import { api, russian } from "./api.js";
import { announce, el } from "./dom.js";

const QUESTION = "Удалить все данные этого чата (привязку, подписки, согласие, переписку, историю бота)? " +
  "Отменить удаление нельзя. Делайте это только по просьбе самого гражданина.";

/** The profile's «Удалить данные чата» button for `chat`. */
export function forgetButton(chat) {
  const button = el("button", { type: "button", class: "danger", id: "forget-chat", text: "Удалить данные чата" });
  button.addEventListener("click", async () => {
    if (!window.confirm(QUESTION)) return;
    button.disabled = true;
    try {
      await api("POST", `/api/chats/${chat.id}/forget`);
      announce("Данные чата будут удалены");
      button.textContent = "Данные удаляются";
    } catch (error) {
      button.disabled = false;
      announce(russian(error, "Не удалось удалить данные чата"));
    }
  });
  return button;
}
