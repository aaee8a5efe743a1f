/**
 * Remembers that the user navigated inside the app, so the next page heading takes focus.
 * On the first page load focus stays where the browser puts it.
 */
let pending = false;

export function requestNavigationFocus(): void {
  pending = true;
}

export function consumeNavigationFocus(): boolean {
  const value = pending;
  pending = false;
  return value;
}
