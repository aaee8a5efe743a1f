/** English strings of the person's preferences: the language and time-zone picker in the header. */
export const enPreferences = {
  'prefs.menu': 'Language and time zone',
  'prefs.menuSummary': '{language} · {zone}',
  'prefs.language': 'Language',
  'prefs.timeZone': 'Time zone',
  'prefs.timeZoneHint': 'Dates and times are shown in this zone. An IANA id such as Europe/Paris.',
  'prefs.zoneUnknown': 'This browser knows no such zone: use an IANA id such as Europe/Paris.',
  'prefs.save': 'Save time zone',
  'prefs.saved': 'Saved. Dates and times now show in {zone}.',
  'prefs.failed': 'Your choice could not be saved: {problem}',
} as const;
