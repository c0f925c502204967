/**
 * Calendar days in this machine's time zone, as 'YYYY-MM-DD': the day a person lives, so that a
 * download at 23:30 lands on the bar of the evening it was made, not on UTC's next day.
 */
export function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** The `count` days that end with the day of `today`, oldest first. */
export function lastDays(today: Date, count: number): string[] {
  const days: string[] = [];
  // Built from calendar fields, not by subtracting 24 h: a day with a DST change is 23 or 25 hours.
  for (let back = count - 1; back >= 0; back--) {
    days.push(localDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - back, 12)));
  }
  return days;
}
