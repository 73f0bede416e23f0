"""Russian texts the citizen reads from the actions; logic only picks a key and fills the fields."""

from __future__ import annotations

from typing import Final

STATUS_LABELS: Final = {
    "in_progress": "В обработке",
    "waiting_citizen": "Ожидает ответа",
    "approved": "Одобрено",
    "rejected": "Отклонено",
    "completed": "Завершено",
}

DEADLINE_REASONS: Final = {
    "standard": "стандартный срок рассмотрения — 5 рабочих дней",
    "clarification": "срок продлён до 10 рабочих дней, так как потребовалось уточнение",
    "interagency": "нужно согласование с другими ведомствами, срок — до 30 дней",
}

TOPIC_TITLES: Final = {
    "access": "восстановление доступа",
    "appeals": "статус заявления",
    "technical": "технический сбой",
    "general": "общий вопрос",
}

BUTTON_OPERATOR: Final = "Позвать оператора"
BUTTON_MENU: Final = "Что ещё умеет бот"
BUTTON_SHARE_PHONE: Final = "Поделиться номером"
BUTTON_SOMETHING_ELSE: Final = "Другое"
BUTTON_CONNECT_OPERATOR: Final = "Соединить с оператором"

# Shown in every channel, so it names no button: Telegram and Viber add their phone-share
# button under it, the web chat (which has none) says where identification works.
IDENTIFY_REQUEST: Final = (
    "Статус заявления — персональные данные. Чтобы я мог его показать, подтвердите, "
    "пожалуйста, номер телефона, привязанный к учётной записи."
)
IDENTIFY_DONE: Final = (
    "Спасибо, {first_name}! Номер подтверждён, теперь я могу показать ваши заявления."
)
IDENTIFY_UNVERIFIED: Final = (
    "Не удалось подтвердить, что это ваш номер. Пожалуйста, отправьте свой номер кнопкой "
    "«Поделиться номером», а не контакт из записной книжки."
)
# A typed «вот мой номер» reaches this from any channel, the web chat included, which has no
# phone-share button: say where the button is rather than «press it».
IDENTIFY_NO_CONTACT: Final = (
    "Я не получил номер телефона. Его нужно отправить кнопкой «Поделиться номером» — она есть "
    "в Telegram и Viber; в веб-чате подтвердить номер нельзя."
)
IDENTIFY_UNKNOWN_PHONE: Final = (
    "Учётная запись с этим номером не найдена. Проверьте, что номер привязан к вашему профилю "
    "на портале, или обратитесь к оператору."
)
UNBIND_DONE: Final = (
    "Готово: чат отвязан от учётной записи. Персональные данные здесь больше не показываются."
)
UNBIND_NOTHING: Final = "Этот чат не был привязан к учётной записи."

APPEAL_NUMBER_ASK: Final = (
    "Подскажите, пожалуйста, номер заявления (например, 1234567890 или AB-987654321)."
)
APPEAL_NUMBER_MALFORMED: Final = (
    "Номер заявления не похож на настоящий. Обычно это 10 или 8 цифр (1234567890, 12345678) "
    "или код с буквами (AB-987654321). Проверьте, пожалуйста, и отправьте ещё раз."
)
APPEAL_NOT_FOUND: Final = (
    "Заявление с номером {number} среди ваших не найдено. Проверьте номер — он указан "
    "в личном кабинете и в уведомлении о подаче."
)
APPEAL_LOOKUPS_LIMITED: Final = (
    "Слишком много неудачных попыток найти заявление. Поиск временно ограничен на 10 минут. "
    "Если нужна помощь, я передам разговор оператору."
)
APPEAL_STATUS: Final = "Заявление № {number} ({agency}).\nСтатус: {status}, с {changed_at} (МСК)."
APPEAL_COMMENT: Final = "Комментарий специалиста: {comment}"
APPEAL_DEADLINE: Final = "Срок рассмотрения: до {deadline} (МСК); {reason}."
APPEAL_WAITING: Final = (
    "Ведомству нужны от вас документы или уточнение — подробности в личном кабинете, "
    "в карточке заявления."
)
APPEAL_REJECTED: Final = (
    "Причина отказа: {reason}\nРешение можно обжаловать в досудебном порядке — через форму "
    "«Жалоба» в карточке заявления, в течение 3 месяцев."
)
APPEAL_OVERDUE: Final = (
    "Приносим извинения: срок рассмотрения истёк {deadline} (МСК), а решения ещё нет. "
    "Причина: {reason}. Я могу передать обращение оператору, чтобы ускорить рассмотрение."
)
APPEAL_SUBSCRIBE_HINT: Final = "Могу сообщать об изменениях статуса в этот чат."

MY_APPEALS_HEADER: Final = "Ваши заявления:"
MY_APPEALS_LINE: Final = "• № {number} — {status}{overdue}"
MY_APPEALS_OVERDUE_MARK: Final = " (срок истёк)"
MY_APPEALS_EMPTY: Final = "У вас пока нет заявлений."

SUBSCRIBED: Final = "Готово! Сообщу в этот чат, когда статус заявления № {number} изменится."
ALREADY_SUBSCRIBED: Final = "Вы уже подписаны на изменения заявления № {number}."

INCIDENT_KNOWN: Final = (
    "Да, мы знаем о проблеме: {text}\nОжидаемое время восстановления: {recovery} (МСК). "
    "Приносим извинения за неудобства."
)
INCIDENT_KNOWN_NO_ETA: Final = (
    "Да, мы знаем о проблеме: {text}\nСпециалисты уже работают над ней. Приносим извинения."
)
MAINTENANCE_PLANNED: Final = (
    "Плановые технические работы: {text}\n"
    "С {start} до {recovery} (МСК) сервис может быть недоступен."
)
SELF_HELP: Final = (
    "Известных сбоев сейчас нет. Попробуйте, пожалуйста:\n"
    "1. перезапустить браузер и очистить кэш;\n"
    "2. проверить подключение к интернету;\n"
    "3. открыть портал в режиме инкогнито;\n"
    "4. использовать актуальную версию Chrome, Firefox или Edge;\n"
    "5. проверить настройки безопасности браузера и отключить VPN.\n"
    "Если не поможет — я зарегистрирую обращение в техподдержку."
)
INCIDENT_REGISTERED: Final = (
    "Зарегистрировано обращение в техподдержку № {number}. Специалисты разберутся "
    "в течение 24 часов; ответ придёт в этот чат или на почту, привязанную к учётной записи."
)
ACCESS_TICKET_REGISTERED: Final = (
    "Создана заявка на восстановление доступа № {number}. Специалист группы доступа "
    "свяжется с вами в рабочее время."
)

CONTACTS: Final = (
    "Горячая линия (бесплатно, круглосуточно): {hotline}\nЭлектронная почта: {email}\n"
    "Чат с оператором: {hours_today}"
)
CONTACTS_OPEN_NOW: Final = "Операторы чата сейчас на связи, до {close} (МСК)."
CONTACTS_OPENS_AT: Final = (
    "Операторы чата сейчас не работают; начнут {when} в {open} (МСК). Можно оставить сообщение "
    "— ответим в рабочее время."
)
CONTACTS_TODAY: Final = "сегодня"
CONTACTS_TOMORROW: Final = "завтра"
CONTACTS_ON_DATE: Final = "{date}"
CONTACTS_HOURS: Final = "будни {weekday}, выходные {weekend}, праздники {holiday} (МСК)"

HANDOFF_STARTED: Final = (
    "Передаю разговор оператору. Пожалуйста, подождите — вам ответят в этом чате."
)
HANDOFF_SUMMARY: Final = "Тема: {topic}. Последние сообщения: {messages}"

RATING_THANKS: Final = "Спасибо за оценку!"
RATING_INVALID: Final = "Оцените, пожалуйста, разговор от 1 до 5."

FALLBACK_GUESSES: Final = (
    "Хочу убедиться, что понял вас правильно. Вы об этом? Выберите вариант — или позовите "
    "оператора, или нажмите «Другое» и опишите вопрос иначе."
)
FALLBACK_OFFER_OPERATOR: Final = (
    "Похоже, мне не удаётся разобраться в вашем вопросе. Давайте я позову оператора — он "
    "поможет. Или выберите одну из тем."
)

OPERATOR_OFFER: Final = (
    "Связаться с оператором можно прямо здесь, в этом чате: нажмите «{button}», и я передам "
    "разговор специалисту. Ещё можно позвонить на горячую линию (бесплатно, круглосуточно): "
    "{hotline}."
)

STATUS_NOTIFICATION: Final = "Статус заявления № {number} изменился: {status}."
STATUS_NOTIFICATION_COMMENT: Final = "\nКомментарий специалиста: {comment}"

# ------------------------------------------------------------------ privacy: consent, forget-me
CONSENT_POLICY_LINE: Final = "{label}: {url}"
CONSENT_AGREED: Final = "Спасибо, согласие записано."
CONSENT_REVOKED: Final = (
    "Согласие на обработку персональных данных отозвано: чат отвязан от учётной записи, "
    "подписки на изменения статусов отменены. Общая помощь и оператор по-прежнему доступны."
)
CONSENT_NOTHING_TO_REVOKE: Final = (
    "В этом чате согласие на обработку персональных данных не давалось — отзывать нечего."
)
FORGET_DONE: Final = (
    "Готово: данные этого чата удаляются — привязка к учётной записи, подписки, согласие "
    "и переписка. Если напишете снова, разговор начнётся с чистого листа."
)
FORGET_NOT_VOUCHED: Final = (
    "Не удалось подтвердить запрос из этого чата, поэтому данные не удалены. "
    "Напишите, пожалуйста, «удалите мои данные» ещё раз."
)
