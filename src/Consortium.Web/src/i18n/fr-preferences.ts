/** French strings of the language and time-zone picker (keys of en-preferences.ts). */
export const frPreferences = {
  'prefs.menu': 'Langue et fuseau horaire',
  'prefs.menuSummary': '{language} · {zone}',
  'prefs.language': 'Langue',
  'prefs.timeZone': 'Fuseau horaire',
  'prefs.timeZoneHint': 'Les dates et heures s’affichent dans ce fuseau. Un identifiant IANA comme Europe/Paris.',
  'prefs.zoneUnknown': 'Ce navigateur ne connaît pas ce fuseau : utilisez un identifiant IANA comme Europe/Paris.',
  'prefs.save': 'Enregistrer le fuseau',
  'prefs.saved': 'Enregistré. Les dates et heures s’affichent désormais pour {zone}.',
  'prefs.failed': 'Votre choix n’a pas pu être enregistré : {problem}',
};
