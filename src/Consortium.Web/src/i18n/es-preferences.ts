/** Spanish strings of the language and time-zone picker (keys of en-preferences.ts). */
export const esPreferences = {
  'prefs.menu': 'Idioma y zona horaria',
  'prefs.menuSummary': '{language} · {zone}',
  'prefs.language': 'Idioma',
  'prefs.timeZone': 'Zona horaria',
  'prefs.timeZoneHint': 'Las fechas y horas se muestran en esta zona. Un identificador IANA como Europe/Madrid.',
  'prefs.zoneUnknown': 'Este navegador no conoce esa zona: use un identificador IANA como Europe/Madrid.',
  'prefs.save': 'Guardar la zona horaria',
  'prefs.saved': 'Guardado. Las fechas y horas se muestran ahora en {zone}.',
  'prefs.failed': 'No se pudo guardar su elección: {problem}',
};
