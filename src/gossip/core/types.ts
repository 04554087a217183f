/**
 * Shared shapes of the SWIM core. A member is known by its node name; `addr` ("ip:port") is only
 * where packets for it go, so a node that restarts on a new address keeps its identity.
 */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

export type Meta = Record<string, string>;

export interface Member {
  name: string;
  addr: string;
  incarnation: number;
  state: MemberState;
  /** Virtual ms (the `now` the core was given) of the last state change. */
  stateChangeAt: number;
  meta: Meta;
}

export function cloneMember(m: Member): Member {
  return { ...m, meta: { ...m.meta } };
}

export function sameMeta(a: Meta, b: Meta): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}
