/**
 * English strings. Every string the UI shows lives here.
 * Placeholders are written {name} and filled by t(key, { name }).
 * Keys ending in .one / .other are plural forms picked by tp(key, count).
 */
export const en = {
  'app.name': 'Consortium',
  'app.skipToContent': 'Skip to main content',
  'app.loading': 'Loading…',
  'app.retry': 'Try again',
  'app.notFound.title': 'Page not found',
  'app.notFound.body': 'There is nothing at this address.',
  'app.backHome': 'Back to investigations',
  'app.pageTitle': '{page} · Consortium',
  'app.error.title': 'Something went wrong',

  'nav.label': 'Main',
  'nav.investigations': 'Investigations',
  'nav.breadcrumbs': 'Breadcrumbs',

  'header.signedIn': 'Signed in as',
  'header.signOut': 'Sign out',


  'investigations.title': 'Investigations',
  'investigations.empty': 'You are not a member of any investigation yet.',
  'investigations.coordinator': 'Coordinated by {outlet}',
  'investigations.members.one': '{count} member outlet',
  'investigations.members.other': '{count} member outlets',
  'investigations.datasets.one': '{count} dataset',
  'investigations.datasets.other': '{count} datasets',

  'investigation.datasetsHeading': 'Datasets',
  'investigation.noDatasets': 'No datasets have been shared in this investigation yet.',
  'investigation.coordinator': 'Coordinator',
  'investigation.members': 'Member outlets',

  'dataset.records.one': '{count} record',
  'dataset.records.other': '{count} records',
  'dataset.columns': 'Columns: {columns}',
  'dataset.sharedAll': 'All member outlets',
  'dataset.compartment.one': 'Compartment: {count} outlet',
  'dataset.compartment.other': 'Compartment: {count} outlets',
  'dataset.compartmentTitle': 'Shared with: {outlets}',
  'dataset.search.label': 'Search phone numbers',
  'dataset.search.hint': 'Digits only, e.g. 7700900. Press / to jump here, Esc to clear.',
  'dataset.search.placeholder': 'Digits…',
  'dataset.table.caption': 'Records in {dataset}',
  'dataset.table.row': '#',
  'dataset.table.loadingMore': 'Loading more records…',
  'dataset.table.loadMore': 'Load more',
  'dataset.table.end': 'End of records.',
  'dataset.table.empty': 'No records match.',
  'dataset.table.shown.one': '{count} record loaded',
  'dataset.table.shown.other': '{count} records loaded',
  'dataset.table.openRecord': 'Open record {row}',

  'record.title': 'Record {row}',
  'record.valuesHeading': 'Values',
  'record.inDataset': 'In {dataset}',
  'record.next': 'Next record',
  'record.previous': 'Previous record',
  'record.noNext': 'This is the last record.',
  'record.noPrevious': 'This is the first record.',
  'record.shortcuts': 'Shortcuts: j next record, k previous record, n write a note.',
  'record.phoneE164': 'Phone (E.164)',

  'annotations.heading': 'Annotations',
  'annotations.empty': 'No annotations yet. Be the first to add a note.',
  'annotations.count.one': '{count} annotation',
  'annotations.count.other': '{count} annotations',
  'annotations.new': 'new',
  'annotations.newLabel': 'Arrived while you were here',

  'visibility.consortium': 'Consortium',
  'visibility.outlet': 'My outlet',
  'visibility.private': 'Private',
  'visibility.label': 'Visibility: {visibility}',

  'form.note.label': 'Add a note',
  'form.note.hint': 'Press n to jump here, Ctrl+Enter to post, Esc to leave.',
  'form.visibility.label': 'Visible to',
  'form.submit': 'Post note',
  'form.empty': 'Write something before posting.',

  'live.offline': 'Offline — reconnecting…',
  'live.catchingUp': 'Catching up…',

  'error.network': 'The server could not be reached.',
  'error.generic': 'Request failed ({status}).',
  'error.unexpected': 'The server gave an unexpected answer.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
