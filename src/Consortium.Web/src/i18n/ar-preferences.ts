/** Arabic strings of the language and time-zone picker (keys of en-preferences.ts). */
export const arPreferences = {
  'prefs.menu': 'اللغة والمنطقة الزمنية',
  'prefs.menuSummary': '{language} · {zone}',
  'prefs.language': 'اللغة',
  'prefs.timeZone': 'المنطقة الزمنية',
  'prefs.timeZoneHint': 'تُعرض التواريخ والأوقات بتوقيت هذه المنطقة. اكتب معرّف IANA مثل Asia/Beirut.',
  'prefs.zoneUnknown': 'لا يعرف هذا المتصفح منطقة بهذا الاسم: استخدم معرّف IANA مثل Asia/Beirut.',
  'prefs.save': 'حفظ المنطقة الزمنية',
  'prefs.saved': 'تم الحفظ. تُعرض التواريخ والأوقات الآن بتوقيت {zone}.',
  'prefs.failed': 'تعذّر حفظ اختيارك: {problem}',
};
