/** The deals whose timed milestones (on_date, hold_hours) are due, from the read model. */
export interface DueReleases {
  dueBy(now: Date, limit: number): Promise<readonly string[]>;
}
