export const PAGE_LANGUAGES = ['uz', 'ru', 'en'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

export function pageLanguage(...candidates: (string | null | undefined)[]): PageLanguage {
  for (const candidate of candidates) {
    if (candidate && (PAGE_LANGUAGES as readonly string[]).includes(candidate))
      return candidate as PageLanguage;
  }
  return 'ru';
}

/** Texts buyers read, in each page language. */
export const TEXTS = {
  uzumTitle: {
    uz: "Uzum ilovasi orqali to'lash",
    ru: 'Оплата через приложение Uzum',
    en: 'Pay in the Uzum app',
  },
  amount: { uz: "To'lov summasi", ru: 'Сумма к оплате', en: 'Amount due' },
  scan: {
    uz: 'Telefon kamerasi bilan QR kodni skanerlang yoki quyidagi amallarni bajaring:',
    ru: 'Отсканируйте QR-код камерой телефона или выполните шаги ниже:',
    en: "Scan the QR code with your phone's camera, or follow these steps:",
  },
  step1: {
    uz: 'Uzum Bank ilovasini oching.',
    ru: 'Откройте приложение Uzum Bank.',
    en: 'Open the Uzum Bank app.',
  },
  step2: {
    uz: "«To'lovlar» bo'limida sotuvchi xizmatini toping.",
    ru: 'В разделе «Платежи» найдите сервис продавца.',
    en: "Find the seller's service under Payments.",
  },
  step3: {
    uz: 'Buyurtma raqamini kiriting:',
    ru: 'Введите номер заказа:',
    en: 'Enter the order number:',
  },
  step4: { uz: "To'lovni tasdiqlang.", ru: 'Подтвердите оплату.', en: 'Confirm the payment.' },
  openApp: {
    uz: 'Uzum ilovasida ochish',
    ru: 'Открыть в приложении Uzum',
    en: 'Open in the Uzum app',
  },
  qrAlt: { uz: "To'lov uchun QR kod", ru: 'QR-код для оплаты', en: 'QR code to pay' },
  status: { uz: 'Holati', ru: 'Статус', en: 'Status' },
  notFound: { uz: 'Hisob topilmadi', ru: 'Счёт не найден', en: 'Invoice not found' },
  pending: { uz: "To'lov kutilmoqda", ru: 'Ожидает оплаты', en: 'Awaiting payment' },
  paid: { uz: "To'langan", ru: 'Оплачено', en: 'Paid' },
  cancelled: { uz: 'Bekor qilingan', ru: 'Отменён', en: 'Cancelled' },
  failed: { uz: 'Muvaffaqiyatsiz', ru: 'Не удался', en: 'Failed' },
  refunded: { uz: 'Qaytarilgan', ru: 'Возвращён', en: 'Refunded' },
  creating: { uz: 'Tayyorlanmoqda', ru: 'Готовится', en: 'Being prepared' },
  back: { uz: "Do'konga qaytish", ru: 'Вернуться в магазин', en: 'Back to the shop' },
  cashierTitle: {
    uz: "To'lov usulini tanlang",
    ru: 'Выберите способ оплаты',
    en: 'Choose how to pay',
  },
  order: { uz: 'Buyurtma', ru: 'Заказ', en: 'Order' },
  payWith: {
    uz: "{provider} orqali to'lash",
    ru: 'Оплатить через {provider}',
    en: 'Pay with {provider}',
  },
  noProviders: {
    uz: "Bu do'konda hozircha to'lov usullari mavjud emas. Iltimos, sotuvchiga murojaat qiling.",
    ru: 'У этого магазина сейчас нет доступных способов оплаты. Пожалуйста, свяжитесь с продавцом.',
    en: 'This shop has no payment methods available right now. Please contact the seller.',
  },
  sessionExpired: {
    uz: "Bu to'lov sahifasining muddati tugagan. Do'kondan yangisini so'rang.",
    ru: 'Срок действия этой страницы оплаты истёк. Запросите новую в магазине.',
    en: 'This checkout has expired. Ask the shop for a new one.',
  },
  sessionPaid: {
    uz: "Buyurtma to'langan. Rahmat!",
    ru: 'Заказ оплачен. Спасибо!',
    en: 'This order is paid. Thank you!',
  },
  checkoutNotFound: {
    uz: "To'lov sahifasi topilmadi",
    ru: 'Страница оплаты не найдена',
    en: 'Checkout not found',
  },
} as const;

export type TextKey = keyof typeof TEXTS;

export function t(key: TextKey, lang: PageLanguage): string {
  return TEXTS[key][lang];
}
