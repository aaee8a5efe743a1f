/** English strings of the pictures of the leak (issue 21): the world map, the timeline and the verification funnel. */
export const enCharts = {
  'charts.heading': 'Pictures of the leak',
  'charts.lede': 'Drawn from the same search and filters as the list below, and counted again as annotations arrive.',
  'charts.updating': 'Updating the pictures…',
  'charts.failed': 'The picture could not be drawn; the numbers are in its table.',
  'charts.lowerBound': 'A large search: counting stopped early, so these are lower bounds (“≥”).',
  'charts.showTable': 'Show the numbers',
  'charts.hideTable': 'Hide the numbers',
  'charts.count': 'Selected numbers',

  'charts.map.title': 'Selected numbers by country',
  'charts.map.caption': 'Selected numbers by country (from each normalised phone number)',
  'charts.map.country': 'Country',
  'charts.map.none': 'No selected number with a known country.',
  'charts.map.unknown.one': '{count} number without a known country.',
  'charts.map.unknown.other': '{count} numbers without a known country.',
  'charts.map.low': 'Fewer',
  'charts.map.high': 'More',

  'charts.timeline.title': 'Selections by month',
  'charts.timeline.caption': 'Selections by month of the dataset’s date column',
  'charts.timeline.month': 'Month',
  'charts.timeline.none': 'No selection with a date.',
  'charts.timeline.noDateColumn': 'This dataset has no date column, so its selections cannot be placed in time.',
  'charts.timeline.datasetsWithoutDate': 'Without a date column, so not on the timeline: {datasets}.',
  'charts.timeline.undated.one': '{count} selection without a readable date.',
  'charts.timeline.undated.other': '{count} selections without a readable date.',

  'charts.funnel.title': 'Verification funnel',
  'charts.funnel.caption': 'Numbers at each verification state (latest verdict you may see)',
  'charts.funnel.state': 'Verification state',
  'charts.funnel.noVerdict': 'No verdict yet',
} as const;
