export const PAGE_LANGUAGES = ['uz', 'ru', 'en'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

export function pageLanguage(...candidates: (string | null | undefined)[]): PageLanguage {
  for (const candidate of candidates) {
    if (candidate && (PAGE_LANGUAGES as readonly string[]).includes(candidate))
      return candidate as PageLanguage;
  }
  return 'ru';
}

/** One text in each page language. */
export type Translations = Readonly<Record<PageLanguage, string>>;

/** Texts buyers read on the gateway's own pages, in each page language. */
export const TEXTS = {
  amount: { uz: "To'lov summasi", ru: 'Сумма к оплате', en: 'Amount due' },
  status: { uz: 'Holati', ru: 'Статус', en: 'Status' },
  notFound: { uz: 'Hisob topilmadi', ru: 'Счёт не найден', en: 'Invoice not found' },
  pending: { uz: "To'lov kutilmoqda", ru: 'Ожидает оплаты', en: 'Awaiting payment' },
  authorized: { uz: "Mablag' band qilingan", ru: 'Средства заблокированы', en: 'Payment held' },
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
  errorTitle: { uz: 'Xatolik yuz berdi', ru: 'Что-то пошло не так', en: 'Something went wrong' },
  somethingWentWrong: {
    uz: "Bizning tomonimizda xatolik yuz berdi. Birozdan so'ng qayta urinib ko'ring.",
    ru: 'На нашей стороне произошла ошибка. Попробуйте ещё раз чуть позже.',
    en: 'Something went wrong on our side. Please try again in a moment.',
  },
  methodUnavailable: {
    uz: "Bu to'lov usuli hozir mavjud emas. Boshqasini tanlang yoki keyinroq urinib ko'ring.",
    ru: 'Этот способ оплаты сейчас недоступен. Выберите другой или попробуйте позже.',
    en: 'This payment method is not available right now. Please choose another one or try again later.',
  },
  paymentBeingPrepared: {
    uz: "To'lov tayyorlanmoqda. Birozdan so'ng qayta urinib ko'ring.",
    ru: 'Платёж готовится. Попробуйте ещё раз через минуту.',
    en: 'Your payment is being prepared. Please try again in a moment.',
  },
  orderAlreadyPaid: {
    uz: "Bu buyurtma allaqachon to'langan.",
    ru: 'Этот заказ уже оплачен.',
    en: 'This order is already paid.',
  },
  checkoutClosed: {
    uz: "Bu to'lov sahifasi yopilgan.",
    ru: 'Эта страница оплаты закрыта.',
    en: 'This checkout is closed.',
  },
  reference: {
    uz: "Yordam so'rasangiz, ushbu kodni ayting:",
    ru: 'Если обратитесь в поддержку, назовите этот код:',
    en: 'If you contact support, quote this code:',
  },
} as const satisfies Record<string, Translations>;

export type TextKey = keyof typeof TEXTS;

export function t(key: TextKey, lang: PageLanguage): string {
  return TEXTS[key][lang];
}
