/** Headings of error pages, and the `error` field of JSON errors, by status. */
const TITLES: Record<number, string> = {
  400: 'That request did not make sense',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Already in use',
  413: 'That was too much data',
  415: 'Not accepted',
  429: 'Slow down',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/** The heading for a status; unlisted ones get their class's (400 or 500). */
export function errorTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? TITLES[500] : TITLES[400]);
}
