import type { TableReader } from '../config/table-reader.js';
import type { KnownNames, Manager, ManagerKind, RequestContext, Services, Verdict } from './types.js';
import { userOf } from './identity.js';
import { checkUserDBName } from './user-db-check.js';

/** `[[groupIPM]]` (pmproxy's keys `name`, `group`, `userDBN`): the request's user is in `group`. */
export interface GroupIPMConfig {
  readonly name: string;
  readonly group: string;
  readonly userDBN: string;
}

export const groupIPM: ManagerKind<GroupIPMConfig> = {
  kind: 'groupIPM',

  parse(table: TableReader): GroupIPMConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const group = table.string('group', { required: true, nonEmpty: true });
    const userDBN = table.string('userDBN', { required: true, nonEmpty: true });
    table.done();
    if (name === undefined || group === undefined || userDBN === undefined) return undefined;
    return { name, group, userDBN };
  },

  check(config: GroupIPMConfig, known: KnownNames, table: TableReader): void {
    checkUserDBName(config.userDBN, 'userDBN', known, table);
  },

  create(config: GroupIPMConfig, services: Services): Manager {
    return new GroupIPM(config, services);
  },
};

class GroupIPM implements Manager {
  readonly kind = 'groupIPM';
  readonly name: string;

  constructor(
    readonly config: GroupIPMConfig,
    readonly services: Services,
  ) {
    this.name = config.name;
  }

  test(ctx: RequestContext): Verdict | Promise<Verdict> {
    const user = userOf(ctx, this.config.userDBN, this.services);
    return user instanceof Promise ? user.then((u) => this.#verdict(ctx, u)) : this.#verdict(ctx, user);
  }

  #verdict(ctx: RequestContext, user: string | undefined): Verdict {
    const { group, userDBN } = this.config;
    if (user === undefined) return { match: false, reason: `no ${userDBN} user at ${ctx.clientIp}` };
    const groups = this.services.users.get(userDBN)?.groups(user) ?? [];
    return groups.includes(group)
      ? { match: true, reason: `${user} is in ${group}` }
      : { match: false, reason: `${user} is not in ${group}` };
  }

  settings(): Record<string, unknown> {
    return { name: this.name, group: this.config.group, userDBN: this.config.userDBN };
  }
}
