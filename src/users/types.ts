/** A user database (mapDB from TOML, sqlDB in the store): who exists, their groups, their password. */
export interface UserDB {
  readonly name: string;
  readonly kind: string;
  /** Constant-time with respect to whether the user exists. */
  verify(user: string, pass: string): Promise<boolean>;
  /** undefined when the user does not exist. */
  groups(user: string): readonly string[] | undefined;
  displayName(user: string): string | undefined;
  /** Every user, sorted by name: for the admin page and `pmproxy user ls`. */
  list(): UserEntry[];
  /** True when users live in a file the gateway does not write (mapDB): no add, passwd or del. */
  readonly readOnly: boolean;
  /**
   * Changes whenever a password may have changed (another process's `pmproxy user passwd`), so
   * remembered verifications are dropped. Absent: the passwords change only with a reload.
   */
  revision?(): string | undefined;
}

/** One user as listings show it. */
export interface UserEntry {
  readonly name: string;
  readonly displayName: string;
  readonly groups: readonly string[];
}

export interface UserDirectory {
  get(name: string): UserDB | undefined;
  names(): string[];
}
