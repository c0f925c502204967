/**
 * Bytes charged per quota manager, user and local calendar day, kept apart from the cycle's
 * consumption: resets and admin corrections change what a quota counts, never what was moved on a
 * day. The pages draw the last weeks of them as bar charts.
 */
export interface DailyTotals {
  /** Adds the deltas (user → bytes) to `day` ('YYYY-MM-DD'), joining an open transaction. */
  add(manager: string, day: string, deltas: ReadonlyMap<string, number>): void;
  /** Day → bytes of the users named (all users when `users` is undefined), from `first` to `last`. */
  sum(
    manager: string,
    days: { readonly first: string; readonly last: string },
    users?: readonly string[],
  ): Map<string, number>;
  /** Drops the days before `day`; how many rows went. */
  purgeBefore(day: string): number;
}
