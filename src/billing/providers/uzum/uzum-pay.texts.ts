import type { Translations } from '../../../pages/i18n';

/** The texts of the Uzum checkout page (`/pay/:id`), in each page language. */
export const UZUM_PAY_TEXTS = {
  title: {
    uz: "Uzum ilovasi orqali to'lash",
    ru: 'Оплата через приложение Uzum',
    en: 'Pay in the Uzum app',
  },
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
} as const satisfies Record<string, Translations>;
