// Russian words the console shows for the API's codes. The API speaks codes; people read these.
export const ROLE = { operator: "оператор", supervisor: "супервизор", admin: "администратор", editor: "редактор контента" };
export const PRESENCE = { online: "В сети", away: "Отошёл", offline: "Не в сети" };
export const STATUS = {
  queued: "В очереди",
  deferred: "Обратный звонок",
  assigned: "В работе",
  closed: "Закрыт",
  left: "Гражданин вышел из очереди",
};
export const AUTHOR = { citizen: "Гражданин", bot: "Бот", operator: "Оператор", system: "Система" };
export const TOPIC = {
  access: "Доступ к учётной записи",
  appeals: "Заявления",
  technical: "Технические проблемы",
  general: "Общие вопросы",
};
export const REASON = {
  requested: "гражданин попросил оператора",
  overdue: "просрочено заявление",
  fallback: "бот не понял гражданина",
  escalation: "случай требует человека",
};
export const CHANNEL = { telegram: "Telegram", viber: "Viber", webchat: "веб-чат" };
export const APPEAL_STATUS = {
  in_progress: "на рассмотрении",
  waiting_citizen: "ждёт действий гражданина",
  approved: "одобрено",
  rejected: "отказ",
  completed: "исполнено",
};
export const ATTACHMENT = {
  photo: "фото", document: "документ", voice: "голосовое", video: "видео", sticker: "стикер",
  audio: "аудио", animation: "анимация", video_note: "видеосообщение",
};
export const ACTION = {
  login: "вход", logout: "выход", login_failed: "неудачный вход", locked: "блокировка после неудачных входов",
  login_locked: "попытка входа в заблокированную учётную запись", take: "взял чат", take_next: "взял следующий чат",
  auto_assign: "назначен автоматически", reply: "ответ", transfer: "передача", close: "закрытие",
  presence: "смена статуса", open: "открыл чат", canned_create: "новый шаблон", canned_update: "правка шаблона",
  canned_delete: "удаление шаблона", operator_create: "новый оператор", operator_update: "правка оператора",
  group_create: "новая группа", group_update: "правка группы", attachment: "открыл файл гражданина",
  review_decide: "разметка сообщений", review_revert: "отмена примера", review_write: "запись обучающих данных",
  content_contacts: "правка контактов и часов", content_out_of_scope: "правка маршрутов вне темы",
  incident_create: "новый инцидент", incident_update: "правка инцидента", incident_end: "завершение инцидента",
};
export const DETAIL = {
  chars: "символов", resolution: "результат", presence: "статус", failed_logins: "неудачных попыток",
  note: "комментарий", group_code: "группа", operator_id: "оператор", changed: "изменено", until: "до",
  canned_id: "шаблон №", line_id: "строка", kind: "вид", version: "версия", incident_id: "инцидент №",
  service_code: "сервис", public_text: "текст", expected_recovery_at: "восстановление", resolved_at: "завершён",
  body: "содержание",
};
export const DAY_KIND = { weekday: "будни", weekend: "выходные", holiday: "праздники" };
export const REVIEW_REASON = {
  low_confidence: "бот не уверен",
  fallback: "бот не понял, показал догадки",
  asked_for_person: "после него позвали оператора",
  corrected: "гражданин выбрал другую догадку",
  low_rating: "чат оценён на 1–2",
};
export const REVIEW = {
  count: "повторов",
  guess: "догадка бота",
  chosen: "выбрал гражданин",
  confidence: "уверенность",
  context: "Показать переписку",
  intentLabel: "Намерение",
  answerLabel: "Ответ бота для нового намерения",
  assign: "Назначить",
  dismiss: "Отклонить",
  assigned: "Размечено",
  dismissed: "Отклонено",
  noDiff: "Изменений нет: обучающие файлы совпадают с принятыми примерами.",
  written: "Обучающие файлы записаны",
  failed: "Не удалось выполнить действие",
};
export const MODEL_STATUS = {
  training: "обучается",
  failed: "ошибка обучения",
  ready: "готова",
  rejected: "отклонена проверкой",
  serving: "работает",
  retired: "в архиве (можно вернуть)",
};
export const MODEL_STAGE = { validate: "проверка данных", train: "обучение", evaluate: "оценка", done: "готово" };
export const MEASURE = { accuracy: "точность", macro_f1: "macro-F1", recall: "полнота" };
const RUSSIAN_PLURAL = new Intl.PluralRules("ru");
const PHRASES = { one: "фразу", few: "фразы", many: "фраз" };

export const MODELS = {
  title: "Модели",
  train: "Быстрое дообучение",
  trainHint: "Дообучает работающую модель на новых примерах (около минуты); если добавлена новая тема или изменены настройки — обучает с нуля",
  trainFull: "Обучить с нуля",
  mode: { quick: "дообучена", full: "обучена с нуля" },
  evaluate: "Сравнить с работающей",
  publish: "Опубликовать",
  override: "Опубликовать вопреки проверке",
  overrideReason: "Причина публикации вопреки проверке (не короче 10 символов)",
  rollback: "Вернуть предыдущую модель",
  passed: "Проверка пройдена: модель не хуже работающей",
  refused: "Проверка не пройдена: модель хуже работающей",
  noVerdict: "Ещё не сравнивалась",
  passedShort: "проверка пройдена",
  pinnedLost: (phrase, intent, answered) => `обязательная фраза «${phrase}» (${intent}) понята как ${answered}`,
  lost: (n) => `на ${n} ${PHRASES[RUSSIAN_PLURAL.select(n)] || PHRASES.many} меньше`,
  refusedShort: "проверка не пройдена",
  set: "Набор", intent: "Намерение", serving: "Работающая", candidate: "Новая", support: "Фраз",
  name: "Модель", status: "Состояние", progress: "Ход", actions: "Действия",
  loadFailed: "Не удалось загрузить модели",
  started: "Запущено",
};
export const INCIDENT_KIND = { incident: "Сбой", maintenance: "Плановые работы" };
export const CONTENT = {
  failed: "Не удалось загрузить содержание",
  saveFailed: "Не удалось сохранить. Проверьте поля и попробуйте ещё раз.",
  defaults: "Действуют исходные значения из файла",
  edited: (version, when) => `Версия ${version}, изменено ${when}`,
  contactsSaved: "Контакты сохранены",
  routesSaved: "Маршруты сохранены",
  incidentSaved: "Инцидент сохранён",
  incidentEnded: "Инцидент завершён",
  required: "Заполните телефон и электронную почту.",
  badTime: (day) => `${day}: время пишется как ЧЧ:ММ (например, 08:00), конец может быть 24:00 и должен быть позже начала.`,
  topic: (n) => `Тема ${n}`,
  topicCode: "Код (латиницей)",
  topicKeywords: "Ключевые слова (через запятую)",
  topicRoute: "Маршрут (что прочитает гражданин)",
  topicRemove: "Удалить тему",
  topicIncomplete: (n) => `Тема ${n}: нужны код, хотя бы одно ключевое слово и маршрут.`,
  textsRequired: "Заполните вступление, заключение и общий маршрут.",
  newIncident: "Новый инцидент",
  editIncident: "Изменить инцидент",
  edit: "Изменить",
  end: "Завершить",
  incidentRequired: "Выберите сервис, напишите текст и укажите начало.",
  recoveryBeforeStart: "Время восстановления должно быть позже начала.",
  active: "нет",
};
